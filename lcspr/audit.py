"""`lcspr audit`: prove from Git alone that every status was reached by a legal, recorded decision.

One `git log` walk (history.walk) gives every commit with the case.md blobs it
changed; one `git cat-file --batch` process (through GitPython) reads those
blobs. For each commit that changed a case's status, the trailers must agree
with the diff and the move must be a transition of the workflow.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lcspr import gitops, history, mdfile
from lcspr.errors import GitError
from lcspr.history import Commit
from lcspr.repository import Repository
from lcspr.workflow import ANY_STATE

_NULL = "0" * 40
#: Actions that record something other than a decision: starting the
#: repository, and moving a case that two branches opened under one ID.
_BOOKKEEPING = ("init", "reallocate")
_REQUIRED_TRAILERS = {
    "new-case": ("Lcspr-Case", "Lcspr-To", "Lcspr-Recorded-At"),
    "import": ("Lcspr-Case", "Lcspr-To", "Lcspr-Recorded-At"),
    "advance": ("Lcspr-Case", "Lcspr-From", "Lcspr-To", "Lcspr-Decided-By", "Lcspr-Recorded-At"),
}


@dataclass(frozen=True)
class Finding:
    """One break in the trail, by commit."""

    commit: str
    case: str
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.commit[:10]} {self.case or '-'}: {self.kind}: {self.message}"


@dataclass
class AuditReport:
    commits: int
    decisions: int
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {"commits": self.commits, "decisions": self.decisions, "ok": self.ok,
                "findings": [asdict(f) for f in self.findings]}


@contextmanager
def _blobs(root: Path) -> Iterator[Any]:
    """A reader of blob contents by hex ID, backed by one persistent cat-file process."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k in gitops._REDIRECTING}
    import git

    repo = git.Repo(root)
    try:
        def read(sha: str) -> str:
            return repo.odb.stream(bytes.fromhex(sha)).read().decode("utf-8", errors="replace")

        yield read
    finally:
        repo.close()
        os.environ.update(saved)


def audit(repo: Repository) -> AuditReport:
    """Walk the whole history once and report every break in the decision trail."""
    root = repo.root
    findings: list[Finding] = []
    latest: dict[str, str] = {}  # commit -> latest Lcspr-Recorded-At on its ancestry
    commits = decisions = 0
    parsed: dict[str, tuple[str | None, dict[str, Any] | None, str | None]] = {}

    with _blobs(root) as read:

        def state(sha: str, case_id: str) -> tuple[str | None, dict[str, Any] | None, str | None]:
            """(status, data, problem) of a case.md blob; (None, None, None) for no file."""
            if sha == _NULL:
                return None, None, None
            if sha not in parsed:
                try:
                    md = mdfile.parse(read(sha), Path("case.md"), f"cases/{case_id}/case.md")
                    status = md.data.get("status")
                    parsed[sha] = (str(status) if status is not None else None, md.data, None)
                except Exception as exc:  # an unreadable file is itself a finding
                    parsed[sha] = (None, None, str(exc))
            return parsed[sha]

        if repo.config.sign:
            _check_can_verify(root)
        for commit in history.walk(root, changes=True, signatures=repo.config.sign):
            commits += 1
            decisions += commit.is_decision
            findings.extend(_check_commit(repo, commit, state, latest))
    return AuditReport(commits, decisions, findings)


def _check_commit(repo: Repository, commit: Commit, state: Any, latest: dict[str, str]) -> list[Finding]:
    found: list[Finding] = []
    sha = commit.sha
    action = commit.trailer("Lcspr-Action")
    trailer_case = commit.trailer("Lcspr-Case") or ""

    def add(case: str, kind: str, message: str) -> None:
        found.append(Finding(sha, case, kind, message))

    recorded = commit.trailer("Lcspr-Recorded-At")
    before = max((latest.get(p, "") for p in commit.parents), default="")
    if recorded:
        if before and recorded < before:
            add(trailer_case, "time-order", f"Lcspr-Recorded-At {recorded} is earlier than its parent's ({before})")
        latest[sha] = max(before, recorded)
    else:
        latest[sha] = before

    if action is not None and action not in (*history.ACTIONS, *_BOOKKEEPING):
        add(trailer_case, "broken-trailers", f"unknown Lcspr-Action {action!r}")
    if action in _REQUIRED_TRAILERS:
        absent = [k for k in _REQUIRED_TRAILERS[action] if not commit.trailer(k)]
        if absent:
            add(trailer_case, "broken-trailers", f"{action} commit lacks {', '.join(absent)}")
        if recorded and not _is_timestamp(recorded):
            add(trailer_case, "broken-trailers", f"Lcspr-Recorded-At {recorded!r} is not a UTC time like 2026-11-26T14:03:11Z")
    if repo.config.sign and commit.is_decision and commit.signature != "G":
        code = commit.signature or "N"
        kind = "unsigned" if code == "N" else "bad-signature"
        add(trailer_case, kind, f"sign = true, but this decision commit {_SIGNATURE_WORDS.get(code, 'has a signature Git cannot check')} (git log %G? = {code})")
    if commit.is_decision and trailer_case:
        outside = [p for p in commit.paths if not p.startswith(f"cases/{trailer_case}/")]
        if outside:
            add(trailer_case, "trailers-disagree",
                f"a decision on {trailer_case} also changes {', '.join(outside)}; a decision commit holds only its case's folder")

    moves = []
    for change in commit.changes:
        after_status, _, problem = state(change.after, change.case_id)
        before_states = [state(b, change.case_id) for b in change.before]
        if problem:
            add(change.case_id, "unreadable", problem)
            continue
        if change.after == _NULL:
            add(change.case_id, "vanished", f"cases/{change.case_id}/case.md was deleted; a case's files must stay in the record")
            continue
        if len(commit.parents) > 1:
            if after_status not in [s for s, _, _ in before_states]:
                add(change.case_id, "hand-edit", f"the merge set status {after_status!r}, which neither side recorded")
            continue
        before_status, before_data, _ = before_states[0] if before_states else (None, None, None)
        if before_status != after_status:
            moves.append((change.case_id, before_status, after_status, before_data or {}))

    if commit.is_decision and len(moves) > 1:
        add(",".join(m[0] for m in moves), "several-cases",
            f"one decision commit changes the status of {', '.join(m[0] for m in moves)}; "
            "a decision records one case")
        # The case the trailers name is still checked; the others were changed without their own decision.
        moves = [m for m in moves if m[0] == trailer_case] or moves[:1]
    for case_id, source, target, earlier in moves:
        found.extend(_check_move(repo, commit, case_id, source, target, earlier))
    if commit.is_decision and not moves and action not in _BOOKKEEPING:
        add(trailer_case, "trailers-disagree", f"a {action} commit that changes no case's status")
    return found


def _check_move(repo: Repository, commit: Commit, case_id: str, source: str | None, target: str | None,
                before: dict[str, Any]) -> list[Finding]:
    """Findings on one status change; `before` is case.md's data before the commit
    (a resume is legal only to the state recorded when the case was put on hold)."""
    workflow = repo.workflow
    action = commit.trailer("Lcspr-Action")
    found = []

    def add(kind: str, message: str) -> None:
        found.append(Finding(commit.sha, case_id, kind, message))

    if action not in history.ACTIONS:
        if source is None:
            add("hand-edit", f"case.md added at status {target} without a decision (no Lcspr trailers); "
                             "cases enter the record with `lcspr new-case` or `lcspr import`")
        else:
            add("hand-edit", f"status changed from {source} to {target} without a decision (no Lcspr trailers)")
        return found
    said = (commit.trailer("Lcspr-Case"), commit.trailer("Lcspr-From"), commit.trailer("Lcspr-To"))
    if said[0] != case_id:
        add("trailers-disagree", f"trailers name case {said[0]} but the commit changes {case_id}")
        return found
    if action == "advance" and (said[1] != source or said[2] != target):
        add("trailers-disagree", f"trailers say {said[1]} -> {said[2]} but case.md changed {source} -> {target}")
        return found
    if action in ("new-case", "import"):
        if source is not None:
            add("trailers-disagree", f"a {action} commit for a case that already existed ({source} -> {target})")
        elif said[2] != target:
            add("trailers-disagree", f"trailers say the case opened as {said[2]} but case.md says {target}")
        elif action == "new-case" and target != workflow.initial:
            add("illegal-step", f"a new case opens as {workflow.initial}, not {target}")
        return found
    legal = False
    for transition in workflow.transitions_from(source or ""):
        if transition.target == target:
            legal = True
        elif transition.resume and transition.target == ANY_STATE:
            previous = _hold_previous(before)
            legal = legal or previous == target
    if target not in workflow.states:
        add("illegal-step", f"{target!r} is not a state of the workflow")
    elif not legal:
        add("illegal-step", f"{source} -> {target} is not a step of the workflow (a skipped or illegal step)")
    else:
        decided_by = commit.trailer("Lcspr-Decided-By")
        allowed = {r for t in workflow.transitions_from(source or "") if t.target in (target, ANY_STATE) for r in t.by}
        if decided_by and decided_by not in allowed:
            add("illegal-step", f"{decided_by} may not decide {source} -> {target} (decided by {', '.join(sorted(allowed))})")
    return found


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


def _hold_previous(data: dict[str, Any]) -> str | None:
    hold = data.get("on_hold")
    return hold.get("previous") if isinstance(hold, dict) else None


def _is_timestamp(value: str) -> bool:
    import re

    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", value))
