"""The Git history of decisions, read in one pass.

`walk` reads `git log` once (oldest first) and yields each commit with its
record (`trail.Decision`, from Git's own trailer parsing) and, when asked, the
files it changed (blob IDs before and after). `entries` gives the decisions an
auditor reads (`lcspr history`, `lcspr log`); `lcspr audit` (audit.py) checks
the whole walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lcspr import gitops, trail
from lcspr.trail import Decision

NULL = "0" * 40
_ACTION = trail.ACTION.lower()


@dataclass
class Change:
    """One file under cases/ a commit changed: its blobs in each parent, and now."""

    case_id: str
    name: str  # relative to the case folder: case.md, responses/police.md, ...
    before: list[str]  # one per parent; NULL where the file did not exist
    after: str  # NULL when the commit deleted it

    @property
    def path(self) -> str:
        return f"cases/{self.case_id}/{self.name}"


@dataclass
class Commit:
    sha: str
    parents: list[str]
    record: Decision
    signature: str = ""
    changes: list[Change] = field(default_factory=list)  # files under cases/ (with changes=True)
    paths: list[str] = field(default_factory=list)  # every path changed (with changes=True)

    @property
    def is_decision(self) -> bool:
        return self.record.is_decision

    def case_changes(self, name: str = "case.md") -> list[Change]:
        return [c for c in self.changes if c.name == name]


def walk(root: Path, changes: bool = False, signatures: bool = False, paths: list[str] | None = None,
         grep: str | None = None, revisions: str = "HEAD", reasons: bool = True) -> Iterator[Commit]:
    """Every commit reachable from HEAD (or in `revisions`, such as `A..B`), parents
    before children, in one `git log` (only those touching `paths`, or whose message
    matches `grep`, when given). With `reasons` False, only a correction's record
    keeps its reason (the audit reads no other)."""
    # Without reasons only the subject is read (a correction's message is asked for on
    # its own): most of a long history's output is the messages' text.
    fields = ["%H", "%P", "%cn", "%cI"] + (["%G?"] if signatures else []) + ["%(trailers:only,unfold)",
                                                                              "%B" if reasons else "%s"]
    fmt = "%x1e" + "%x1f".join(fields) + "%x1d"
    args = ["log", "--reverse", "--topo-order", f"--format={fmt}"]
    if changes:
        args += ["--raw", "--no-abbrev", "-c", "--no-renames"]
    if grep:
        args += ["--extended-regexp", f"--grep={grep}"]
    args.append(revisions)
    if paths:
        args += ["--full-history", "--", *paths]
    for record in gitops.records(root, args, "\x1e"):
        head, _, raw = record.partition("\x1d")
        parts = head.split("\x1f")
        sha, parents, name, when = parts[:4]
        signature = parts[4] if signatures else ""
        trailers = trail.parse_trailers(parts[-2])
        if reasons:
            subject, body = trail.split_body(parts[-1], bool(trailers))
        elif trailers.get(_ACTION) == [trail.CORRECTION]:
            message = gitops.git(root, "log", "-1", "--format=%B", sha).stdout
            subject, body = trail.split_body(message, True)
        else:
            subject, body = parts[-1].strip(), ""
        decision = Decision.read(subject, body, trailers, commit=sha, recorded_by=name, committed_at=when)
        commit = Commit(sha, parents.split(), decision, signature)
        if changes:
            commit.changes = list(_parse_raw(raw, commit.paths))
        yield commit


def _parse_raw(raw: str, paths: list[str]) -> Iterator[Change]:
    """The changes under cases/ of `git log --raw` output; every path changed goes into `paths`."""
    for line in raw.split("\n"):
        if not line.startswith(":"):
            continue
        meta, _, path = line.partition("\t")
        paths.append(path)
        if not path.startswith("cases/"):
            continue
        case_id, slash, name = path[6:].partition("/")
        if not (case_id and slash and name):
            continue
        if meta[1] != ":":  # one parent: `:mode mode sha sha status`
            fields = meta.split(" ")
            yield Change(case_id, name, [fields[2]], fields[3])
            continue
        colons = len(meta) - len(meta.lstrip(":"))
        fields = meta.lstrip(":").split()
        # `:mode.. sha_parent.. sha_result status`: one mode and one sha per
        # parent, then the result's (combined format for merges).
        shas = fields[colons + 1 : 2 * colons + 2]
        yield Change(case_id, name, shas[:-1], shas[-1])


def as_dict(decision: Decision) -> dict[str, Any]:
    """One decision as `lcspr history --format json` shows it."""
    return {
        "case": decision.case, "action": decision.action, "decided_on": decision.decided_on or decision.recorded_at[:10],
        "from": decision.source, "to": decision.target, "decided_by": decision.decided_by,
        "recorder": decision.recorder, "holder": decision.holder,
        "recorded_by": decision.recorded_by, "recorded_at": decision.recorded_at or decision.committed_at,
        "reason": decision.reason or decision.subject, "commit": decision.commit,
        "requested": decision.requested, "included": decision.included, "sent": decision.sent,
        "approved": [{"file": path, "blob": blob} for path, blob in decision.approved],
        "noted": decision.noted, "corrects": decision.corrects, "findings": decision.findings,
        "agency": decision.agency, "received": decision.received, "moved_to": decision.moved_to,
    }


def entries(root: Path, case_id: str | None = None) -> list[Decision]:
    """The decisions, corrections, receipts of agencies' forms and moves to a new ID
    recorded in Git, oldest first; only `case_id`'s when given."""
    wanted = (*trail.DECISIONS, trail.CORRECTION, trail.RECEIVE)
    found = []
    for commit in walk(root, grep=f"^{trail.ACTION}: "):
        record = commit.record
        # A case moved to a new ID (lcspr reallocate) shows the move under both IDs.
        moved = record.action == trail.REALLOCATE and bool(record.moved_to)
        if (record.action in wanted or moved) and (case_id is None or case_id in (record.case, record.moved_to)):
            found.append(record)
    return found
