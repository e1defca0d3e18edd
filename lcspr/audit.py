"""`lcspr audit`: prove from Git alone that every status was reached by a legal,
recorded decision, made on what the record says it was made on.

One `git log` walk (history.walk) gives every commit with its record and the
files it changed under cases/; one `git cat-file --batch` process reads the
historic files. For each commit the auditor checks the record's trailers, its
times and dates, every status move (with `trail.judge`, the function `advance`
itself obeys, against the case as committed), every field a decision owns, the
approvals' pinned content and the documents sent. Corrections (`lcspr correct`)
answer findings of earlier commits; an answered finding is still listed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from collections import OrderedDict
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from lcspr import audit_state, gitops, history, mdfile, trail
from lcspr.approvals import approved_files
from lcspr.errors import GitError
from lcspr.history import NULL, Change, Commit
from lcspr.records import ACTIONS_FILE, CASE_FILE, REPORT_FILE, RESPONSES_DIR, Case
from lcspr.repository import Repository
from lcspr.trail import Decision

#: Findings that mean a case's current state does not rest on the record:
#: `advance` refuses to build on them until they are corrected.
BLOCKING = ("hand-edit", "illegal-step", "trailers-disagree", "unmet-requirements", "changed-after-approval",
            "sent-document-changed", "vanished", "unreadable")
#: Allowed clock difference between machines, for a Recorded-At "in the future".
CLOCK_SKEW = timedelta(minutes=5)
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
T = TypeVar("T")
_RESPONSES = f"{RESPONSES_DIR}/"
_NO_TIME = ("", "", "")  # no Recorded-At on a commit's ancestry yet
_UNSEEN = ("(unseen)", "", "")  # a commit the walk has not seen


@dataclass
class Finding:
    """One break in the trail, by commit; `corrected_by` names the correction that answered it."""

    commit: str
    case: str
    kind: str
    message: str
    corrected_by: str = ""
    correction: str = ""

    @property
    def key(self) -> str:
        """How a correction names this finding: `<case or -> <kind>`."""
        return f"{self.case or '-'} {self.kind}"

    def __str__(self) -> str:
        text = f"{self.commit[:10]} {self.case or '-'}: {self.kind}: {self.message}"
        if self.corrected_by:
            text += f" [corrected by {self.corrected_by[:10]}: {self.correction}]"
        return text


@dataclass
class AuditReport:
    commits: int
    decisions: int
    findings: list[Finding]
    strict: bool = False
    #: What the record says of each case, as the walk left it (from a verified point:
    #: only the cases it read).
    trails: MutableMapping[str, CaseTrail] = field(default_factory=dict)

    @property
    def open(self) -> list[Finding]:
        return [f for f in self.findings if not f.corrected_by]

    @property
    def ok(self) -> bool:
        return not (self.findings if self.strict else self.open)

    def summary(self) -> str:
        """`Audited N commit(s), M decision(s): <verdict>.`, the last line of `lcspr audit`."""
        corrected = len(self.findings) - len(self.open)
        if not self.findings:
            verdict = "the trail is whole"
        elif not self.open:
            verdict = f"the trail is whole, with {corrected} corrected finding(s)"
        else:
            verdict = (f"{len(self.open)} open finding(s), {corrected} corrected" if corrected
                       else f"{len(self.findings)} finding(s)")
        return f"Audited {self.commits} commit(s), {self.decisions} decision(s): {verdict}."

    def as_dict(self) -> dict[str, Any]:
        return {"commits": self.commits, "decisions": self.decisions, "ok": self.ok, "strict": self.strict,
                "open": len(self.open), "corrected": len(self.findings) - len(self.open),
                "findings": [asdict(f) for f in self.findings]}


@dataclass
class CaseTrail:
    """What the record says of one case so far."""

    decided_on: str = ""  # the day of the last decision
    #: The last approval of each document kind: file (in the case folder) -> blob.
    approved: dict[str, dict[str, str]] = field(default_factory=dict)
    approved_on: dict[str, str] = field(default_factory=dict)
    approved_in: dict[str, str] = field(default_factory=dict)
    sent: dict[str, str] = field(default_factory=dict)  # path -> the commit that sent it
    #: Entered the record by `lcspr import`: approvals given before then are not in Git.
    imported: bool = False
    #: case.md as HEAD holds it: (blob, status); blob "" when it is not in Git (case audits only).
    committed: tuple[str, str | None] = ("", None)


class _Recent(Generic[T]):
    """A mapping that keeps about the last `size` entries put: two generations, the
    older dropped whole when the newer fills (cheaper than ordering every read)."""

    def __init__(self, size: int) -> None:
        self.half = max(1, size // 2)
        self.new: dict[Any, T] = {}
        self.old: dict[Any, T] = {}

    def get(self, key: Any) -> T | None:
        value = self.new.get(key)
        return self.old.get(key) if value is None else value

    def put(self, key: Any, value: T) -> None:
        self.new[key] = value
        if len(self.new) >= self.half:
            self.old, self.new = self.new, {}

    def __contains__(self, key: Any) -> bool:
        return key in self.new or key in self.old

    def __getitem__(self, key: Any) -> T:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Any, value: T) -> None:
        self.put(key, value)


class _KeptChecks:
    """What checking a case file against its schema found, by the file's content: kept
    in memory for the audit's own repeats, and in the store between audits under the
    identity of everything the check reads (the schemas, lcspr.toml, the workflow), so
    a file once checked is not checked again, nor the schema validator loaded for it."""

    def __init__(self, repo: Repository, store: "audit_state.BlobData | None") -> None:
        self.repo = repo
        self.store = store
        self.recent: _Recent[list[str]] = _Recent(4096)
        self._prefix = ""

    def _key(self, key: tuple[str, str, str]) -> str:
        if not self._prefix:
            from lcspr.results_cache import schemas_digest

            # The schemas, and lcspr.toml and the workflow, whose agencies, roles, states
            # and levels the schemas' vocabulary is made of.
            settings = audit_state.identity(self.repo.root, self.repo.config.workflow_file, False)
            self._prefix = hashlib.sha256(f"{schemas_digest()} {settings}".encode()).hexdigest()[:32]
        case_id, kind, text = key
        # A file read from the store is named by its blob; one read from Git has its text.
        content = text[5:] if len(text) == 45 and text.startswith("blob ") else hashlib.sha1(text.encode()).hexdigest()
        return f"check {self._prefix} {case_id} {kind} {content}"

    def __contains__(self, key: tuple[str, str, str]) -> bool:
        if key in self.recent:
            return True
        kept = self.store.get(self._key(key)) if self.store else None
        if isinstance(kept, list) and all(isinstance(p, str) for p in kept):
            self.recent.put(key, kept)
            return True
        return False

    def __getitem__(self, key: tuple[str, str, str]) -> list[str]:
        return self.recent[key]

    def __setitem__(self, key: tuple[str, str, str], found: list[str]) -> None:
        self.recent.put(key, found)
        if self.store:
            self.store.put(self._key(key), found)


class _Watermarks:
    """Each commit's Recorded-At watermark (time, commit, case), for its children.
    The last `size` are kept in memory, in walk order; older ones, asked for only
    by the merge of a long-lived branch, go to a private scratch database that
    SQLite deletes when closed, so memory stays flat however long the history."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self.recent: OrderedDict[str, tuple[str, str, str]] = OrderedDict()
        self.pending: dict[str, tuple[str, str, str]] = {}
        self.db: Any = None

    def get(self, sha: str, default: tuple[str, str, str]) -> tuple[str, str, str]:
        found = self.recent.get(sha) or self.pending.get(sha)
        if found is None and self.db is not None:
            row = self.db.execute("select a, b, c from mark where sha = ?", (sha,)).fetchone()
            found = tuple(row) if row else None
        return default if found is None else found

    def __contains__(self, sha: str) -> bool:
        return self.get(sha, _UNSEEN) is not _UNSEEN

    def __setitem__(self, sha: str, value: tuple[str, str, str]) -> None:
        recent = self.recent
        recent[sha] = value  # a commit is set when walked: walk order is insertion order
        if len(recent) > self.size:
            oldest, mark = recent.popitem(last=False)
            self.pending[oldest] = mark
            if len(self.pending) >= 1024:
                self._spill()

    def _spill(self) -> None:
        import sqlite3

        if self.db is None:
            self.db = sqlite3.connect("")  # "": a temporary database on disk, removed on close
            self.db.execute("create table mark (sha text primary key, a text, b text, c text)")
        self.db.executemany("insert or replace into mark values (?, ?, ?, ?)",
                            [(sha, *value) for sha, value in self.pending.items()])
        self.pending.clear()

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


class _Auditor:
    def __init__(self, repo: Repository, reader: gitops.ObjectReader, now: datetime,
                 store: "audit_state.BlobData | None" = None) -> None:
        self.repo = repo
        self.store = store
        self.workflow = repo.workflow
        self.owned = trail.owned_fields(self.workflow)
        self._owned_top = trail.by_top(self.owned)
        self.reader = reader
        self.now = now
        self.findings: list[Finding] = []
        self.cases: MutableMapping[str, CaseTrail] = {}
        self.corrections: list[Decision] = []
        # commit -> (latest honest Lcspr-Recorded-At on its ancestry, the commit and case that set it)
        self.latest = _Watermarks()
        self.blamed: set[str] = set()
        self.files_of: dict[str, dict[str, str]] = {}  # case -> its files, as of `previous`
        self._cases_dir = repo.config.cases_dir
        self._folders: dict[str, Path] = {}
        # Per transition: the owned fields it does not write, by top-level field.
        self._others: dict[int, dict[str, tuple[str, ...]]] = {}
        self.future = (now + CLOCK_SKEW).strftime("%Y-%m-%dT%H:%M:%SZ")  # a Recorded-At after this is
        self._kinds: dict[tuple[str, str, str | None], set[str]] = {}
        self._nowhere = Path(CASE_FILE)
        self.previous = ""
        self.complete = False  # whether files_of holds every case folder
        # Bounded: a history of any length costs the same memory (a case's versions are
        # read in turn, so recent ones are what is asked again).
        self._parsed: _Recent[tuple[Any, str | None]] = _Recent(2048)
        self._data: _Recent[tuple[Any, str | None]] = _Recent(2048)
        self._checked = _KeptChecks(repo, store)
        self.commits = self.decisions = 0

    # --- reading historic files ---------------------------------------------------

    def parse(self, sha: str, shown: str) -> tuple[mdfile.MarkdownFile | None, str | None]:
        """A historic Markdown file by blob ID: (file, None), or (None, problem). Its data
        and body are kept between audits (a requirement needs no line numbers; its
        `text` is then the blob's name, unique as the text is)."""
        found = self._parsed.get(sha)
        if found is not None:
            return found
        kept = self.store.get(f"md {sha}") if self.store else None
        if isinstance(kept, dict):
            md = mdfile.MarkdownFile(Path(shown), shown, f"blob {sha}", kept.get("data") or {}, kept.get("body", ""),
                                     {}, 0, 1)
            self._parsed.put(sha, (md, None))
            return md, None
        found = self._read(self._parsed, sha, shown, lambda text: mdfile.parse(text, Path(shown), shown))
        if self.store and found[0] is not None:
            self.store.put(f"md {sha}", {"data": found[0].data, "body": found[0].body})
        return found

    def data(self, sha: str, case_id: str) -> tuple[dict[str, Any] | None, str | None]:
        """A historic case.md's data by blob ID (read in one pass: no line numbers
        needed), kept between audits by blob ID, since a blob never changes."""
        if sha == NULL:
            return None, None
        found = self._data.get(sha)
        if found is not None:
            return found
        kept = self.store.get(f"data {sha}") if self.store else None
        if isinstance(kept, dict):
            self._data.put(sha, (kept, None))
            return kept, None
        shown = f"cases/{case_id}/{CASE_FILE}"
        found = self._read(self._data, sha, shown, lambda text: mdfile.frontmatter_data(text, shown))
        if self.store and isinstance(found[0], dict):
            self.store.put(f"data {sha}", found[0])
        return found

    def prefetch(self, commits: list[Commit]) -> None:
        """Ask the store once for the kept data of every case.md version `commits` bring
        that is not at hand: one query for many, not one each."""
        if not self.store:
            return
        wanted = {change.after for commit in commits for change in commit.changes
                  if change.name == CASE_FILE and change.after != NULL and change.after not in self._data}
        for key, value in self.store.get_many([f"data {sha}" for sha in wanted]).items():
            if isinstance(value, dict):
                self._data.put(key[5:], (value, None))

    def _read(self, cache: "_Recent[tuple[Any, str | None]]", sha: str, shown: str,
              read: Any) -> tuple[Any, str | None]:
        """`read(text)` of a blob, remembered; a blob that cannot be read is a problem, not an error."""
        found = cache.get(sha)
        if found is not None:
            return found
        blob = self.reader.read(sha)
        if blob is None:
            found = (None, f"{shown}: blob {sha[:10]} is missing from the repository")
        else:
            try:
                found = (read(blob[1].decode("utf-8")), None)
            except UnicodeDecodeError:
                found = (None, f"{shown}: is not UTF-8 text")
            except Exception as exc:  # a hostile or broken file is itself a finding
                found = (None, str(exc))
        cache.put(sha, found)
        return found

    def follow(self, commit: Commit) -> None:
        """Keep each known case folder's files up to date from the walk itself, while the
        walk goes from parent to child; anywhere else (a merge, a branch, a walk by path)
        forget them, to be read again from Git's trees when asked for. A walk from the
        first commit sees every file arrive, so it knows every case folder without
        asking Git, until the walk leaves the line."""
        if not commit.parents and not self.previous:
            self.complete = True
        elif commit.parents != [self.previous]:
            self.files_of.clear()
            self.complete = False
            self.previous = commit.sha
            return
        for change in commit.changes:
            files = self.files_of.setdefault(change.case_id, {}) if self.complete else self.files_of.get(change.case_id)
            if files is None or not _in_folder(change.name):
                continue
            if change.after == NULL:
                files.pop(change.name, None)
            else:
                files[change.name] = change.after
        self.previous = commit.sha

    def files_at(self, commit: str, case_id: str) -> dict[str, str]:
        """Every file of a case folder at `commit` (the commit being checked): name in
        the folder -> blob."""
        known = self.files_of.get(case_id)
        if known is not None:
            return known
        files: dict[str, str] = {}
        if self.complete:  # no file of this folder has arrived yet
            self.files_of[case_id] = files
            return files
        folder = f"{commit}:cases/{case_id}"
        # The folder and its two subfolders in one round trip to Git.
        top, responses, documents = self.reader.trees([folder, f"{folder}/{RESPONSES_DIR}", f"{folder}/documents"])
        for name, (mode, sha) in top.items():
            if not mode.startswith("4"):
                files[name] = sha
        for sub, entries in ((RESPONSES_DIR, responses), ("documents", documents)):
            for inner, (inner_mode, inner_sha) in entries.items():
                if not inner_mode.startswith("4"):
                    files[f"{sub}/{inner}"] = inner_sha
        self.files_of[case_id] = files
        return files

    def case_at(self, files: dict[str, str], case_id: str, before: dict[str, Any], kinds: set[str]) -> Case:
        """The case as a decision saw it: case.md as before the move, and the other files
        its requirements read (`kinds`: referral, report, response) as committed."""
        folder = self._folders.get(case_id)
        if folder is None:
            folder = self._folders[case_id] = self._cases_dir / case_id
        case = Case(case_id, folder)
        shown = f"cases/{case_id}/{CASE_FILE}"
        case.files["case"] = mdfile.MarkdownFile(self._nowhere, shown, "", before, "", {}, 0, 1)
        if not kinds:
            return case  # most moves read case.md alone
        names = {"referral.md": "referral", REPORT_FILE: "report", ACTIONS_FILE: "actions"}
        for name, sha in sorted(files.items()):
            kind = names.get(name)
            if kind is None and name.startswith(_RESPONSES) and name.endswith(".md"):
                kind = f"response:{name[len(_RESPONSES):-3]}"
            if kind is None or kind.split(":", 1)[0] not in kinds:
                continue
            md, _ = self.parse(sha, f"cases/{case_id}/{name}")
            if md is not None:
                case.files[kind] = md
        return case

    # --- one commit ---------------------------------------------------------------

    def add(self, commit: Commit, case: str, kind: str, message: str) -> None:
        self.findings.append(Finding(commit.sha, case, kind, message))

    def commit(self, commit: Commit, signatures: bool) -> None:
        record = commit.record
        self.follow(commit)
        self.commits += 1
        self.decisions += record.is_decision
        self._times(commit)
        if record.action and record.action not in trail.ACTIONS:
            self.add(commit, record.case, "broken-trailers", f"unknown {trail.ACTION} {record.action!r}")
        missing = record.missing_trailers()
        if missing:
            self.add(commit, record.case, "broken-trailers", f"{record.action} commit lacks {', '.join(missing)}")
        if signatures and record.is_decision and commit.signature != "G":
            code = commit.signature or "N"
            kind = "unsigned" if code == "N" else "bad-signature"
            self.add(commit, record.case, kind, f"sign = true, but this decision commit "
                     f"{_SIGNATURE_WORDS.get(code, 'has a signature Git cannot check')} (git log %G? = {code})")
        if record.action == trail.CORRECTION:
            self.corrections.append(record)
            if commit.paths:
                self.add(commit, record.case, "trailers-disagree",
                         f"a correction changes files ({', '.join(commit.paths[:3])}); a correction records only words")
            return
        if record.action == trail.REALLOCATE and record.moved_to:
            self._reallocation(commit)
            return
        if record.is_decision and record.case:
            outside = [p for p in commit.paths if not p.startswith(f"cases/{record.case}/")]
            if outside:
                self.add(commit, record.case, "trailers-disagree", f"a decision on {record.case} also changes "
                         f"{', '.join(outside)}; a decision commit holds only its case's folder")
        if record.action == trail.RECEIVE:
            self._receipt(commit)
        self._sent_documents(commit)
        moves = self._case_changes(commit)
        if record.is_decision and len(moves) > 1:
            names = [m[0].case_id for m in moves]
            self.add(commit, ",".join(names), "several-cases", f"one decision commit changes the status of "
                     f"{', '.join(names)}; a decision records one case")
            # The case the trailers name is still checked; the others changed without their own decision.
            moves = [m for m in moves if m[0].case_id == record.case] or moves[:1]
        for change, before, after in moves:
            self._move(commit, change, before, after)
        if record.is_decision and not moves:
            self.add(commit, record.case, "trailers-disagree", f"a {record.action} commit that changes no case's status")

    def _reallocation(self, commit: Commit) -> None:
        """A case moved to a new ID (`lcspr reallocate`): the whole folder, its files
        unchanged but for their ID fields, the status and every decision's field as
        they were; the case's record goes with it."""
        record = commit.record
        old, new = record.case, record.moved_to

        def add(kind: str, message: str) -> None:
            self.add(commit, old, kind, message)

        prefixes = (f"cases/{old}/", f"cases/{new}/")
        outside = [p for p in commit.paths if not p.startswith(prefixes)]
        if outside:
            add("trailers-disagree", f"a reallocation of {old} to {new} also changes {', '.join(outside[:3])}")
        if len(commit.parents) != 1:
            add("trailers-disagree", "a reallocation is a commit of its own, not a merge")
            return
        removed = {c.name: c.before[0] for c in commit.changes if c.case_id == old and c.after == NULL}
        added = {c.name: c.after for c in commit.changes if c.case_id == new and c.before[0] == NULL}
        kept = [c.path for c in commit.changes if c.case_id in (old, new)
                and c.name not in (removed if c.case_id == old else added)]
        if kept or set(removed) != set(added) or CASE_FILE not in removed:
            add("trailers-disagree", f"a reallocation moves the whole folder of {old} to {new}, but "
                + (f"{', '.join(kept[:3])} stay(s) or changed in place" if kept else
                   f"the files moved differ ({', '.join(sorted(set(removed) ^ set(added))[:3]) or 'no case.md'})"))
            return
        changed_documents = [n for n in removed if n.startswith("documents/") and removed[n] != added[n]]
        if changed_documents:
            add("sent-document-changed", f"{', '.join(changed_documents)} changed on the way to {new}; "
                "a document sent stays as it was sent")
        before, problem = self.data(removed[CASE_FILE], old)
        after, problem_after = self.data(added[CASE_FILE], new)
        if problem or problem_after or before is None or after is None:
            add("unreadable", problem or problem_after or f"cases/{new}/case.md cannot be read")
            return
        edited = trail.changed_fields(before, after, self._owned_top)
        if edited:
            add("hand-edit", _edited(edited, before, after) + f"; a reallocation to {new} changes only the ID")
        if after.get("id") != new:
            add("trailers-disagree", f"{trail.MOVED_TO} {new}, but cases/{new}/case.md says id {after.get('id')!r}")
        moved = self.cases.pop(old, None)
        if moved is not None:
            moved.sent = {p.replace(prefixes[0], prefixes[1], 1): sha for p, sha in moved.sent.items()}
            self.cases[new] = moved
        self.files_of.pop(old, None)
        self.files_of.pop(new, None)

    def _times(self, commit: Commit) -> None:
        """Recorded-at times never go backwards; when they do, blame the commit out of
        line: one whose time is later than a descendant's own commit time is the forgery."""
        record = commit.record
        recorded = record.recorded_at
        parents = commit.parents
        if len(parents) == 1:
            before = self.latest.get(parents[0], _NO_TIME)
        else:
            before = max((self.latest.get(p, _NO_TIME) for p in parents), default=_NO_TIME)
        self.latest[commit.sha] = before
        if record.is_decision and record.decided_on and not _DATE.match(record.decided_on):
            self.add(commit, record.case, "broken-trailers", f"{trail.DECIDED_ON} {record.decided_on!r} is not a date like 2026-11-26")
        if not recorded:
            return
        if not _TIMESTAMP.match(recorded):
            self.add(commit, record.case, "broken-trailers",
                     f"{trail.RECORDED_AT} {recorded!r} is not a UTC time like 2026-11-26T14:03:11Z")
            return
        if record.is_decision and _DATE.match(record.decided_on) and record.decided_on > recorded[:10]:
            self.add(commit, record.case, "date-order", f"decided on {record.decided_on}, after it was recorded ({recorded})")
        if recorded > self.future:
            self.add(commit, record.case, "time-order", f"{trail.RECORDED_AT} {recorded} is in the future")
            return
        if before[0] and recorded < before[0]:
            made = _utc(record.committed_at)
            if made and before[0] > made:
                # An ancestor claims a time after this commit was made: the ancestor is out of line.
                if before[1] not in self.blamed:
                    self.blamed.add(before[1])
                    self.findings.append(Finding(before[1], before[2], "time-order",
                                                 f"{trail.RECORDED_AT} {before[0]} is later than a later commit "
                                                 f"({commit.sha[:10]}) was made ({made}): this time is out of line"))
            else:
                self.add(commit, record.case, "time-order", f"{trail.RECORDED_AT} {recorded} is earlier than its parent's ({before[0]})")
                return
        self.latest[commit.sha] = (recorded, commit.sha, record.case)

    def _receipt(self, commit: Commit) -> None:
        """A receipt (`lcspr receive`) holds its agency's response and the form as received,
        whose SHA-256 is the one its trailer says, and nothing else."""
        record = commit.record
        folder = f"cases/{record.case}/{RESPONSES_DIR}/{record.agency}"
        outside = [p for p in commit.paths if p not in (f"{folder}.md", f"{folder}.docx")]
        if outside:
            self.add(commit, record.case, "trailers-disagree", f"a receipt of {record.agency}'s form also changes "
                     f"{', '.join(outside[:3])}; a receipt holds only responses/{record.agency}.md and .docx")
        name, _, digest = record.received.partition(" sha256:")
        kept = next((c for c in commit.changes if c.case_id == record.case and c.name == name and c.after != NULL),
                    None)
        blob = self.reader.read(kept.after) if kept else None
        if blob is None:
            self.add(commit, record.case, "trailers-disagree", f"{trail.RECEIVED} {record.received}, but the commit "
                     "does not hold that file")
        elif hashlib.sha256(blob[1]).hexdigest() != digest:
            self.add(commit, record.case, "trailers-disagree", f"{trail.RECEIVED} says sha256 {digest[:16]}…, but "
                     f"{name} as committed is {hashlib.sha256(blob[1]).hexdigest()[:16]}…")

    def _sent_documents(self, commit: Commit) -> None:
        """A document sent is never changed or deleted afterwards."""
        record = commit.record
        for change in commit.changes:
            known = self.cases.get(change.case_id)
            sender = known.sent.get(change.path) if known is not None else None
            if sender and sender != commit.sha:
                verb = "deletes" if change.after == NULL else "changes"
                self.add(commit, change.case_id, "sent-document-changed",
                         f"{verb} {change.path}, which {sender[:10]} sent; a sent document stays as it was sent "
                         "(restore it from that commit)")
        if record.is_decision and record.case:
            trail_of = self.cases.setdefault(record.case, CaseTrail())
            for path in record.sent:
                if path not in commit.paths:
                    self.add(commit, record.case, "trailers-disagree", f"{trail.SENT} {path}, but the commit does not hold it")
                trail_of.sent[path] = commit.sha

    def _case_changes(self, commit: Commit) -> list[tuple[Change, dict[str, Any], dict[str, Any]]]:
        """Status moves of this commit; every other change to a decision-owned field is checked here."""
        moves = []
        record = commit.record
        for change in commit.case_changes(CASE_FILE):
            after, problem = self.data(change.after, change.case_id)
            befores = [self.data(b, change.case_id) for b in change.before]
            if problem:
                self.add(commit, change.case_id, "unreadable", problem)
                continue
            if after is None:
                self.add(commit, change.case_id, "vanished",
                         f"cases/{change.case_id}/case.md was deleted; a case's files must stay in the record")
                continue
            if len(commit.parents) > 1:
                statuses = [str(b.get("status")) for b, _ in befores if b is not None]
                if str(after.get("status")) not in statuses:
                    self.add(commit, change.case_id, "hand-edit", f"the merge set status {after.get('status')!r}, which neither side recorded")
                continue
            before = (befores[0][0] if befores else None) or {}
            if before.get("status") != after.get("status"):
                moves.append((change, before, after))
            elif before:
                own = record.action == trail.ADVANCE and record.case == change.case_id
                edited = trail.changed_fields(before, after, self._owned_top)
                if edited and not own:
                    self.add(commit, change.case_id, "hand-edit", _edited(edited, before, after))
        return moves

    def _move(self, commit: Commit, change: Change, before: dict[str, Any], after: dict[str, Any]) -> None:
        record, case_id = commit.record, change.case_id
        source = str(before["status"]) if before.get("status") is not None else None
        target = str(after.get("status"))

        def add(kind: str, message: str) -> None:
            self.add(commit, case_id, kind, message)

        if not record.is_decision:
            if source is None:
                add("hand-edit", f"case.md added at status {target} without a decision (no Lcspr trailers); "
                                 "cases enter the record with `lcspr new-case` or `lcspr import`")
            else:
                add("hand-edit", f"status changed from {source} to {target} without a decision (no Lcspr trailers)")
            return
        if record.case != case_id:
            add("trailers-disagree", f"trailers name case {record.case} but the commit changes {case_id}")
            return
        trail_of = self.cases.setdefault(case_id, CaseTrail())
        if record.action in (trail.NEW_CASE, trail.IMPORT):
            if source is not None:
                add("trailers-disagree", f"a {record.action} commit for a case that already existed ({source} -> {target})")
            elif record.target != target:
                add("trailers-disagree", f"trailers say the case opened as {record.target} but case.md says {target}")
            elif record.action == trail.NEW_CASE and target != self.workflow.initial:
                add("illegal-step", f"a new case opens as {self.workflow.initial}, not {target}")
            trail_of.decided_on = record.decided_on or trail_of.decided_on
            trail_of.imported = record.action == trail.IMPORT
            return
        if (record.source, record.target) != (source, target):
            add("trailers-disagree", f"trailers say {record.source} -> {record.target} but case.md changed {source} -> {target}")
            return
        if record.decided_on and trail_of.decided_on and record.decided_on < trail_of.decided_on:
            add("date-order", f"decided on {record.decided_on}, before the case's previous decision ({trail_of.decided_on})")
        trail_of.decided_on = max(trail_of.decided_on, record.decided_on)
        files = self.files_at(commit.sha, case_id)
        verdict = self._judge(record, source, target, before, after, files, change)
        if not verdict.legal:
            add(*_refusal(verdict, source, target, record.decided_by))
            return
        transition = verdict.transition
        assert transition is not None
        others = self._others.get(id(transition))
        if others is None:
            others = self._others[id(transition)] = trail.by_top(
                self.owned - trail.transition_fields(transition, self.workflow))
        extra = trail.changed_fields(before, after, others)
        if extra:
            add("hand-edit", _edited(extra, before, after) + f"; the move {source} -> {target} does not set it")
        for kind in transition.keeps_approved:
            self._check_unchanged(commit, case_id, kind, files, trail_of)
        for kind in transition.approves:
            self._record_approval(commit, case_id, kind, files, trail_of)

    def _judge(self, record: Decision, source: str | None, target: str, before: dict[str, Any],
               after: dict[str, Any], files: dict[str, str], change: Change) -> trail.Verdict:
        from lcspr.decisions import files_needed, missing

        held = before.get("on_hold")
        held_from = str(held.get("previous")) if isinstance(held, dict) and held.get("previous") else None
        key = (source or "", target, held_from)
        kinds = self._kinds.get(key)
        if kinds is None:
            kinds = self._kinds[key] = {
                k for t in self.workflow.transitions_from(source or "") if trail.target_of(t, held_from) == target
                for k in files_needed(self.repo, t, target)}
        case = self.case_at(files, change.case_id, before, kinds)
        return trail.judge(self.workflow, source or "", target, record.decided_by or None, held_from,
                           lambda t: missing(self.repo, case, t, target, after, self._checked), record.recorder)

    def _check_unchanged(self, commit: Commit, case_id: str, kind: str, files: dict[str, str], trail_of: CaseTrail) -> None:
        approved = trail_of.approved.get(kind)
        if approved is None and trail_of.imported:
            return  # approved before the case entered the record: there is no pin to compare
        if approved is None:
            self.add(commit, case_id, "changed-after-approval", f"the move needs the {kind} approved, and no decision approved it")
            return
        now = {name: files.get(name, NULL) for name in approved_files(kind, list(files))}
        changed = sorted(n for n in set(now) | set(approved) if now.get(n, NULL) != approved.get(n, NULL))
        if changed:
            self.add(commit, case_id, "changed-after-approval",
                     f"{', '.join(changed)} changed since the approval on {trail_of.approved_on.get(kind, '?')} "
                     f"({trail_of.approved_in.get(kind, '')[:10]}); what was sent is not what was approved")

    def _record_approval(self, commit: Commit, case_id: str, kind: str, files: dict[str, str], trail_of: CaseTrail) -> None:
        record = commit.record
        pinned = dict(record.approved)
        wanted = approved_files(kind, list(files))
        for name in wanted:
            if pinned.get(name) != files.get(name):
                said = pinned.get(name)
                self.add(commit, case_id, "trailers-disagree",
                         f"{trail.APPROVED} {name} {said}, but the commit holds {files.get(name, 'no such file')}"
                         if said else f"approves the {kind} but does not pin {name} ({trail.APPROVED})")
        trail_of.approved[kind] = {name: files[name] for name in wanted if name in files}
        trail_of.approved_on[kind] = record.decided_on
        trail_of.approved_in[kind] = commit.sha

    # --- corrections ----------------------------------------------------------------

    def _resolve(self, name: str) -> list[str]:
        return _in_history(self.repo.root, name)

    def apply_corrections(self) -> None:
        """Mark each finding a correction answers; check the corrections themselves."""
        by_commit: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_commit.setdefault(finding.commit, []).append(finding)
        for record in self.corrections:
            target = record.corrects
            fake = Commit(record.commit, [], record)
            if record.decided_by and self.workflow.correctors and record.decided_by not in self.workflow.correctors:
                self.add(fake, record.case, "illegal-step", f"{record.decided_by} may not record a correction "
                         f"(corrections: {', '.join(self.workflow.correctors)})")
                continue
            matches = [target] if target in by_commit or target in self.latest else self._resolve(target)
            if len(matches) != 1:
                self.add(fake, record.case, "broken-trailers", f"{trail.CORRECTS} {target!r} names no commit of this history")
                continue
            answered = [f for f in by_commit.get(matches[0], []) if f.key in record.findings and not f.corrected_by]
            if not answered:
                self.add(fake, record.case, "broken-trailers",
                         f"corrects {matches[0][:10]}, which has no finding {', '.join(record.findings) or '(none named)'}")
            for finding in answered:
                finding.corrected_by = record.commit
                finding.correction = f"{record.decided_by} on {record.decided_on}: {' '.join(record.reason.split())}"


def _batches(items: Iterator[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cycle collector, run less often while the walk makes its many small,
    short-lived objects: what exists already (modules, settings) is set aside, not
    searched again and again, a tenth of the audit's time. Cycles are still collected."""
    import gc

    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _in_folder(name: str) -> bool:
    """Whether a file (relative to its case folder) is one `files_at` reads from Git's
    trees: in the folder itself, or directly in responses/ or documents/."""
    slashes = name.count("/")
    return not slashes or (slashes == 1 and name.startswith((_RESPONSES, "documents/")))


def _in_history(root: Path, name: str) -> list[str]:
    """The full ID of commit `name` (lcspr writes full IDs; a hand-written one may be
    short) when it is in HEAD's history, else nothing."""
    if len(name) < 7 or name.startswith("-"):
        return []
    sha = gitops.git(root, "rev-parse", "-q", "--verify", f"{name}^{{commit}}", check=False).stdout.strip()
    if not sha or gitops.git(root, "merge-base", "--is-ancestor", sha, "HEAD", check=False).returncode != 0:
        return []
    return [sha]


def _refusal(verdict: trail.Verdict, source: str | None, target: str, by: str) -> tuple[str, str]:
    """The finding for a move `trail.judge` refuses: (kind, message)."""
    if verdict.refusal == trail.UNMET:
        return "unmet-requirements", f"{source} -> {target} without what it needs: " + "; ".join(verdict.reasons)
    if verdict.refusal == trail.UNKNOWN_STATE:
        return "illegal-step", f"{target!r} is not a state of the workflow"
    if verdict.refusal == trail.ROLE:
        assert verdict.transition is not None
        return "illegal-step", verdict.reasons[0]
    return "illegal-step", f"{source} -> {target} is not a step of the workflow (a skipped or illegal step)"


def _edited(names: list[str], before: dict[str, Any], after: dict[str, Any]) -> str:
    shown = "; ".join(f"`{n}` {mdfile.field_value(before, n)!r} -> {mdfile.field_value(after, n)!r}" for n in names)
    return f"changed without a decision: {shown}"


def _utc(when: str) -> str:
    try:
        return datetime.fromisoformat(when).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return ""


def audit(repo: Repository, strict: bool = False, case_id: str | None = None,
          now: datetime | None = None, full: bool = False) -> AuditReport:
    """Walk the whole history once (or one case's) and report every break in the trail.

    An audit starts from the verified point the last one saved (lcspr.audit_state)
    when it can, walking only the commits since, and saves a new one; `full` walks
    everything again. One case's audit (`case_id`, before a decision) walks every
    commit since the verified point too, not only its case's, and moves the point
    on: so each decision walks only what was committed since the last one."""
    root = repo.root
    signatures = repo.config.sign
    if signatures:
        _check_can_verify(root)
    now = now or datetime.now(timezone.utc)
    head = gitops.git(root, "rev-parse", "-q", "--verify", "HEAD", check=False).stdout.strip()
    try:
        with gitops.ObjectReader(root) as reader, audit_state.BlobData(root) as store, \
                audit_state.State(root) as state:
            auditor = _Auditor(repo, reader, now, store)
            _walk(repo, auditor, reader, state, head, case_id, full)
    except audit_state.Damaged:
        # A verified point lcspr cannot have written: forget it and walk everything again
        # (one case's audit, its own commits; the next decision makes a new point).
        audit_state.forget(root)
        return audit(repo, strict, case_id, now, full=True)
    findings = auditor.findings
    if case_id:
        findings = [f for f in findings if case_id in f.case.split(",") and f.kind != "time-order"]
    return AuditReport(auditor.commits, auditor.decisions, findings, strict, auditor.cases)


def _walk(repo: Repository, auditor: "_Auditor", reader: gitops.ObjectReader, state: audit_state.State,
          head: str, case_id: str | None, full: bool) -> None:
    """`audit`'s walk: from the verified point when there is one, and save the new one."""
    root = repo.root
    signatures = repo.config.sign
    revisions = head or "HEAD"
    ident = audit_state.identity(root, repo.config.workflow_file, signatures) if head else ""
    saved = None if full or not ident else state.load(ident, head)
    if saved is None and case_id and ident and not full:
        # No verified point yet (a fresh clone, changed settings): one whole audit
        # makes one, and every later decision walks only what is new since.
        audit(repo, now=auditor.now)
        saved = state.load(ident, head)
    if saved is not None:
        # What the last whole audit verified stands; only the commits since are walked.
        state.restore(saved, auditor)
        revisions = f"{saved['commit']}..{head}"
    # Without a verified point to start from (--full, no commit yet), one case's audit walks its own commits.
    paths = [f"cases/{case_id}"] if case_id and saved is None else None
    walk = history.walk(root, changes=True, signatures=signatures, paths=paths, revisions=revisions, reasons=False)
    with _fewer_collections():
        for batch in _batches(walk, 256):  # a bounded look-ahead: memory stays flat
            auditor.prefetch(batch)
            for commit in batch:
                auditor.commit(commit, signatures)
    if ident and paths is None:
        if case_id:
            auditor.cases.get(case_id)  # read from the point loaded, before it closes
        state.save(ident, head, auditor)
    if paths is not None:  # corrections change no file, so a walk by path does not see them
        for commit in history.walk(root, grep=f"^{trail.ACTION}: {trail.CORRECTION}$", revisions=revisions):
            if commit.sha not in auditor.latest:
                auditor.corrections.append(commit.record)
    if case_id:
        blob = reader.tree(f"{head or 'HEAD'}:cases/{case_id}").get(CASE_FILE, ("", ""))[1]
        data = auditor.data(blob, case_id)[0] if blob else None
        status = data.get("status") if data else None
        auditor.cases.setdefault(case_id, CaseTrail()).committed = (blob, None if status is None else str(status))
    auditor.apply_corrections()
    auditor.latest.close()


def case_trail(repo: Repository, case_id: str) -> tuple[CaseTrail, list[Finding]]:
    """One case's record so far, and its open findings that a decision must not build on."""
    report = audit(repo, case_id=case_id)
    blocking = [f for f in report.open if f.kind in BLOCKING]
    return report.trails.get(case_id, CaseTrail()), blocking


_SIGNATURE_WORDS = {
    "N": "is not signed",
    "B": "has a bad signature (the commit was changed after it was signed, or the signature is forged)",
    "U": "is signed by a key that is not trusted (for SSH: not in gpg.ssh.allowedSignersFile)",
    "X": "has a good signature that has expired",
    "Y": "is signed by a key that has expired",
    "R": "is signed by a revoked key",
    "E": "has a signature that cannot be checked (its key is missing)",
}


def _check_can_verify(root: Path) -> None:
    """SSH signatures are checked against gpg.ssh.allowedSignersFile; without it every
    signature reads as absent, so say what is missing instead of reporting every commit."""
    def config(key: str) -> str:
        return gitops.git(root, "config", "--get", key, check=False).stdout.strip()

    if config("gpg.format") != "ssh":
        return
    allowed = config("gpg.ssh.allowedSignersFile")
    if not allowed or not (root / Path(allowed).expanduser()).is_file():
        raise GitError(
            "sign = true in lcspr.toml, but the signatures cannot be verified: gpg.ssh.allowedSignersFile "
            + ("is not set" if not allowed else f"names {allowed}, which does not exist")
            + ". Point it at the file listing the keys allowed to sign decisions "
            "(git config gpg.ssh.allowedSignersFile PATH) and run the audit again."
        )
