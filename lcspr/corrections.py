"""`lcspr correct`: record that an audit finding was examined and put right.

History is never rewritten: a status changed by hand stays in Git for ever, and
so does its finding. A correction is a commit of its own, changing no file, whose
trailers name the commit it answers (`Lcspr-Corrects`) and each finding of that
commit it answers (`Lcspr-Finding: <case> <kind>`), with who recorded it, when
and why. `lcspr audit` then lists those findings as corrected and passes;
`lcspr audit --strict` still fails on them. A correction names one commit and the
findings that commit had when it was recorded, so it can never hide a later one.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lcspr import gitops, records, trail
from lcspr.calendar import parse_iso_date
from lcspr.errors import TransitionRefused, UsageError
from lcspr.repository import Repository
from lcspr.trail import Decision


def correct(repo: Repository, commit: str, reason: str, by: str | None = None, on: str | None = None,
            today: date | None = None) -> Decision:
    """Record, in one commit, that every open finding of `commit` was put right."""
    config = repo.config
    if not reason or not reason.strip():
        raise UsageError("--reason is required: say what was examined and how it was put right.")
    by = by or config.default_role
    records.check_role(config, by)
    allowed = repo.workflow.correctors
    if allowed and by not in allowed:
        raise TransitionRefused(f"{by} may not record a correction; the workflow lets {', '.join(allowed)} do it "
                                "(`corrections: by:` in the workflow).")
    today = today or date.today()
    on = on or today.isoformat()
    if parse_iso_date(on, "--on") > today:
        raise UsageError(f"--on {on} is in the future; give the day it was put right.")
    root = config.root
    with gitops.writing(root):
        sha = _commit_in_history(root, commit)
        from lcspr.audit import audit

        report = audit(repo)
        found = [f for f in report.findings if f.commit == sha]
        open_ = [f for f in found if not f.corrected_by]
        if not open_:
            said = (f"its findings were corrected already (by {found[0].corrected_by[:10]})" if found
                    else "`lcspr audit` finds nothing wrong with it")
            raise UsageError(f"{commit} has no open finding to correct: {said}.")
        cases = sorted({part for f in open_ for part in f.case.split(",") if part})
        keys = list(dict.fromkeys(f.key for f in open_))
        record = Decision(
            action=trail.CORRECTION, case=cases[0] if len(cases) == 1 else "", decided_by=by,
            holder=config.holders.get(by, ""), decided_on=on, recorded_at=gitops.now_utc(), corrects=sha,
            findings=keys, subject=f"Correct {sha[:10]}: {', '.join(dict.fromkeys(f.kind for f in open_))}",
            reason=reason.strip(),
        )
        record.commit = gitops.record_empty(root, record.message(), sign=config.sign)
    return record


def _commit_in_history(root: Path, commit: str) -> str:
    """The full ID of `commit`, which must be in the history of HEAD."""
    if not commit or commit.startswith("-"):
        raise UsageError(f"{commit!r} is not a commit: give its ID as `lcspr audit` shows it.")
    done = gitops.git(root, "rev-parse", "--verify", "-q", f"{commit}^{{commit}}", check=False)
    sha = done.stdout.strip()
    if done.returncode != 0 or not sha:
        raise UsageError(f"there is no commit {commit} in this repository; give an ID as `lcspr audit` shows it.")
    if gitops.git(root, "merge-base", "--is-ancestor", sha, "HEAD", check=False).returncode != 0:
        raise UsageError(f"commit {commit} is not in the history of the current branch; a correction answers "
                         "a commit of the record.")
    return sha
