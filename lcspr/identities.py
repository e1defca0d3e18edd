"""The identity register: the real names and details that must never be published.

The register lives outside every records repository, in the user's own
configuration (`$LCSPR_IDENTITIES`, else `$XDG_CONFIG_HOME/lcspr/identities.toml`,
else `~/.config/lcspr/identities.toml`; `%APPDATA%\\lcspr\\identities.toml` on
Windows). It is plain TOML a person can edit, one array of tables per case:

    [["LIG-2026-001"]]
    kind = "child"
    value = "Jody Exampleton"
    aliases = ["Jo"]
    pseudonym = "Child A"

lcspr refuses a register inside the records repository or tracked by any Git
repository (a `.gitignore` line can be removed by anyone who can commit, so it
is not relied on), and never prints a registered value unless asked to.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from lcspr import gitops
from lcspr.errors import IdentityRegisterError, UsageError

ENVIRONMENT = "LCSPR_IDENTITIES"
FILE_NAME = "identities.toml"
#: What a register entry may be; the kinds of a person get the variants of a name.
KINDS = ("child", "sibling", "parent", "carer", "household", "school", "setting", "street", "town",
         "hospital", "date-of-birth", "date-of-death", "nhs-number", "other")
PERSON_KINDS = frozenset({"child", "sibling", "parent", "carer", "household"})
DATE_KINDS = frozenset({"date-of-birth", "date-of-death"})
#: A register is a short list typed by a person: a bigger file is a mistake, not a register.
MAX_BYTES = 4 * 1024 * 1024
_HEADER = re.compile(r'^\s*\[\[\s*"?([^"\]]+)"?\s*\]\]\s*(#.*)?$')


@dataclass(frozen=True)
class Identity:
    """One registered identifier of a case: its kind, its value, its other spellings,
    the pseudonym it stands behind, and the register line it was read from."""

    case: str
    kind: str
    value: str
    aliases: tuple[str, ...] = ()
    pseudonym: str = ""
    line: int = 0

    def spellings(self) -> tuple[str, ...]:
        return (self.value, *self.aliases)


@dataclass
class Register:
    path: Path
    entries: list[Identity] = field(default_factory=list)

    def of(self, case_id: str) -> list[Identity]:
        return [e for e in self.entries if e.case == case_id]


def default_path() -> Path:
    """Where the register is: $LCSPR_IDENTITIES, else the user's configuration folder."""
    given = os.environ.get(ENVIRONMENT)
    if given:
        return Path(given).expanduser()
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "lcspr" / FILE_NAME
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "lcspr" / FILE_NAME


def check_location(path: Path, records_root: Path | None) -> Path:
    """`path` resolved, or IdentityRegisterError when it is inside the records
    repository or tracked by the Git repository that holds it."""
    resolved = path.expanduser().resolve()
    if records_root is not None and resolved.is_relative_to(records_root.resolve()):
        raise IdentityRegisterError(
            f"the identity register {path} is inside the records repository {records_root}; every clone would "
            f"carry it. Move it outside (e.g. ~/.config/lcspr/identities.toml) and set {ENVIRONMENT} to its path."
        )
    folder = resolved.parent
    if folder.is_dir():
        top = gitops.toplevel(folder)
        if top is not None:
            rel = resolved.relative_to(top).as_posix()
            tracked = gitops.git(top, "ls-files", "--error-unmatch", "--", rel, check=False).returncode == 0
            if tracked:
                raise IdentityRegisterError(
                    f"the identity register {path} is tracked by the Git repository {top}; a register must never "
                    f"be committed. Remove it from that repository (`git rm --cached -- {rel}`, then purge it from "
                    "the history) and keep it only as a private file."
                )
    return resolved


def load(path: Path | None = None, records_root: Path | None = None) -> Register:
    """Read and check the register. A register that is missing, unreadable, too big or
    malformed is an IdentityRegisterError naming the file (and line): never an empty register."""
    path = check_location(path or default_path(), records_root)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise IdentityRegisterError(f"{path}: bigger than {MAX_BYTES // (1024 * 1024)} MB; this is not a register.")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IdentityRegisterError(
            f"there is no identity register at {path}, so nothing can be checked against it. Register each case's "
            f"names and details with `lcspr identities add ID --kind child --value ...` (or set {ENVIRONMENT})."
        ) from None
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise IdentityRegisterError(f"{path}:{line}: not UTF-8 text; save the register as UTF-8.") from None
    except OSError as exc:
        raise IdentityRegisterError(f"{path}: cannot be read ({exc.strerror}); check its permissions.") from None
    return Register(path, parse(text, str(path)))


def parse(text: str, display: str) -> list[Identity]:
    """The entries of a register's text; errors name `display:line`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise IdentityRegisterError(
            f"{display}:{found[1] if found else 1}: not valid TOML ({exc}); correct that line."
        ) from None
    lines = _entry_lines(text)
    entries: list[Identity] = []
    for case, items in data.items():
        if not isinstance(items, list):
            raise IdentityRegisterError(
                f'{display}:{_first(lines, case)}: `{case}` must be a list of entries, each under [["{case}"]].')
        for n, item in enumerate(items):
            line = lines.get(case, [])[n] if n < len(lines.get(case, [])) else _first(lines, case)
            entries.append(_entry(case, item, f"{display}:{line}", line))
    return entries


def _entry(case: str, item: object, where: str, line: int) -> Identity:
    if not isinstance(item, dict):
        raise IdentityRegisterError(f"{where}: an entry must be a table with kind and value.")
    unknown = sorted(set(item) - {"kind", "value", "aliases", "pseudonym"})
    if unknown:
        raise IdentityRegisterError(f"{where}: unknown key {unknown[0]!r}; an entry has kind, value, aliases, pseudonym.")
    kind, value = item.get("kind"), item.get("value")
    if kind not in KINDS:
        raise IdentityRegisterError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}.")
    if not isinstance(value, str) or not value.strip():
        raise IdentityRegisterError(f"{where}: `value` must be the text to look for.")
    aliases = item.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise IdentityRegisterError(f"{where}: `aliases` must be a list of texts.")
    pseudonym = item.get("pseudonym", "")
    if not isinstance(pseudonym, str):
        raise IdentityRegisterError(f"{where}: `pseudonym` must be text, e.g. \"Child A\".")
    return Identity(case, str(kind), value.strip(), tuple(a.strip() for a in aliases), pseudonym, line)


def _entry_lines(text: str) -> dict[str, list[int]]:
    """The line of each `[[ID]]` header, per case, in order: for errors naming a line."""
    found: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = _HEADER.match(line)
        if match:
            found.setdefault(match[1].strip(), []).append(number)
    return found


def _first(lines: dict[str, list[int]], case: str) -> int:
    return (lines.get(case) or [1])[0]


def add(path: Path, records_root: Path | None, case_id: str, kind: str, value: str,
        aliases: list[str], pseudonym: str) -> Identity:
    """Append one entry to the register (created, readable by its owner only, when absent)."""
    path = check_location(path, records_root)
    if kind not in KINDS:
        raise UsageError(f"--kind {kind!r} is not one of {', '.join(KINDS)}.")
    if not value.strip():
        raise UsageError("--value must be the name or detail to keep out of what is published.")
    existing = load(path, records_root).entries if path.exists() else []
    if any(e.case == case_id and e.kind == kind and e.value == value.strip() for e in existing):
        raise UsageError(f"{case_id} already has that {kind} registered; nothing was added.")
    lines = [f"[[{json.dumps(case_id)}]]", f"kind = {json.dumps(kind)}", f"value = {json.dumps(value.strip(), ensure_ascii=False)}"]
    if aliases:
        lines.append("aliases = [" + ", ".join(json.dumps(a.strip(), ensure_ascii=False) for a in aliases) + "]")
    if pseudonym:
        lines.append(f"pseudonym = {json.dumps(pseudonym, ensure_ascii=False)}")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    separator = "" if not before or before.endswith("\n\n") else ("\n" if before.endswith("\n") else "\n\n")
    text = before + separator + "\n".join(lines) + "\n"
    parse(text, str(path))  # never write a register lcspr could not read back
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return [e for e in parse(text, str(path)) if e.case == case_id][-1]


def mask(value: str) -> str:
    """A registered value as it may be shown: its first character, then dots, e.g. `J••• E••••••••`."""
    return re.sub(r"(?<=\w)\w", "•", value)
