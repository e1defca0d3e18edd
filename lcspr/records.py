"""Case folders: finding, reading and naming them.

A case is a folder `cases/<ID>/` holding case.md, referral.md, responses/<agency>.md
and report.md, each Markdown with YAML frontmatter.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any
from pathlib import Path

from lcspr import mdfile, paths
from lcspr.config import Config
from lcspr.errors import InvalidName, UnknownAgency, UnknownCase, UsageError, did_you_mean
from lcspr.mdfile import MarkdownFile

CASE_ID = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9]{0,11})-(?P<year>[0-9]{4})-(?P<number>[0-9]{3,})$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

#: The files of a case, by kind, relative to the case folder.
CASE_FILE = "case.md"
REFERRAL_FILE = "referral.md"
REPORT_FILE = "report.md"
ACTIONS_FILE = "actions.md"
RESPONSES_DIR = "responses"
DOCUMENTS_DIR = "documents"


@dataclass
class Case:
    """One case folder, read. `files` maps kind (case, referral, report, actions, response:<agency>) to file."""

    id: str
    folder: Path
    files: dict[str, MarkdownFile] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, Any]:
        case = self.files.get("case")
        return case.data if case else {}

    @property
    def status(self) -> str:
        return str(self.data.get("status", ""))

    def names(self) -> list[str]:
        """The files read, by name in the case folder (case.md, responses/police.md, ...)."""
        return [file_name(kind) for kind in self.files]

    def responses(self) -> dict[str, MarkdownFile]:
        """The referral responses, by agency ID (the file name)."""
        return {kind.split(":", 1)[1]: f for kind, f in self.files.items() if kind.startswith("response:")}


def file_name(kind: str) -> str:
    """The name in its case folder of the file of `kind` (case.md, responses/police.md, ...)."""
    plain = {"case": CASE_FILE, "referral": REFERRAL_FILE, "report": REPORT_FILE, "actions": ACTIONS_FILE}
    return plain.get(kind) or f"{RESPONSES_DIR}/{kind.split(':', 1)[1]}.md"


def _escapes(name: str) -> bool:
    """True when `name`, used as a file or folder name, could lead out of its folder."""
    return "/" in name or "\\" in name or ".." in name


def check_case_id(case_id: str) -> str:
    """Refuse a case ID that is malformed or could name a path outside cases/."""
    if _escapes(case_id) or not CASE_ID.match(case_id):
        raise InvalidName(
            f"{case_id!r} is not a case ID: write it like LIG-2026-004 (prefix, year, number; "
            "no spaces, slashes or '..')."
        )
    return case_id


def check_agency(config: Config, agency: str) -> str:
    """Refuse an agency ID that is not in lcspr.toml (suggesting the closest) or is unsafe as a file name."""
    if _escapes(agency) or not SLUG.match(agency):
        raise InvalidName(
            f"{agency!r} is not an agency ID: use lower-case words joined by hyphens, as listed in "
            "lcspr.toml [agencies] (no slashes or '..')."
        )
    if agency not in config.agencies:
        raise UnknownAgency(f"{agency!r} is not a known agency{_closest(agency, list(config.agencies))}")
    return agency


def check_role(config: Config, role: str, where: str = "--by", note: str = "") -> str:
    """Refuse a role that lcspr.toml's [roles] does not list, suggesting the closest."""
    if role not in config.roles:
        raise UsageError(f"{where} {role!r}{note} is not a role in lcspr.toml (roles: {', '.join(config.roles)})"
                         f"{did_you_mean(role, config.roles, quoted=False)}")
    return role


def _closest(value: str, known: list[str]) -> str:
    return f" (known: {', '.join(known)}){did_you_mean(value, known, cutoff=0.5)}"


def case_ids(config: Config) -> list[str]:
    """Every case folder's name, sorted; a link among them is listed (reading it is refused)."""
    cases = paths.inside_repository(config.root, config.cases_dir, "cases folder")
    if not cases.is_dir():
        return []
    with os.scandir(cases) as entries:  # the folder's own entry types: no stat per case
        return sorted(e.name for e in entries if (e.is_symlink() or e.is_dir()) and not e.name.startswith("."))


def case_folder(config: Config, case_id: str) -> Path:
    """The folder of an existing case; UnknownCase (suggesting the closest ID) otherwise.

    A mistyped ID close to an existing one (LIG-2026-01) gets the suggestion; one
    that could name a path outside cases/ is refused as InvalidName."""
    if _escapes(case_id):
        check_case_id(case_id)
    folder = config.cases_dir / case_id
    if CASE_ID.match(case_id):
        paths.refuse_unsafe_in(config.root, folder, "case folder")
        if (folder / CASE_FILE).is_file():
            return folder
    known = case_ids(config)
    hint = did_you_mean(case_id, known, quoted=False)
    if not hint:
        check_case_id(case_id)  # a malformed ID: say how one is written
        hint = "; `lcspr list` shows the cases" if known else ""
    raise UnknownCase(f"no case {case_id} in {config.cases_dir}{hint}")


def relative(config: Config, path: Path) -> str:
    """A path as shown to users: relative to the repository root, with forward slashes."""
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return str(path)


def case_paths(folder: Path) -> dict[str, Path]:
    """The Markdown files of a case folder by kind; responses as `response:<agency>`.

    Symbolic links are left out, never followed (`paths.unsafe_in` names them)."""
    found: dict[str, Path] = {}
    for kind, name in (("case", CASE_FILE), ("referral", REFERRAL_FILE), ("report", REPORT_FILE),
                       ("actions", ACTIONS_FILE)):
        if _real_file(folder / name):
            found[kind] = folder / name
    responses = folder / RESPONSES_DIR
    if responses.is_dir() and not responses.is_symlink():
        for path in sorted(responses.glob("*.md")):
            if _real_file(path):
                found[f"response:{path.stem}"] = path
    return found


def _real_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def read_case(config: Config, case_id: str, kinds: set[str] | None = None, memo: bool = False) -> Case:
    """Read every file of one case (or only those of `kinds`: case, referral, report,
    actions, response); a file that cannot be parsed raises FileFormatError, a symbolic link
    anywhere in the case folder UnsafePath. With `memo`, a file whose text is one parsed
    before is taken from the read memo (`read_memo`), and what was parsed is kept there."""
    folder = case_folder(config, case_id)
    case = Case(case_id, folder)
    kept = None
    if memo:
        from lcspr import read_memo

        kept = read_memo.Memo(config.root, case_id)
    for kind, path in case_paths(folder).items():
        if kinds is None or kind.split(":", 1)[0] in kinds:
            display = relative(config, path)
            case.files[kind] = read_memo.read(kept, path, display) if kept is not None else mdfile.read(path, display)
    if kept is not None:
        if kinds is None:  # every file was read: entries of files no longer there go
            kept.forget_unseen()
        kept.save()
    return case


def next_case_id(config: Config, year: int) -> str:
    """The next free ID `<PREFIX>-<year>-<NNN>` in this checkout."""
    numbers = [
        int(m["number"])
        for name in case_ids(config)
        if (m := CASE_ID.match(name)) and m["prefix"] == config.prefix and int(m["year"]) == year
    ]
    return f"{config.prefix}-{year}-{max(numbers, default=0) + 1:03d}"
