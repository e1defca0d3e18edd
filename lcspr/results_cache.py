"""Results per case kept between runs, keyed by what they were computed from.

`validate` keeps each case's problems, `list` and `due` each case's overview
(lcspr.overview). Each depends only on the case's files and on the inputs every
case shares: the schemas, the workflow, lcspr.toml, lcspr's own version and
today's date (a deadline comes nearer; a date "in the future" stops being one,
which `validate` and the register allow for by dating each verdict instead,
see `verdict_holds`).
The key of a case is its files' Git blob IDs (and modes, so a file replaced by a
link is a new key), read from Git's index; the few files that differ from the
index (edited, added, deleted, untracked, ignored) are hashed from disk with
SHA-256. An unchanged case is never read again.

The cache lives under `.git/lcspr/`, is never committed, may be deleted at any
time, and is replaced atomically, so two runs at once each leave a whole file
whose every entry is right for its key.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcspr import __version__, gitops
from lcspr.resources import resource_dir

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.repository import Repository

CACHE_NAME = "validate-cache.json"

#: A case's key: (name in the case folder, mode, blob or content hash), sorted.
Key = list[list[str]]


def inputs_identity(root: Path, workflow_file: Path | None, *more: str, daily: bool = True) -> str:
    """A hash of everything but the case files that a result depends on (and `more`);
    with `daily`, today's date is part of it."""
    digest = hashlib.sha256(f"lcspr {__version__}\0".encode())
    for part in [f"today {date.today().isoformat()}" if daily else "any day", *more]:
        digest.update(part.encode() + b"\0")
    sources = sorted(resource_dir("schemas").glob("*.schema.json"))
    sources += [root / "lcspr.toml", workflow_file or Path(__file__).resolve().parent / "workflow.yaml"]
    for path in sources:
        digest.update(path.name.encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"(unreadable)")
        digest.update(b"\0")
    return digest.hexdigest()


def case_keys(root: Path) -> dict[str, Key]:
    """Each case folder's key, from Git's index and the files that differ from it."""
    keys: dict[str, dict[str, list[str]]] = {}

    def put(path: str, mode: str, blob: str) -> None:
        parts = path.split("/", 2)
        if len(parts) == 3 and parts[0] == "cases":
            keys.setdefault(parts[1], {})[parts[2]] = [parts[2], mode, blob]

    # Three reads of Git at once: the untracked scan walks every folder and takes longest.
    # It lists ignored files too: lcspr reads a case's files whatever .gitignore says.
    indexed, changed_out, untracked_out = gitops.git_together(
        root, ["ls-files", "-s", "-z", "--", "cases"], ["diff-files", "--name-only", "-z", "--", "cases"],
        ["ls-files", "-o", "-z", "--", "cases"])
    for record in indexed.stdout.split("\0"):  # `put`, written out: this runs once per file
        meta, _, path = record.partition("\t")
        parts = path.split("/", 2)
        if len(parts) == 3 and parts[0] == "cases":
            mode, blob, _stage = meta.split(" ")
            keys.setdefault(parts[1], {})[parts[2]] = [parts[2], mode, blob]
    changed = changed_out.stdout.split("\0")
    untracked = untracked_out.stdout.split("\0")
    for path in filter(None, changed + untracked):
        full = root / path
        # SHA-256, not Git's SHA-1: two files made to share a SHA-1 cannot share a key.
        if full.is_symlink():
            put(path, "link", hashlib.sha256(os.readlink(full).encode()).hexdigest())
        elif full.is_file():
            put(path, "file", hashlib.sha256(full.read_bytes()).hexdigest())
        else:
            put(path, "gone", "")
    return {case: sorted(files.values()) for case, files in keys.items()}


def open_cache(repo: Repository, name: str, *more: str, daily: bool = True) -> tuple[ResultsCache, dict[str, Key]] | None:
    """The cache `name` for the shared inputs (and `more`; with `daily`, today's), with
    every case's key; None outside a Git work tree's root, where there are no keys."""
    root = repo.root
    if gitops.toplevel(root) != root.resolve():
        return None
    identity = inputs_identity(root, repo.config.workflow_file, *more, daily=daily)
    return ResultsCache(root, identity, name), case_keys(root)


class ResultsCache:
    """One result per case, for one identity of the shared inputs."""

    def __init__(self, root: Path, identity: str, name: str = CACHE_NAME) -> None:
        self.path = gitops.git_dir(root) / "lcspr" / name
        self.identity = identity
        self.entries: dict[str, Any] = {}
        self.changed = False
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            if saved.get("identity") == identity and isinstance(saved.get("cases"), dict):
                self.entries = saved["cases"]
        except (OSError, ValueError, AttributeError):
            pass  # no cache, or one from another version: start afresh

    def get(self, case_id: str, key: Key) -> Any:
        """The result kept for the case under `key`, or None. Its shape is the caller's
        to check: the file may have been damaged."""
        entry = self.entries.get(case_id)
        if isinstance(entry, dict) and entry.get("key") == key:
            return entry.get("result")
        return None

    def put(self, case_id: str, key: Key, result: Any) -> None:
        self.entries[case_id] = {"key": key, "result": result}
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        import tempfile  # only a write needs it: listings start without it

        try:  # a clone whose .git cannot be written (an auditor's read-only copy) is only slower
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.stem}.", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                # dumps, not dump: json.dump encodes piece by piece in Python, ten times slower.
                handle.write(json.dumps({"identity": self.identity, "cases": self.entries}))
            os.replace(tmp, self.path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)  # a cache that cannot be written is only slower


def verdict_holds(day: Any, has_problems: bool, today: str) -> bool:
    """Whether checks made on `day` (an ISO date) still hold on `today`. The day matters
    to one check only, that a `past-date` is not after today, and a date that is not
    after one day is not after any later one: so a case found valid stays valid on
    every later day (not on an earlier one, should the clock go back), while problems
    hold only on the day they were found (one may be a date that is no longer in the
    future, and each message says which day was today)."""
    if not isinstance(day, str):
        return False
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return day == today or (not has_problems and day < today)


@functools.cache
def schemas_digest() -> str:
    """The schemas' content, read once a run (the audit keys the checks it keeps by it)."""
    digest = hashlib.sha256()
    for path in sorted(resource_dir("schemas").glob("*.schema.json")):
        digest.update(path.read_bytes())
    return digest.hexdigest()
