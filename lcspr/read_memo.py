"""What files parsed to, and what commits said, kept between runs for the commands that only look.

Most of what `lcspr show` costs is parsing YAML: importing PyYAML alone takes
longer than everything else `show` does. So what a case file, the workflow or
lcspr.toml read as is kept under `.git/lcspr/memo/`, beside the file's whole
text, and an entry is used only when the file now holds, character for
character, that text. An edited file is always parsed again, and a file that
did not parse cleanly is never kept: it is parsed, and refused, every time.
Settings are kept only once they have passed their check.

The text is compared, not a digest of it: anyone who can commit writes these
files, and no file of theirs can be made to look like one parsed before.

`commits_since` does the same for the history: what some check takes from the
commits whose message matches a pattern (the decisions that approved files, the
commits that opened or moved a case) is kept with the commit it was read up to,
so the next run reads only the commits made since.

Like the validation cache, the memo is never committed, may be deleted at any
time, is replaced atomically (two runs at once each leave a whole file whose
every entry is right for its text) and belongs to one version of lcspr. A
memo that cannot be read or written only makes a command slower. Only a
repository whose `.git` is a folder keeps one.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcspr import __version__, mdfile
from lcspr.mdfile import MarkdownFile

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.history import Commit

MEMO_DIR = "memo"
#: The layout of a memo's entries; a memo of another layout is not read.
FORMAT = 1
#: Versions of one settings file to remember (a few branches' worth).
SETTINGS_KEPT = 8
# A memo's name becomes a file name: a case ID, "workflow", "settings".
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def state_dir(root: Path) -> Path | None:
    """`.git/lcspr/` of a repository whose `.git` is a folder (no Git process needed);
    None otherwise (a worktree or submodule: nothing is remembered)."""
    dot_git = root / ".git"
    return dot_git / "lcspr" if dot_git.is_dir() and not dot_git.is_symlink() else None


@functools.cache
def checks_basis() -> str:
    """What a passed check of a settings file depends on besides its text and lcspr's
    version (every memo's basis): the schemas. They ship with lcspr and are not written
    by case authors: their sizes and modification times tell one version of them from
    another (an edited schema in a source checkout), with no file read."""
    from lcspr.resources import resource_dir

    parts = []
    for path in sorted(resource_dir("schemas").glob("*.schema.json")):
        info = path.stat()
        parts.append(f"{path.name} {info.st_size} {info.st_mtime_ns}")
    return "\n".join(parts)


class Memo:
    """One memo file: for each key (a file's name), the texts last seen and what each parsed to."""

    def __init__(self, root: Path, name: str, basis: str = "", keep: int = 1) -> None:
        folder = state_dir(root)
        self.path = folder / MEMO_DIR / f"{name}.json" if folder is not None and _NAME.match(name) else None
        self.basis = f"lcspr {__version__}, memo {FORMAT}\n{basis}"
        self.keep = keep
        self.entries: dict[str, list[list[Any]]] = {}
        self.seen: set[str] = set()
        self.changed = False
        if self.path is None:
            return
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(saved, dict) and saved.get("basis") == self.basis and isinstance(saved.get("entries"), dict):
                self.entries = saved["entries"]
        except (OSError, ValueError):
            pass  # no memo, or one from another version: start afresh

    def get(self, key: str, text: str) -> Any:
        """What `text`, under `key`, was kept as; None when it was not."""
        self.seen.add(key)
        versions = self.entries.get(key)
        if isinstance(versions, list):
            for version in versions:
                if isinstance(version, list) and len(version) == 2 and version[0] == text:
                    return version[1]
        return None

    def latest(self, key: str) -> tuple[str, Any] | None:
        """The text last kept under `key` and its value, whatever the text now is."""
        self.seen.add(key)
        versions = self.entries.get(key)
        if isinstance(versions, list) and versions and isinstance(versions[0], list) and len(versions[0]) == 2 \
                and isinstance(versions[0][0], str):
            return versions[0][0], versions[0][1]
        return None

    def put(self, key: str, text: str, value: Any) -> None:
        if self.path is None or value is None:
            return
        versions = [v for v in self.entries.get(key) or [] if isinstance(v, list) and v[:1] != [text]]
        self.entries[key] = [[text, value], *versions][: self.keep]
        self.changed = True

    def forget_unseen(self) -> None:
        """Drop the entries of files not asked for since the memo was opened (files gone)."""
        for key in set(self.entries) - self.seen:
            del self.entries[key]
            self.changed = True

    def save(self) -> None:
        """Write the memo if anything changed; quietly leave it when it cannot be written."""
        if not self.changed or self.path is None:
            return
        import tempfile  # only a write needs it: a command reading from the memo starts without it

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.stem}.", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"basis": self.basis, "entries": self.entries}, handle, ensure_ascii=True)
            os.replace(tmp, self.path)
        except (OSError, ValueError):
            Path(tmp).unlink(missing_ok=True)
        self.changed = False


def plain(value: Any) -> bool:
    """True when JSON gives `value` back exactly: text keys; text, whole numbers,
    true/false, null, lists and mappings (what the strict reader makes)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(map(plain, value))
    return value is None or isinstance(value, (str, bool, int))


def _parsed(data: Any, lines: dict[mdfile.Path_, int]) -> dict[str, Any] | None:
    """Data and lines as kept, or None when JSON would not give them back exactly."""
    kept = [[list(where), line] for where, line in lines.items()]
    return {"data": data, "lines": kept} if plain(data) and plain(kept) else None


def _unparsed(kept: Any) -> tuple[Any, dict[mdfile.Path_, int]] | None:
    try:
        return kept["data"], {tuple(where): line for where, line in kept["lines"]}
    except (TypeError, KeyError, ValueError):
        return None


def read(memo: Memo | None, path: Path, display: str) -> MarkdownFile:
    """`mdfile.read(path, display)`, from the memo when the file's text is one it has kept."""
    text = mdfile.read_text(path, display)
    kept = memo.get(display, text) if memo is not None else None
    found = _unparsed(kept) if isinstance(kept, dict) else None
    if isinstance(kept, dict) and found is not None:
        data, lines = found
        start, body_start = kept.get("start"), kept.get("body")
        if isinstance(data, dict) and isinstance(start, int) and isinstance(body_start, int):
            return MarkdownFile(path, display, text, data, text[body_start:], lines, start, lines.get((), 1))
    md = mdfile.parse(text, path, display)
    if memo is not None and (parsed := _parsed(md.data, md.lines)) is not None:
        memo.put(display, text, {**parsed, "start": md.fm_offset, "body": len(text) - len(md.body)})
    return md


#: The memo key of commits read up to a point of the history.
COMMITS = "commits"


def commits_since(root: Path, name: str, grep: str, pick: Callable[[Commit], dict[str, Any] | None],
                  plausible: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """What `pick` takes (plain data, or None) from each commit of HEAD's history whose
    message matches `grep`, oldest first, kept in the memo `name` with the commit read up
    to, so the next call reads only the commits made since (one `git rev-parse` when there
    are none). When that commit is no longer in the history (a rewritten branch), or what
    was kept is not `plausible`, everything is read again."""
    from lcspr import gitops

    head = gitops.git(root, "rev-parse", "-q", "--verify", "HEAD", check=False).stdout.strip()
    if not head:
        return []
    memo = Memo(root, name)
    kept = memo.latest(COMMITS)
    read_to: str = ""
    found: list[dict[str, Any]] = []
    if kept is not None and isinstance(kept[1], list) and all(isinstance(i, dict) and plausible(i) for i in kept[1]):
        read_to, found = kept
    if read_to == head:
        return found
    revisions = "HEAD"
    if read_to and re.fullmatch(r"[0-9a-f]{40,64}", read_to) and \
            gitops.git(root, "merge-base", "--is-ancestor", read_to, head, check=False).returncode == 0:
        revisions = f"{read_to}..{head}"  # only what is new
    else:
        found = []
    from lcspr import history

    for commit in history.walk(root, grep=grep, revisions=revisions, reasons=False):
        item = pick(commit)
        if item is not None:
            found.append(item)
    memo.put(COMMITS, head, found)
    memo.save()
    return found
