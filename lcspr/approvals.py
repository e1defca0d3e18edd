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


#: The memo's one key: the decisions that carry approved files, with the commit read up to.
_KEY = "approving-decisions"


def _approving_decisions(repo: Repository, case_id: str) -> list[dict[str, Any]]:
    """The case's decisions that record approved files, oldest first, as plain data
    (which of them approve what is the workflow's to say, and is worked out each time)."""
    root = repo.root
    head = gitops.git(root, "rev-parse", "-q", "--verify", "HEAD", check=False).stdout.strip()
    if not head:
        return []
    memo = read_memo.Memo(root, f"{case_id}.approvals")
    kept = memo.latest(_KEY)
    read_to, found = kept if kept is not None and _plausible(kept[1]) else ("", [])
    if read_to == head:
        return found
    revisions = "HEAD"
    if read_to and re.fullmatch(r"[0-9a-f]{40,64}", read_to) and \
            gitops.git(root, "merge-base", "--is-ancestor", read_to, head, check=False).returncode == 0:
        revisions = f"{read_to}..{head}"  # only what is new; else (a rewritten branch) all again
    else:
        found = []
    found = found + _read(repo, case_id, revisions)
    memo.put(_KEY, head, found)
    memo.save()
    return found


def _plausible(records: Any) -> bool:
    """Whether kept decisions have the shape `_read` gives them (else they are read again)."""
    return isinstance(records, list) and all(
        isinstance(r, dict) and all(isinstance(r.get(k), str) for k in ("commit", "source", "target", "decided_on"))
        and isinstance(r.get("approved"), dict) and all(isinstance(v, str) for v in r["approved"].values())
        for r in records)


def _read(repo: Repository, case_id: str, revisions: str) -> list[dict[str, Any]]:
    from lcspr import history, trail

    found = []
    for commit in history.walk(repo.root, grep=f"^{trail.CASE}: {re.escape(case_id)}$", revisions=revisions,
                               reasons=False):
        record = commit.record
        if record.case == case_id and record.approved:
            found.append({"commit": record.commit, "source": record.source, "target": record.target,
                          "approved": dict(record.approved), "decided_on": record.decided_on})
    return found
