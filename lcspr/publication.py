"""`lcspr check-publication`: keep identifying details out of what is published or sent.

A check reads everything that would leave the partnership for one case: the
Markdown the report is made from (report.md, every responses/<agency>.md, the
case.md fields a document prints), the report rendered now, and any Word or PDF
file named; in a Word file, every part (lcspr.document_text). It runs the
detectors of lcspr.detectors with the case's entries of the identity register
(lcspr.identities) and reports each finding with its place and a masked excerpt.

A finding a person has judged safe is accepted in case.md
(`publication_check.accepted`), by a named role with a reason, for one document
only: the acceptance holds the document's fingerprint (lcspr.document_text.fingerprint
for a Word file, the sha256 of the bytes otherwise), so any change of wording needs
a new judgement. The workflow's `checks_publication` moves call `gate`, which
refuses unless the check of exactly what is sent is clean.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcspr import identities, mdfile, records
from lcspr.detectors import Detectors, Hit
from lcspr.document_text import Chunk, docx_chunks, fingerprint, pdf_chunks
from lcspr.errors import LcsprError, TransitionRefused, UsageError
from lcspr.resources import resource_dir
from lcspr.mdfile import field_value

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.records import Case
    from lcspr.repository import Repository
    from lcspr.workflow import Transition

ACCEPTED = ("publication_check", "accepted")
EXCERPT = 30  # characters shown either side of a finding
#: case.md fields that never print in a document, or that a decision changes.
_NOT_PRINTED = {"status", "publication_check"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KEY = re.compile(r"^([a-z0-9-]+):([0-9a-f]{16})@([0-9a-f]{64})$")


@dataclass(frozen=True)
class Source:
    """One thing checked: its name, its text in chunks, the sha256 of its bytes and its fingerprint."""

    file: str
    chunks: list[Chunk]
    sha256: str
    fingerprint: str


@dataclass(frozen=True)
class Finding:
    file: str
    part: str
    where: str
    kind: str
    excerpt: str
    key: str
    accepted: str = ""

    def __str__(self) -> str:
        part = f" [{self.part}]" if self.part else ""
        note = f" (accepted: {self.accepted})" if self.accepted else ""
        return f"{self.file}{part}: {self.where}: {self.kind}: {self.excerpt}{note}\n    key: {self.key}"

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "part": self.part, "where": self.where, "kind": self.kind,
                "excerpt": self.excerpt, "key": self.key, "accepted": self.accepted}


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    #: (file, sha256 of its bytes) of everything checked.
    checked: list[tuple[str, str]] = field(default_factory=list)

    @property
    def open(self) -> list[Finding]:
        return [f for f in self.findings if not f.accepted]


# --- sources ---------------------------------------------------------------------


def markdown_sources(repo: "Repository", case: "Case") -> list[Source]:
    """The Markdown a report is made from: report.md and the responses whole, and the
    case.md fields that print (the status and the acceptances themselves left out)."""
    found = []
    for kind, md in case.files.items():
        if kind == "report" or kind.startswith("response:"):
            raw = md.text.encode("utf-8")
            digest = hashlib.sha256(raw).hexdigest()
            found.append(Source(records.relative(repo.config, md.path), [Chunk("", "line 1", md.text)], digest, digest))
    md = case.files["case"]
    chunks = [Chunk("", f"field {dotted} (line {line})", value)
              for dotted, line, value in _printed(md.data, md, ()) if value.strip()]
    found.append(Source(records.relative(repo.config, md.path), chunks,
                        hashlib.sha256(md.text.encode("utf-8")).hexdigest(), fingerprint(chunks)))
    return found


def _printed(value: Any, md: mdfile.MarkdownFile, where: tuple[Any, ...]) -> list[tuple[str, int, str]]:
    if isinstance(value, dict):
        return [row for key, item in value.items() if not (not where and key in _NOT_PRINTED)
                for row in _printed(item, md, (*where, key))]
    if isinstance(value, list):
        return [row for i, item in enumerate(value) for row in _printed(item, md, (*where, i))]
    if isinstance(value, str) and not _ISO_DATE.match(value):
        return [(".".join(str(w) for w in where), md.line_of(where), value)]
    return []


def document_source(path: Path, display: str, data: bytes | None = None) -> Source:
    """A Word or PDF file as a source to check."""
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{display}: cannot be read ({exc.strerror}).") from None
    digest = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() == ".pdf":
        return Source(display, pdf_chunks(str(path), display), digest, digest)
    chunks = docx_chunks(data, display)
    return Source(display, chunks, digest, fingerprint(chunks))


def guidance() -> list[str]:
    """The guidance paragraphs of the case skeletons (templates/case/*.md): text meant
    for whoever fills the form in, never for a reader."""
    found = []
    for path in sorted((resource_dir("templates") / "case").glob("*.md")):
        body = path.read_text(encoding="utf-8").rsplit("\n---\n", 1)[-1]
        found += [p for p in re.split(r"\n\s*\n", body) if p.strip() and not p.lstrip().startswith("#")]
    return found


# --- checking --------------------------------------------------------------------


def detectors_for(repo: "Repository", case_id: str) -> Detectors:
    """The detectors with the case's register entries; IdentityRegisterError when the
    register cannot be read (a check without it would pass what it cannot see)."""
    register = identities.load(None, repo.root)
    return Detectors(register.of(case_id), guidance())


def scan(sources: list[Source], found: Detectors, accepted: list[dict[str, Any]]) -> Report:
    report = Report()
    taken = {(str(a.get("finding")), str(a.get("document"))): a for a in accepted if isinstance(a, dict)}
    for source in sources:
        report.checked.append((source.file, source.sha256))
        for finding in _findings(source, found):
            entry = taken.get((finding.key.split(":")[1].split("@")[0], f"sha256:{source.fingerprint}"))
            if entry:
                finding = Finding(**{**finding.as_dict(), "accepted": f"by {entry.get('by')}: {entry.get('reason')}"})
            report.findings.append(finding)
    return report


def _findings(source: Source, found: Detectors) -> list[Finding]:
    out = []
    chunks = source.chunks
    for i, chunk in enumerate(chunks):
        if chunk.text == "\x00embedded":
            out.append(Finding(source.file, chunk.part, chunk.where, "embedded-file",
                               "a file embedded in the document cannot be checked; remove it",
                               _key(source, "embedded-file", chunk.part)))
            continue
        before = chunks[i - 1].text if i and chunks[i - 1].part == chunk.part else ""
        after = chunks[i + 1].text if i + 1 < len(chunks) and chunks[i + 1].part == chunk.part else ""
        hits = found.find(chunk.text, before, after)
        for hit in hits:
            out.append(Finding(source.file, chunk.part, _where(chunk, hit), hit.kind,
                               excerpt(chunk.text, hit, hits), _key(source, hit.kind, hit.folded)))
    return out


def _where(chunk: Chunk, hit: Hit) -> str:
    if chunk.where == "line 1":
        return f"line {1 + chunk.text.count(chr(10), 0, hit.start)}"
    return chunk.where


def _key(source: Source, kind: str, folded: str) -> str:
    """`kind:hash@fingerprint`: names a finding of one document without holding the identifier."""
    digest = hashlib.sha256(f"{source.fingerprint}\x1f{kind}\x1f{folded}".encode("utf-8", "surrogatepass"))
    slug = re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")
    return f"{slug}:{digest.hexdigest()[:16]}@{source.fingerprint}"


def excerpt(text: str, hit: Hit, hits: list[Hit]) -> str:
    """A few words either side of `hit`, with every identifier in them masked."""
    start, end = max(0, hit.start - EXCERPT), min(len(text), hit.end + EXCERPT)
    chars = list(text[start:end])
    for other in hits:
        if other.masked and other.start < end and start < other.end:
            for i in range(max(other.start, start), min(other.end, end)):
                if not chars[i - start].isspace() and i != other.start:
                    chars[i - start] = "•"
    shown = " ".join("".join(chars).split())
    return ("…" if start else "") + shown + ("…" if end < len(text) else "")


def check(repo: "Repository", case_id: str, documents: list[Path] | None = None, render: bool = True) -> Report:
    """Check one case: its Markdown, its report rendered now (with `render`, when it
    has a report.md), and each file of `documents`."""
    from lcspr.documents import fill, read_valid_case

    case = read_valid_case(repo, case_id)
    found = detectors_for(repo, case_id)
    sources = markdown_sources(repo, case)
    if render and "report" in case.files:
        data = fill(repo.config, case, "report", levels=repo.workflow.level_titles)
        sources.append(document_source(Path("report.docx"), f"{case_id} report as rendered now", data))
    for path in documents or []:
        sources.append(document_source(path, str(path)))
    return scan(sources, found, _accepted(case))


def _accepted(case: "Case") -> list[dict[str, Any]]:
    value = field_value(case.data, ".".join(ACCEPTED))
    return [a for a in value if isinstance(a, dict)] if isinstance(value, list) else []


# --- the gate --------------------------------------------------------------------


def gate(repo: "Repository", case_id: str, transition: "Transition", target: str, sent: list[Path],
         earlier: list[str]) -> list[str]:
    """For a move with `checks_publication`: check the documents it sends (or else the
    report an earlier decision sent, which this move publishes) and the Markdown they
    are made from, as they are now, inside the decision. Returns the `Lcspr-Checked`
    values (`path sha256:<hex>`); refuses on any open finding or an unreadable register."""
    case = records.read_case(repo.config, case_id)
    try:
        found = detectors_for(repo, case_id)
        documents = [p for kind in transition.checks_publication for p in _documents(repo, kind, sent, earlier)]
        sources = [document_source(p, records.relative(repo.config, p)) for p in documents]
        report = scan(sources + markdown_sources(repo, case), found, _accepted(case))
    except LcsprError as exc:
        raise TransitionRefused(f"{case_id} cannot move to {target}: the publication check could not run: {exc}") from None
    if report.open:
        shown = report.open[:20]
        more = f"\n  … and {len(report.open) - len(shown)} more" if len(report.open) > len(shown) else ""
        raise TransitionRefused(
            f"{case_id} cannot move to {target}: the publication check found {len(report.open)} thing(s) that must "
            "not be published:\n" + "\n".join(f"  - {f}" for f in shown) + more
            + "\nTake each out of the case files (then approve again if the workflow asks), or, for one a person "
            f"has judged safe, record that with `lcspr check-publication {case_id} --accept KEY --by ROLE "
            "--reason ...` and try again."
        )
    return [f"{path} sha256:{digest}" for path, digest in report.checked]


def _documents(repo: "Repository", kind: str, sent: list[Path], earlier: list[str]) -> list[Path]:
    marker = "-review-report" if kind == "report" else f"-{kind}"
    now = [p for p in sent if marker in p.name]
    if now:
        return now
    before = [repo.config.root / p for p in earlier if marker in Path(p).name]
    return before[-1:]


# --- acceptances -----------------------------------------------------------------


def accept(repo: "Repository", case_id: str, key: str, by: str, reason: str, on: str | None = None) -> dict[str, str]:
    """Record in case.md, in a commit of its own, that `by` judged the finding `key` safe to publish."""
    from lcspr import gitops

    records.check_role(repo.config, by)
    match = _KEY.match(key.strip())
    if not match:
        raise UsageError(f"--accept {key!r} is not a finding's key; copy the `key:` line lcspr printed for it.")
    if not reason.strip():
        raise UsageError("--reason must say why the finding is safe to publish.")
    entry = {"finding": match[2], "kind": match[1], "document": f"sha256:{match[3]}", "by": by,
             "reason": " ".join(reason.split()), "on": on or date.today().isoformat()}
    folder = records.case_folder(repo.config, case_id)
    with gitops.writing(repo.root, folder):
        case = records.read_case(repo.config, case_id)
        listed = _accepted(case)
        if any(a.get("finding") == entry["finding"] and a.get("document") == entry["document"] for a in listed):
            raise UsageError(f"that finding is already accepted in {case_id}'s case.md; nothing was recorded.")
        md = case.files["case"]
        text = with_acceptances(md, [*listed, entry])

        def write() -> None:
            mdfile.write_atomic(md.path, text)

        message = (f"{case_id}: accept a publication-check finding ({match[1]})\n\n{entry['reason']}\n\n"
                   f"Accepted by {by} for the document sha256:{match[3][:16]}….\n")
        gitops.record_change(repo.root, folder, write, message, sign=repo.config.sign)
    return entry


def with_acceptances(md: mdfile.MarkdownFile, accepted: list[dict[str, Any]]) -> str:
    """case.md's text with its `publication_check` block (lcspr's own) written anew at the
    end of the frontmatter, every value quoted; nothing else changes."""
    import json

    lines = md.text.splitlines(keepends=True)
    end = next(i for i in range(1, len(lines)) if lines[i].rstrip("\r\n") == "---")
    start = next((i for i in range(1, end) if lines[i].startswith("publication_check:")), end)
    stop = next((i for i in range(start + 1, end) if lines[i][:1] not in (" ", "\t", "#", "\n", "\r")), end)
    block = ["publication_check:\n", "  accepted:\n"]
    for entry in accepted:
        pairs = [f"{key}: {json.dumps(str(value), ensure_ascii=False)}" for key, value in entry.items()]
        block += [f"    - {pairs[0]}\n"] + [f"      {p}\n" for p in pairs[1:]]
    kept = lines[:start] + lines[stop:end] if start < end else lines[:end]
    text = "".join(kept + block + lines[end:])
    after = mdfile.parse(text, md.path, md.display)
    if field_value(after.data, ".".join(ACCEPTED)) != accepted or \
            {k: v for k, v in after.data.items() if k != ACCEPTED[0]} != \
            {k: v for k, v in md.data.items() if k != ACCEPTED[0]}:
        raise LcsprError(f"{md.display}: lcspr could not add the acceptance without changing other fields; "
                         "add it under publication_check.accepted by hand and commit it.")
    return text
