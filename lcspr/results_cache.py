"""Validation results kept between runs, keyed by what they were computed from.

A case's problems depend only on its files and on the inputs every case shares:
the schemas, the workflow, lcspr.toml, lcspr's own version and today's date (a
date "in the future" stops being one). The key of a case is its files' Git blob
IDs (and modes, so a file replaced by a link is a new key), read from Git's
index; the few files that differ from the index (edited, added, deleted) are
hashed from disk. An unchanged case is never read again.

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
from typing import Any

from lcspr import __version__, gitops
from lcspr.resources import resource_dir

CACHE_NAME = "validate-cache.json"

#: A case's key: (name in the case folder, mode, blob or content hash), sorted.
Key = list[list[str]]


def inputs_identity(root: Path, workflow_file: Path | None) -> str:
    """A hash of everything but the case files that a validation result depends on."""
    digest = hashlib.sha256(f"lcspr {__version__}\0today {date.today().isoformat()}\0".encode())
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
    indexed, changed_out, untracked_out = gitops.git_together(
        root, ["ls-files", "-s", "-z", "--", "cases"], ["diff-files", "--name-only", "-z", "--", "cases"],
        ["ls-files", "-o", "-z", "--exclude-standard", "--", "cases"])
    for record in indexed.stdout.split("\0"):
        if record:
            meta, _, path = record.partition("\t")
            mode, blob, _stage = meta.split()
            put(path, mode, blob)
    changed = changed_out.stdout.split("\0")
    untracked = untracked_out.stdout.split("\0")
    for path in filter(None, changed + untracked):
        full = root / path
        if full.is_symlink():
            put(path, "link", hashlib.sha1(os.readlink(full).encode()).hexdigest())
        elif full.is_file():
            put(path, "file", hashlib.sha1(full.read_bytes()).hexdigest())
        else:
            put(path, "gone", "")
    return {case: sorted(files.values()) for case, files in keys.items()}


class ResultsCache:
    """Problems per case, for one identity of the shared inputs."""

    def __init__(self, root: Path, identity: str) -> None:
        self.path = gitops.git_dir(root) / "lcspr" / CACHE_NAME
        self.identity = identity
        self.entries: dict[str, Any] = {}
        self.changed = False
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            if saved.get("identity") == identity and isinstance(saved.get("cases"), dict):
                self.entries = saved["cases"]
        except (OSError, ValueError, AttributeError):
            pass  # no cache, or one from another version: start afresh

    def get(self, case_id: str, key: Key) -> list[list[Any]] | None:
        entry = self.entries.get(case_id)
        if isinstance(entry, dict) and entry.get("key") == key:
            problems = entry.get("problems")
            return problems if isinstance(problems, list) else None
        return None

    def put(self, case_id: str, key: Key, problems: list[list[Any]]) -> None:
        self.entries[case_id] = {"key": key, "problems": problems}
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only a write needs it: listings start without it

        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".validate-cache.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"identity": self.identity, "cases": self.entries}, handle)
            os.replace(tmp, self.path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)  # a cache that cannot be written is only slower


@functools.cache
def schemas_digest() -> str:
    """The schemas' content, read once a run (the audit keys the checks it keeps by it)."""
    digest = hashlib.sha256()
    for path in sorted(resource_dir("schemas").glob("*.schema.json")):
        digest.update(path.read_bytes())
    return digest.hexdigest()
