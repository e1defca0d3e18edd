"""The audit's verified point: what a whole audit found, up to which commit.

An audit of the whole history saves, under `.git/lcspr/audit-state.sqlite`, the
commit it reached and everything its checks carry forward (each case's record so
far, the recorded-time watermark, the findings and the corrections). The next
audit starts from there and walks only the commits since, so a cron job or a
server hook re-audits in time proportional to what is new. The saved point is
used only when it is an ancestor of HEAD and was made by the same lcspr with the
same workflow and settings; otherwise, and with `--full`, the audit walks
everything again. The file is never committed and may be deleted at any time.

Each case's record is a row of its own, read only when a commit since the point
touches the case (or a decision asks for it) and written back only then: a
decision costs the same in a record of ten cases or of ten thousand. An audit
reads its point and rows inside one transaction, so another audit saving
meanwhile can never give it a mixture of two points; a save that cannot have the
file (another process holds it, a read-only `.git`) is skipped, which only makes
the next audit walk further.
"""

from __future__ import annotations

import functools
import hashlib
import json
import marshal
import os
import re
import sys
from collections.abc import Iterator, MutableMapping
from dataclasses import MISSING, asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcspr import __version__, gitops
from lcspr.trail import Decision

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.audit import CaseTrail

STATE_NAME = "audit-state.sqlite"
#: The point's file before each case's record had a row of its own: removed when a point is saved.
OLD_STATE_NAME = "audit-state.json"
FORMAT = 1
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: How long an audit waits for another one's save before it goes on without the point.
WAIT_SECONDS = 2.0


def identity(root: Path, workflow_file: Path | None, sign: bool) -> str:
    """What the saved findings depend on besides the history: lcspr, its workflow, its settings."""
    digest = hashlib.sha256(f"lcspr {__version__} format {FORMAT} sign {sign}\0".encode())
    for path in (root / "lcspr.toml", workflow_file or Path(__file__).resolve().parent / "workflow.yaml"):
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"(unreadable)")
    return digest.hexdigest()


def _connect(path: Path) -> Any:
    """A connection to the SQLite file `path`, made readable by its owner alone when new
    (what lcspr keeps in the Git folder is as private as the records)."""
    import sqlite3

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    return sqlite3.connect(path, timeout=WAIT_SECONDS)  # read-only when the file is


def state_path(root: Path) -> Path:
    """Where the repository at `root` keeps its verified point."""
    return gitops.git_dir(root) / "lcspr" / STATE_NAME


def forget(root: Path) -> None:
    """Delete the verified point (one that is damaged): the next whole audit makes a new one."""
    try:
        state_path(root).unlink(missing_ok=True)
    except OSError:
        pass


class Damaged(Exception):
    """A saved point that cannot be what lcspr wrote: the audit walks everything again."""


class State:
    """`.git/lcspr/audit-state.sqlite`, open for one audit: `load` the point, then
    `restore` it into an auditor (its cases read as they are asked for), and `save`
    where the walk ended. Every failure to read or write only costs a longer walk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = state_path(root)
        self.db: Any = None
        self.loaded = ""  # the commit of the point loaded, while its transaction is open

    def __enter__(self) -> "State":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.db is not None:
            try:
                self.db.close()  # an open transaction is rolled back
            except Exception:
                pass
        self.db, self.loaded = None, ""

    def _open(self) -> bool:
        import sqlite3

        if self.db is not None:
            return True
        for attempt in (1, 2):
            try:
                self.db = _connect(self.path)
                # isolation_level=None: the transactions are the ones begun here, and a read one
                # spans everything an audit reads of its point.
                self.db.isolation_level = None
                self.db.execute("create table if not exists point (id integer primary key check (id = 1), "
                                "identity text, commit_id text, data text)")
                self.db.execute("create table if not exists trail (case_id text primary key, data text)")
                return True
            except sqlite3.OperationalError:  # locked for longer than WAIT_SECONDS, read-only: audit without it
                break
            except sqlite3.DatabaseError:  # not a database: a damaged file is replaced
                self.close()
                if attempt == 1:
                    forget(self.root)
            except (sqlite3.Error, OSError):
                break
        self.close()
        return False

    def load(self, ident: str, head: str) -> dict[str, Any] | None:
        """The saved point when it is usable for HEAD `head`, else None. A usable point
        stays open (one read transaction) until `save` or `close`."""
        if not self.path.is_file() or not self._open():
            return None
        try:
            self.db.execute("begin")
            row = self.db.execute("select identity, commit_id, data from point where id = 1").fetchone()
            usable = row and row[0] == ident and isinstance(row[1], str) and _COMMIT.fullmatch(row[1])
            saved = json.loads(row[2]) if usable else None
        except Exception:  # locked for longer than WAIT_SECONDS, or not a database lcspr wrote
            saved = None
            row = None
        commit = row[1] if row else ""
        if not isinstance(saved, dict) or (commit != head and gitops.git(
                self.root, "merge-base", "--is-ancestor", commit, head, check=False).returncode != 0):
            # No point, or the history was rewritten (or the branch changed): walk it all again.
            self.close()
            return None
        self.loaded = commit
        return {**saved, "commit": commit}

    def restore(self, saved: dict[str, Any], auditor: Any) -> None:
        """Put a loaded point's state back into a fresh auditor; its cases are read as asked for."""
        from lcspr.audit import Finding

        try:
            auditor.commits = int(saved.get("commits", 0))
            auditor.decisions = int(saved.get("decisions", 0))
            auditor.latest[saved["commit"]] = tuple(saved.get("watermark", ("", "", "")))
            auditor.blamed = set(saved.get("blamed", []))
            auditor.findings = [Finding(**f) for f in saved.get("findings", [])]
            known = {f.name for f in fields(Decision) if f.init}
            for values in saved.get("corrections", []):
                values = {k: v for k, v in values.items() if k in known}
                values["approved"] = [tuple(pair) for pair in values.get("approved", [])]
                auditor.corrections.append(Decision(**values))
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            raise Damaged(str(exc)) from None
        auditor.cases = Trails(self)

    def read_trail(self, case: str) -> dict[str, Any] | None:
        """One case's record as the loaded point saved it; None when it has none."""
        if not self.loaded:
            raise RuntimeError(f"the record of {case} was asked for after the verified point was closed")
        try:
            row = self.db.execute("select data from trail where case_id = ?", (case,)).fetchone()
            return None if row is None else json.loads(row[0])
        except Exception as exc:
            raise Damaged(f"the record of {case} cannot be read: {exc}") from None

    def save(self, ident: str, head: str, auditor: Any) -> None:
        """Save what an audit reaching `head` carries forward: only the cases it read
        when it started from a point loaded here, every case when it walked everything."""
        cases = auditor.cases
        incremental = isinstance(cases, Trails) and cases.state is self and self.loaded
        point = json.dumps({
            "commits": auditor.commits,
            "decisions": auditor.decisions,
            "watermark": list(auditor.latest.get(head, ("", "", ""))),
            "blamed": sorted(auditor.blamed),
            "findings": [asdict(f) | {"corrected_by": "", "correction": ""} for f in auditor.findings],
            "corrections": [asdict(record) for record in auditor.corrections],
        })
        live = cases.live if incremental else cases
        rows = [(case, json.dumps(compact(trail_of))) for case, trail_of in live.items()]
        if not incremental:
            self.close()  # a whole walk's point replaces whatever is there, in a transaction of its own
            if not self._open():
                return
        try:
            if not incremental:
                self.db.execute("begin immediate")
                self.db.execute("delete from trail")
            else:
                self.db.executemany("delete from trail where case_id = ?", [(case,) for case in cases.removed])
            self.db.executemany("insert or replace into trail values (?, ?)", rows)
            self.db.execute("insert or replace into point values (1, ?, ?, ?)", (ident, head, point))
            self.db.execute("commit")
        except Exception:  # another audit holds the file: this point is not kept
            pass
        self.close()
        try:
            (self.path.parent / OLD_STATE_NAME).unlink(missing_ok=True)
        except OSError:
            pass


@functools.cache
def _defaults() -> dict[str, Any]:
    """Each field of a case with no record yet (compared with, never handed out)."""
    from lcspr.audit import CaseTrail

    return {f.name: f.default_factory() if f.default is MISSING else f.default  # type: ignore[operator]
            for f in fields(CaseTrail)}


def compact(trail_of: "CaseTrail") -> dict[str, Any]:
    """A case's record as saved: only what differs from a case with no record yet."""
    defaults = _defaults()
    return {name: value for name, value in vars(trail_of).items() if name in defaults and value != defaults[name]}


def trail_from(values: Any) -> "CaseTrail":
    """A saved record made whole again; Damaged when it is not one lcspr saved."""
    from lcspr.audit import CaseTrail

    if not isinstance(values, dict):
        raise Damaged("a case's record is not a table")
    try:
        made = CaseTrail(**values)
        made.committed = tuple(made.committed)  # type: ignore[assignment]
    except TypeError as exc:
        raise Damaged(str(exc)) from None
    text_tables = (made.approved_on, made.approved_in, made.sent)
    if not all(isinstance(t, dict) and all(isinstance(v, str) for v in t.values()) for t in text_tables) \
            or not isinstance(made.approved, dict) or not all(isinstance(v, dict) for v in made.approved.values()) \
            or not isinstance(made.decided_on, str) or not isinstance(made.imported, bool) or len(made.committed) != 2:
        raise Damaged("a case's record holds something lcspr does not save")
    return made


class Trails(MutableMapping[str, "CaseTrail"]):
    """Each case's record so far, for an auditor restored from a point: a case's row
    is read (`live`) only when the audit asks for that case; the rest stay unread."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.live: dict[str, CaseTrail] = {}
        self.removed: set[str] = set()  # cases whose row goes (a case moved to another ID)
        self.absent: set[str] = set()  # cases asked for that have no row

    def _read(self, case: str) -> "CaseTrail | None":
        if case in self.live:
            return self.live[case]
        if case in self.removed or case in self.absent:
            return None
        values = self.state.read_trail(case)
        if values is None:
            self.absent.add(case)
            return None
        made = self.live[case] = trail_from(values)
        return made

    def __getitem__(self, case: str) -> "CaseTrail":
        found = self._read(case)
        if found is None:
            raise KeyError(case)
        return found

    def __contains__(self, case: object) -> bool:
        return isinstance(case, str) and self._read(case) is not None

    def __setitem__(self, case: str, trail_of: "CaseTrail") -> None:
        self.removed.discard(case)
        self.absent.discard(case)
        self.live[case] = trail_of

    def __delitem__(self, case: str) -> None:
        if self._read(case) is None:
            raise KeyError(case)
        del self.live[case]
        self.removed.add(case)

    def __iter__(self) -> Iterator[str]:
        """The cases read so far (the rest are in the file, unread)."""
        return iter(list(self.live))

    def __len__(self) -> int:
        return len(self.live)


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
        try:
            self.db = _connect(gitops.git_dir(self.root) / "lcspr" / "blob-data.sqlite")
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
