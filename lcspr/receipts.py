"""`lcspr receive`: an agency's returned referral-response form, into the record.

The form (lcspr.response_form, read by lcspr.form_reading) becomes
`responses/<agency>.md`: the frontmatter the form's fields and chronology give,
the day it was received as `date` (which stops the agency's deadline), and each
section's text as Markdown under its `## ` heading. The file is validated like any
response before anything is written, and committed in one commit with the
original .docx beside it (`responses/<agency>.docx`), as a receipt: `Lcspr-Action:
receive`, the agency, the day, and the form's SHA-256. Nothing is written when
anything is wrong.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from lcspr import gitops, mdfile, records, response_form, skeletons, trail
from lcspr.calendar import parse_iso_date
from lcspr.errors import FormError, UsageError
from lcspr.form_reading import ReadForm, check_size, read_form
from lcspr.repository import Repository
from lcspr.trail import Decision


@dataclass(frozen=True)
class Receipt:
    """What `receive` recorded: the files written, the form's SHA-256, the commit."""

    response: Path
    original: Path
    sha256: str
    entries: int
    record: Decision


def receive(repo: Repository, case_id: str, agency: str, source: Path, on: str | None = None,
            replace: bool = False, today: date | None = None) -> Receipt:
    """Read the form `source` returned by `agency` for `case_id` into responses/<agency>.md,
    keep it as responses/<agency>.docx, and commit both as a receipt dated `on` (today)."""
    config = repo.config
    records.check_agency(config, agency)
    folder = records.case_folder(config, case_id)
    today = today or date.today()
    on = on or today.isoformat()
    if parse_iso_date(on, "--on") > today:
        raise UsageError(f"--on {on} is in the future; give the day the form was received.")
    shown = str(source)
    if not source.is_file():
        raise UsageError(f"{shown} is not a file; give the .docx the agency returned.")
    if source.resolve().is_relative_to(folder.resolve()):
        raise UsageError(f"{shown} is inside the case folder; move it out first (to your downloads, say): lcspr "
                         f"keeps the form it receives as {records.RESPONSES_DIR}/{agency}.docx itself.")
    check_size(source.stat().st_size, shown)
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    answers = read_form(data, shown, case_id, agency, response_form.sections(repo))
    if not (answers.fields or answers.chronology or any(t.strip() for t in answers.sections.values())):
        raise FormError(f"{shown} is the blank form: nothing was filled in. Ask {config.agency_name(agency)} "
                        "to fill it in and return it.")

    root = config.root
    response = folder / records.RESPONSES_DIR / f"{agency}.md"
    original = response.with_suffix(".docx")
    with gitops.writing(root, folder):
        case = records.read_case(config, case_id)
        existing = case.responses().get(agency)
        _check_committed(root, response, original)
        if original.is_file() and original.read_bytes() == data:
            raise FormError(f"{shown} was received already: {records.relative(config, original)} is this very file "
                            f"(`lcspr history {case_id}` shows when). Nothing to do.")
        _check_replaceable(case_id, agency, existing, replace)
        requested = str((existing.data.get("requested") if existing else None)
                        or (case.data.get("dates") or {}).get("responses_requested") or "")
        if requested and on < requested:
            raise UsageError(f"--on {on} is before the response was requested ({requested}).")
        text = compose(case_id, agency, requested, on, answers)
        display = records.relative(config, response)
        _validate(repo, case_id, agency, text, response, display, answers, shown)
        record = Decision(
            action=trail.RECEIVE, case=case_id, agency=agency, decided_on=on, recorded_at=gitops.now_utc(),
            received=f"{records.RESPONSES_DIR}/{original.name} sha256:{digest}",
            subject=f"{case_id}: referral response received from {config.agency_name(agency)}",
            reason=(f"The referral-response form {source.name} returned by {config.agency_name(agency)}, received on "
                    f"{on}, read into {records.RESPONSES_DIR}/{response.name} ({len(answers.chronology)} chronology "
                    f"entries) and kept as {records.RESPONSES_DIR}/{original.name}."),
        )

        def write() -> None:
            mdfile.write_atomic(original, data)
            mdfile.write_atomic(response, text)

        record.commit = gitops.record_change(root, folder, write, record.message(), sign=config.sign,
                                             only=[response, original])
    return Receipt(response, original, digest, len(answers.chronology), record)


def _check_committed(root: Path, response: Path, original: Path) -> None:
    """Refuse to overwrite what is not committed: nothing is lost."""
    changed = set(gitops.changed_files(root, response.parent))
    for path in (response, original):
        rel = path.relative_to(root).as_posix()
        if rel in changed:
            raise UsageError(f"{rel} has changes that are not committed; commit them or undo them first, so "
                             "that nothing is lost, then receive the form again.")


def _check_replaceable(case_id: str, agency: str, existing: mdfile.MarkdownFile | None, replace: bool) -> None:
    """Without `replace`, refuse to replace a response that is more than its skeleton."""
    if existing is not None and not replace and not skeletons.missing(existing, "response"):
        returned = existing.data.get("date")
        said = f"a response returned on {returned}" if returned else "a response written already"
        raise UsageError(
            f"{existing.display} holds {said}. To replace it with this form (the old one stays in the Git "
            f"history), run `lcspr receive {case_id} --agency {agency} --replace FILE`.")


def compose(case_id: str, agency: str, requested: str, on: str, answers: ReadForm) -> str:
    """responses/<agency>.md as lcspr writes it from a received form."""
    fields = answers.fields
    lines = ["---", f"case: {mdfile.yaml_scalar(case_id)}", f"agency: {mdfile.yaml_scalar(agency)}"]
    if fields.get("responder_role"):
        lines.append(f"responder_role: {mdfile.yaml_scalar(fields['responder_role'])}")
    if requested:
        lines.append(f"requested: {mdfile.yaml_scalar(requested)}")
    lines.append(f"date: {mdfile.yaml_scalar(on)}")
    involvement = [(key, fields[f"involvement.{key}"]) for key in ("from", "to", "nature")
                   if fields.get(f"involvement.{key}")]
    if involvement:
        lines.append("involvement:")
        lines += [f"  {key}: {mdfile.yaml_scalar(value)}" for key, value in involvement]
    if answers.chronology:
        lines.append("chronology:")
        for entry in answers.chronology:
            lines.append(f"  - date: {mdfile.yaml_scalar(entry['date'])}")
            lines += [f"    {key}: {mdfile.yaml_scalar(entry[key])}" for key in ("event", "significance") if key in entry]
    else:
        lines.append("chronology: []")
    narrative = any(text.strip() for text in answers.sections.values())
    lines.append(f"narrative: {mdfile.yaml_scalar(narrative)}")
    lines.append("---")
    body = [f"## {title}\n\n{text.strip()}\n" if text.strip() else f"## {title}\n"
            for title, text in answers.sections.items()]
    return "\n".join(lines) + "\n" + "\n".join(body)


_ROW = re.compile(r"^chronology\[(\d+)\]")


def _validate(repo: Repository, case_id: str, agency: str, text: str, path: Path, display: str,
              answers: ReadForm, shown: str) -> None:
    """The response as it would be written must validate; problems name the form's rows and fields."""
    from lcspr.validation import check_file

    md = mdfile.parse(text, path, display)
    problems = check_file(repo, case_id, f"response:{agency}", md)
    if not problems:
        return
    labels = {f.key: f"the field `{f.label}`" for fields in response_form.FIELDS.values() for f in fields}

    def where(dotted: str) -> str:
        row = _ROW.match(dotted)
        if row:
            index = int(row.group(1))
            at = answers.rows[index] if index < len(answers.rows) else index + 1
            rest = dotted[row.end():].lstrip(".")
            return f"the chronology table, row {at}" + (f" ({rest})" if rest else "")
        return labels.get(dotted, f"`{dotted}`" if dotted else "the form")

    listed = "\n".join(f"  {where(p.where)}: {p.message}" for p in problems)
    raise FormError(f"{shown} cannot be received; as a response it would not validate:\n{listed}\n"
                    "Ask the agency to correct the form (or correct it yourself), then receive it again.")


def describe(receipt: Receipt, root: Path) -> dict[str, Any]:
    """What `receive` reports, as data (`--format json`)."""
    return {
        "response": receipt.response.relative_to(root).as_posix(),
        "original": receipt.original.relative_to(root).as_posix(),
        "sha256": receipt.sha256,
        "chronology_entries": receipt.entries,
        "commit": receipt.record.commit,
    }
