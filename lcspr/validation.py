"""`lcspr validate`: every case file against its schema, and the checks no schema can make."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcspr import gitops, mdfile, paths, read_memo, records, trail
from lcspr.errors import FileFormatError, UnsafePath
from lcspr.records import Case
from lcspr.repository import Repository

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.history import Commit

# `<<<<<<< ours` / `>>>>>>> theirs`: a line of seven `=` alone is also a Markdown
# heading underline, so it does not count.
_CONFLICT = re.compile(r"^(<{7}|>{7})( |$)", re.MULTILINE)


@dataclass(frozen=True)
class Problem:
    """One problem, located as precisely as it can be: `file:line: field: message`."""

    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        location = f"{self.file}:{self.line}" if self.line else self.file
        return f"{location}: {self.where}: {self.message}" if self.where else f"{location}: {self.message}"


@dataclass
class Report:
    """The outcome of validating some cases."""

    cases: list[str]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        bad = len({p.file.split("/")[1] for p in self.problems if p.file.startswith("cases/")})
        if self.ok:
            return f"{len(self.cases)} case(s) valid."
        return f"{len(self.problems)} problem(s) in {bad or len(self.cases)} of {len(self.cases)} case(s)."


def file_kind(kind: str) -> str:
    """Schema kind of a case file kind (`response:police` → `response`)."""
    return kind.split(":", 1)[0]


def check_file(repo: Repository, case_id: str, kind: str, md: mdfile.MarkdownFile) -> list[Problem]:
    """Schema problems of one parsed case file, plus its own cross-field checks."""
    problems = sorted(
        (Problem(md.display, md.line_of(p.where), p.dotted, p.message) for p in repo.validator.check(file_kind(kind), md.data)),
        key=lambda p: p.line or 0,
    )
    data = md.data
    own_id_field = "id" if kind == "case" else "case"
    if isinstance(data.get(own_id_field), str) and data[own_id_field] != case_id:
        problems.append(
            Problem(
                md.display,
                md.line_of((own_id_field,)),
                own_id_field,
                f"says {data[own_id_field]!r} but the file is in the folder of {case_id}; make them agree",
            )
        )
    if kind.startswith("response:"):
        agency = kind.split(":", 1)[1]
        if agency not in repo.config.agencies:
            try:
                records.check_agency(repo.config, agency)
            except Exception as exc:  # the message names the agencies and the closest
                problems.append(Problem(md.display, 1, "", f"the file name must be an agency ID: {exc}"))
        elif data.get("agency") not in (None, agency):
            problems.append(
                Problem(md.display, md.line_of(("agency",)), "agency",
                        f"says {data.get('agency')!r} but the file is named for {agency!r}; make them agree")
            )
    return problems


def check_case(repo: Repository, case_id: str) -> tuple[Case | None, list[Problem]]:
    """Read and check every file of one case."""
    config = repo.config
    folder = config.cases_dir / case_id
    display = records.relative(config, folder)
    problems: list[Problem] = []
    try:
        records.check_case_id(case_id)
    except Exception as exc:
        return None, [Problem(display, None, "", f"the folder name is not a case ID: {exc}")]
    # Each link is a problem at its own path; the case's other files are still checked.
    for path, why in paths.unsafe_in(config.root, folder, "case folder"):
        if not path.is_relative_to(folder) or path == folder:  # the case folder itself: nothing to read
            return None, [Problem(records.relative(config, path), None, "", why)]
        problems.append(Problem(records.relative(config, path), None, "", why))
    case_md = folder / records.CASE_FILE
    if not case_md.is_file() and not case_md.is_symlink():
        return None, [Problem(display, None, "", "has no case.md: every case folder needs one")]
    case = Case(case_id, folder)
    on_disk = records.case_paths(folder)
    for kind, path in on_disk.items():
        shown = records.relative(config, path)
        try:
            mdfile.check_size(path.stat().st_size, shown)  # before reading it all into memory
            text = path.read_text(encoding="utf-8")
            marker = _CONFLICT.search(text)
            if marker:
                line = text.count("\n", 0, marker.start()) + 1
                problems.append(Problem(shown, line, "", "holds Git conflict markers: resolve the merge conflict first"))
                continue
            md = mdfile.parse(text, path, shown)
        except FileFormatError as exc:
            problems.append(_from_error(shown, str(exc)))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(shown, None, "", f"cannot be read: {exc}"))
            continue
        case.files[kind] = md
        problems.extend(check_file(repo, case_id, kind, md))
    if all(kind in case.files for kind in ("report", "actions") if kind in on_disk):
        # Both files could be read: check one against the other.
        from lcspr import actions

        problems.extend(actions.check(case))
    problems.extend(_strays(repo, folder))
    return case, problems


#: What a case folder holds: its files, and in each subfolder the names allowed there.
_CASE_FILES = {records.CASE_FILE, records.REFERRAL_FILE, records.REPORT_FILE, records.ACTIONS_FILE}
_SUBFOLDERS = {records.RESPONSES_DIR: (".md", ".gitkeep"), records.DOCUMENTS_DIR: (".docx", ".pdf")}


def _strays(repo: Repository, folder: Path) -> list[Problem]:
    """Every file in a case folder that is not one of a case's files (links are reported
    on their own): a stray file would go into the record with the next decision. A
    stray folder is one problem, not one more for each file in it."""
    if folder.is_symlink():
        return []
    stray: list[Path] = []

    def entries(where: Path) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(where) as found:
                return [e for e in found if not e.is_symlink()]
        except OSError:
            return []

    for top in entries(folder):
        is_dir = top.is_dir(follow_symlinks=False)
        if not (top.name in _CASE_FILES or (top.name in _SUBFOLDERS and is_dir)):
            stray.append(Path(top.path))
            continue
        if not is_dir:
            continue
        allowed = _SUBFOLDERS.get(top.name)
        for inner in entries(Path(top.path)):
            is_file = inner.is_file(follow_symlinks=False)
            if allowed is not None and is_file and inner.name.endswith(allowed):
                continue
            # A referral-response form as received (`lcspr receive`) is kept beside the response read from it.
            if top.name == records.RESPONSES_DIR and is_file and inner.name.endswith(".docx"):
                path = Path(inner.path)
                if path.suffix == ".docx" and path.with_suffix(".md").is_file():
                    continue
            stray.append(Path(inner.path))
    found = []
    for path in sorted(stray):
        shown = records.relative(repo.config, path)
        if gitops.LEFTOVER.match(path.name):
            why = "a temporary file left by an interrupted lcspr command: delete it (the next `lcspr advance` does)"
        else:
            why = ("is not a file of a case (case.md, referral.md, report.md, actions.md, responses/<agency>.md, "
                   "the form responses/<agency>.docx it was received as, documents/*.docx): move it out of the "
                   "case folder or delete it")
        found.append(Problem(shown, None, "", why))
    return _outermost(found)


def _outermost(problems: list[Problem]) -> list[Problem]:
    """One problem for a stray folder, not one more for each file in it."""
    kept: list[Problem] = []
    for problem in problems:
        if not any(problem.file.startswith(k.file + "/") for k in kept):
            kept.append(problem)
    return kept


def _from_error(shown: str, message: str) -> Problem:
    """A Problem from an error message that starts `file:line: ...`."""
    match = re.match(re.escape(shown) + r"(?::(\d+))?: (.*)$", message, re.DOTALL)
    if not match:
        return Problem(shown, None, "", message)
    return Problem(shown, int(match[1]) if match[1] else None, "", match[2])


def validate(repo: Repository, case_ids: list[str] | None = None, cache: bool = True) -> Report:
    """Check the named cases (default: all) in one pass, plus repository-wide checks.

    With `cache`, a case whose files and shared inputs are what they were at the
    last validation is not read again (see lcspr.results_cache)."""
    repo.workflow  # the workflow file is checked even when there is no case to check
    ids = list(dict.fromkeys(case_ids or [])) or records.case_ids(repo.config)
    for case_id in case_ids or []:
        try:
            records.case_folder(repo.config, case_id)  # UnknownCase, with a suggestion
        except UnsafePath:
            pass  # check_case reports each link as a problem at its path
    from lcspr import results_cache  # hashlib: only a validation needs it

    problems: list[Problem] = []
    # Not keyed by the day: a verdict says on which day it was made (see _still_holds).
    results = results_cache.open_cache(repo, results_cache.CACHE_NAME, daily=False) if cache else None
    today = date.today().isoformat()
    for case_id in ids:
        if results is None:
            problems.extend(check_case(repo, case_id)[1])
            continue
        store, keys = results
        key = keys.get(case_id, [])
        found = store.get(case_id, key)
        if _still_holds(found, today):
            checked = [Problem(*entry) for entry in found["problems"]]
        else:
            checked = check_case(repo, case_id)[1]
            store.put(case_id, key, {"day": today, "problems": [[p.file, p.line, p.where, p.message] for p in checked]})
        problems.extend(checked)
    if results is not None:
        results[0].save()
    problems.extend(_allocated_twice(repo, set(ids)))
    return Report(ids, problems)


def cases_of_files(repo: Repository, files: list[str], base: Path | None = None) -> list[str] | None:
    """The cases the files (paths relative to `base`, default the current folder)
    belong to, each once, in order; None when a file every case depends on
    (lcspr.toml, the workflow) is among them, so every case
    must be checked. Files outside any case folder, and cases whose folder is gone
    (a case deleted), are left out."""
    root = repo.root.resolve()
    shared = [root / "lcspr.toml"]
    if repo.config.workflow_file is not None:
        shared.append(repo.config.workflow_file.resolve())
    cases = repo.config.cases_dir.resolve()
    found: list[str] = []
    for name in files:
        path = Path(name)
        path = (path if path.is_absolute() else (base or Path.cwd()) / path).resolve()
        if path in shared:
            return None
        if not path.is_relative_to(cases) or path == cases:
            continue
        case_id = path.relative_to(cases).parts[0]
        if case_id not in found and not case_id.startswith(".") and (cases / case_id).is_dir():
            found.append(case_id)
    return found


def _still_holds(found: Any, today: str) -> bool:
    """Whether a kept verdict is today's verdict too (`results_cache.verdict_holds`).
    The cache may be damaged: anything not of the shape written is no verdict."""
    from lcspr.results_cache import verdict_holds

    if not isinstance(found, dict):
        return False
    entries = found.get("problems")
    if not isinstance(entries, list) or not all(
            isinstance(entry, list) and len(entry) == 4 and all(isinstance(p, (str, int)) or p is None for p in entry)
            for entry in entries):
        return False
    return verdict_holds(found.get("day"), bool(entries), today)


def _allocated_twice(repo: Repository, ids: set[str]) -> list[Problem]:
    """Cases whose ID was allocated by more than one `new-case` commit (two branches
    that each opened the next case, then merged), unless a commit with the trailers
    `Lcspr-Case: <ID>` and `Lcspr-Action: reallocate` records each extra case moved
    to an ID of its own."""
    root = repo.root
    if gitops.toplevel(root) != root:
        return []
    opened: dict[str, list[str]] = {}
    moved: dict[str, int] = {}
    # The history is read once; after that only the commits made since (`read_memo.commits_since`).
    for item in read_memo.commits_since(root, "allocations", f"^{trail.ACTION}: ({trail.NEW_CASE}|{trail.REALLOCATE})$",
                                        _allocation, _plausible_allocation):
        if item["action"] == trail.NEW_CASE:
            opened.setdefault(item["case"], []).append(item["commit"])
        else:
            moved[item["case"]] = moved.get(item["case"], 0) + 1
    problems = []
    for case_id, commits in sorted(opened.items()):
        if len(commits) - 1 <= moved.get(case_id, 0) or case_id not in ids:
            continue
        case_md = repo.config.cases_dir / case_id / records.CASE_FILE
        line: int | None = None
        try:
            if paths.first_unsafe(repo.root, case_md, "case file") is None:  # never read through a link
                line = mdfile.read(case_md).line_of(("id",))
        except FileFormatError:
            pass
        problems.append(
            Problem(
                records.relative(repo.config, case_md),
                line,
                "id",
                f"{case_id} was opened twice, by commits {', '.join(commits)} (two branches "
                "allocated the same ID). Open the other case again with `lcspr new-case`, move its files "
                "to the new folder, and commit that with the trailers "
                f"`git commit --trailer 'Lcspr-Case: {case_id}' --trailer 'Lcspr-Action: {trail.REALLOCATE}'`.",
            )
        )
    return problems


def _allocation(commit: Commit) -> dict[str, Any] | None:
    """A commit that opened or moved a case, as `_allocated_twice` keeps it."""
    record = commit.record
    if record.action not in (trail.NEW_CASE, trail.REALLOCATE) or not record.case:
        return None
    return {"action": record.action, "case": record.case, "commit": commit.sha[:10]}


def _plausible_allocation(item: dict[str, Any]) -> bool:
    return item.get("action") in (trail.NEW_CASE, trail.REALLOCATE) and \
        all(isinstance(item.get(k), str) for k in ("case", "commit"))
