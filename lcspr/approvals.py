"""Which files each document's last approval pinned, and which of them changed since:
what `show` and `next` say of a case whose document was approved.

An approving decision records the blob of every file of the approved document
(`Lcspr-Approved`). Here the approvals are read from the case's decisions'
trailers alone; `advance` builds on the audited record instead
(`audit.case_trail`), and the audit checks the trailers.

The decisions read are kept in `.git/lcspr/memo/` (`read_memo`) with the
commit they were read up to, so the next `show` reads only the commits made
since: its cost follows what changed, not the length of the history. A kept
commit that is no longer in the history (a rewritten branch) means the whole
history is read again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from lcspr import gitops, read_memo
from lcspr.records import REPORT_FILE, RESPONSES_DIR, Case

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.history import Commit
    from lcspr.repository import Repository


class Pinned(Protocol):
    """The last approval of each document kind (an `Approvals`, or the audit's `CaseTrail`)."""

    approved: dict[str, dict[str, str]]
    approved_on: dict[str, str]


@dataclass
class Approvals:
    """The last approval of each document kind: its files' blobs, its day and its commit."""

    #: kind -> {file in the case folder: blob}
    approved: dict[str, dict[str, str]] = field(default_factory=dict)
    approved_on: dict[str, str] = field(default_factory=dict)
    approved_in: dict[str, str] = field(default_factory=dict)


def approved_files(kind: str, names: list[str]) -> list[str]:
    """The files (relative to the case folder) a document of `kind` is made from:
    for the report, report.md and every agency's response (the merged chronology)."""
    if kind == "report":
        return [REPORT_FILE] + sorted(n for n in names if n.startswith(f"{RESPONSES_DIR}/") and n.endswith(".md"))
    return []


def changed_since_approval(repo: Repository, case: Case, trail_of: Pinned | None = None) -> dict[str, list[str]]:
    """Per approved document kind, a note for each of its files changed since the last
    approval ("report.md changed since approval on 2026-10-20"); empty when nothing
    changed. `trail_of` is the audited record of the case (`audit.case_trail`);
    without it, the approvals are read from the case's decisions' trailers alone."""
    from lcspr import rules

    if trail_of is None and not rules.approval_may_exist(repo.workflow, case.data):
        return {}  # no approving move has written its fields: no approval to read from Git
    trail_of = trail_of or recorded_approvals(repo, case.id)
    notes: dict[str, list[str]] = {}
    for kind, pinned in trail_of.approved.items():
        names = approved_files(kind, case.names())
        now = dict(zip(names, gitops.blob_ids(repo.root, [case.folder / n for n in names])))
        for name in sorted(set(names) | set(pinned)):
            if now.get(name) != pinned.get(name):
                verb = "changed" if name in now and name in pinned else ("was added" if name in now else "was removed")
                notes.setdefault(kind, []).append(f"{name} {verb} since approval on {trail_of.approved_on.get(kind, '?')}")
    return notes


def recorded_approvals(repo: Repository, case_id: str) -> Approvals:
    """The last approval of each document kind, as the case's decisions record it
    (`Lcspr-Approved`), without auditing the history."""
    found = Approvals()
    for record in _approving_decisions(repo, case_id):
        for transition in repo.workflow.transitions_from(record["source"]):
            if transition.target == record["target"]:
                for kind in transition.approves:
                    found.approved[kind] = dict(record["approved"])
                    found.approved_on[kind] = record["decided_on"]
                    found.approved_in[kind] = record["commit"]
    return found


def _approving_decisions(repo: Repository, case_id: str) -> list[dict[str, Any]]:
    """The case's decisions that record approved files, oldest first, as plain data
    (which of them approve what is the workflow's to say, and is worked out each time)."""
    from lcspr import trail

    def pick(commit: Commit) -> dict[str, Any] | None:
        record = commit.record
        if record.case != case_id or not record.approved:
            return None
        return {"commit": record.commit, "source": record.source, "target": record.target,
                "approved": dict(record.approved), "decided_on": record.decided_on}

    return read_memo.commits_since(repo.root, f"{case_id}.approvals", f"^{trail.CASE}: {re.escape(case_id)}$",
                                   pick, _plausible)


def _plausible(record: dict[str, Any]) -> bool:
    """Whether a kept decision has the shape `pick` gives it (else all are read again)."""
    return all(isinstance(record.get(k), str) for k in ("commit", "source", "target", "decided_on")) \
        and isinstance(record.get("approved"), dict) and all(isinstance(v, str) for v in record["approved"].values())
