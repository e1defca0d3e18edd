"""The audit's verified point: what a whole audit found, up to which commit.

An audit of the whole history saves, under `.git/lcspr/`, the commit it reached
and everything its checks carry forward (each case's record so far, the
recorded-time watermark, the findings and the corrections). The next audit
starts from there and walks only the commits since, so a cron job or a server
hook re-audits in time proportional to what is new. The saved point is used
only when it is an ancestor of HEAD and was made by the same lcspr with the
same workflow and settings; otherwise, and with `--full`, the audit walks
everything again. The file is never committed and may be deleted at any time.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import sys
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from lcspr import __version__, gitops
from lcspr.trail import Decision

STATE_NAME = "audit-state.json"
FORMAT = 1


def identity(root: Path, workflow_file: Path | None, sign: bool) -> str:
    """What the saved findings depend on besides the history: lcspr, its workflow, its settings."""
    digest = hashlib.sha256(f"lcspr {__version__} format {FORMAT} sign {sign}\0".encode())
    for path in (root / "lcspr.toml", workflow_file or Path(__file__).resolve().parent / "workflow.yaml"):
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"(unreadable)")
    return digest.hexdigest()


def _path(root: Path) -> Path:
    return gitops.git_dir(root) / "lcspr" / STATE_NAME


def load(root: Path, ident: str, head: str) -> dict[str, Any] | None:
    """The saved point when it is usable for HEAD `head`, else None."""
    try:
        saved = json.loads(_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("identity") != ident or not isinstance(saved.get("commit"), str):
        return None
    commit = saved["commit"]
    if commit != head and gitops.git(root, "merge-base", "--is-ancestor", commit, head, check=False).returncode != 0:
        return None  # the history was rewritten (or the branch changed): walk it all again
    return saved


def save(root: Path, ident: str, head: str, auditor: Any) -> None:
    """Save what an audit reaching `head` carries forward (a failure only costs a full walk next time)."""
    from lcspr.audit import CaseTrail  # noqa: F401  (the type whose fields are saved)

    state = {
        "identity": ident,
        "commit": head,
        "commits": auditor.commits,
        "decisions": auditor.decisions,
        "watermark": list(auditor.latest.get(head, ("", "", ""))),
        "blamed": sorted(auditor.blamed),
        # Shallow: a case's record holds only text, flags and tables of text (asdict copies deeply).
        "cases": {case: dict(vars(trail_of)) for case, trail_of in auditor.cases.items()},
        "findings": [asdict(f) | {"corrected_by": "", "correction": ""} for f in auditor.findings],
        "corrections": [asdict(record) for record in auditor.corrections],
    }
    path = _path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only when writing: readers start faster without it

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".audit-state.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(state))  # dumps, not dump: the C encoder
        os.replace(tmp, path)
    except OSError:
        pass


def restore(saved: dict[str, Any], auditor: Any) -> None:
    """Put a saved point's state back into a fresh auditor."""
    from lcspr.audit import CaseTrail, Finding

    auditor.commits = int(saved.get("commits", 0))
    auditor.decisions = int(saved.get("decisions", 0))
    auditor.latest[saved["commit"]] = tuple(saved.get("watermark", ("", "", "")))
    auditor.blamed = set(saved.get("blamed", []))
    names = {f.name for f in fields(CaseTrail)}
    for case, values in saved.get("cases", {}).items():
        values = {k: v for k, v in values.items() if k in names}
        values["committed"] = tuple(values.get("committed", ("", None)))
        auditor.cases[case] = CaseTrail(**values)
    auditor.findings = [Finding(**f) for f in saved.get("findings", [])]
    known = {f.name for f in fields(Decision) if f.init}
    for values in saved.get("corrections", []):
        values = {k: v for k, v in values.items() if k in known}
        values["approved"] = [tuple(pair) for pair in values.get("approved", [])]
        auditor.corrections.append(Decision(**values))


class BlobData:
    """The data of historic case.md versions, by blob ID, kept between audits in
    `.git/lcspr/blob-data.sqlite`: a blob never changes, so it is read once ever. A
    database on disk keeps memory flat however long the history; one that cannot
    be opened is simply not used. Values are kept in Python's `marshal` format
    (plain data only: several times faster to load than JSON), tied to the Python
    version that wrote them, in a file of this repository's own Git folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db: Any = None
        self.pending: list[tuple[str, bytes]] = []

    def __enter__(self) -> "BlobData":
        import sqlite3

        try:
            folder = gitops.git_dir(self.root) / "lcspr"
            folder.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(folder / "blob-data.sqlite", timeout=5)
            self.db.execute("create table if not exists blob (id text primary key, version text, data text)")
        except Exception:  # sqlite3.Error, OSError: audit without it
            self.db = None
        return self

    def __bool__(self) -> bool:
        return self.db is not None

    def get(self, key: str) -> Any:
        """What was kept under `key` (a blob ID, with a prefix saying what was read), or None."""
        try:
            row = self.db.execute("select data from blob where id = ? and version = ?", (key, _VERSION)).fetchone()
        except Exception:
            return None
        return _load(row[0]) if row else None

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        """What was kept under each of `keys` that has anything: one query for many."""
        found: dict[str, Any] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            try:
                rows = self.db.execute(f"select id, data from blob where version = ? and id in ({','.join('?' * len(chunk))})",
                                       (_VERSION, *chunk)).fetchall()
            except Exception:
                return found
            for key, data in rows:
                value = _load(data)
                if value is not None:
                    found[key] = value
        return found

    def put(self, key: str, value: Any) -> None:
        try:
            self.pending.append((key, marshal.dumps(value)))
        except ValueError:  # not plain data: not kept
            return
        if len(self.pending) >= 1000:  # written in batches: memory stays flat
            self._flush()

    def _flush(self) -> None:
        try:
            with self.db:
                self.db.executemany("insert or replace into blob values (?, ?, ?)",
                                    [(sha, _VERSION, data) for sha, data in self.pending])
        except Exception:
            pass  # not kept: the next audit reads those blobs again
        self.pending.clear()

    def __exit__(self, *exc: object) -> None:
        if self.db is None:
            return
        if self.pending:
            self._flush()
        try:
            self.db.close()
        except Exception:
            pass


#: Data read by another version of lcspr (whose reading rules may differ) is read again.
_VERSION = f"lcspr {__version__} format {FORMAT} marshal {marshal.version} python {sys.version_info[0]}.{sys.version_info[1]}"


def _load(data: Any) -> Any:
    """A kept value, or None when it cannot be read (then it is read from Git again)."""
    try:
        return marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
