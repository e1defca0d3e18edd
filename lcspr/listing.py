"""`lcspr list` and `lcspr show`: what the secretariat sees of the cases."""

from __future__ import annotations

from typing import Any

from lcspr import records
from lcspr.errors import LcsprError, UsageError, did_you_mean
from lcspr.repository import Repository

COLUMNS = ("id", "title", "status", "level", "referred_by", "received", "next_deadline")


def case_rows(repo: Repository, status: str | None = None, level: str | None = None) -> list[dict[str, Any]]:
    """One row per case, with its most urgent open deadline; a case whose files cannot
    be read shows as such. Each case is read only when it changed (lcspr.overview)."""
    from lcspr.overview import overviews

    for option, value, known in (("--status", status, repo.workflow.states), ("--level", level, repo.workflow.levels)):
        if value and value not in known:
            raise UsageError(f"{option} {value!r} is not one of the workflow's "
                             f"{'states' if option == '--status' else 'levels'} ({', '.join(known)})"
                             f"{did_you_mean(value, known)}")
    rows = []
    for seen in overviews(repo):
        if seen.problem:  # list shows every case, even one whose files are broken
            rows.append({"id": seen.id, "title": "", "status": "(unreadable)", "level": "",
                         "referred_by": "", "received": "", "next_deadline": "", "problem": seen.problem})
        else:
            rows.append({"id": seen.id, **seen.case, "next_deadline": _describe(seen.due)})
    if status:
        rows = [r for r in rows if r["status"] == status]
    if level:
        rows = [r for r in rows if r["level"] == level]
    return rows


def _describe(due: list[Any]) -> str:
    """The most urgent open deadline in a few words: `2026-12-01 notification (overdue)`."""
    if not due:
        return ""
    first = due[0]
    name = f"{first.deadline} {first.agency}".strip()
    return f"{first.due} {name} ({first.state})"


def show(repo: Repository, case_id: str) -> dict[str, Any]:
    """Everything the case files say, as one mapping (frontmatter per file, bodies left out)."""
    from lcspr import rules
    from lcspr.deadlines import open_deadlines

    case = records.read_case(repo.config, case_id, memo=True)  # an unchanged case parses nothing
    changed: list[str] = []
    if rules.approval_may_exist(repo.workflow, case.data):  # else no approval to look up in Git
        from lcspr.approvals import changed_since_approval

        changed = [note for notes in changed_since_approval(repo, case).values() for note in notes]
    return {
        "id": case_id,
        "path": records.relative(repo.config, case.folder),
        "case": case.data,
        "referral": case.files["referral"].data if "referral" in case.files else None,
        "responses": {agency: md.data for agency, md in case.responses().items()},
        "report": case.files["report"].data if "report" in case.files else None,
        "deadlines": [d.as_dict() for d in open_deadlines(repo.config, repo.workflow, case)],
        "changed_since_approval": changed,
    }
