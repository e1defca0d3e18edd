"""Action plans: the actions (actions.md) that answer a report's recommendations.

Each recommendation in report.md's frontmatter has an ID (R1, R2, ...); each
action in actions.md has the ID of its recommendation, a dot and its own number
(R1.1, R1.2, ...). An action is open while it is not started or in progress; it
is overdue when open after its due date. These checks need both files, so they
run on the whole case (`lcspr validate`), not on one file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from lcspr.records import Case

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.config import Config
    from lcspr.deadlines import Due
    from lcspr.repository import Repository
    from lcspr.validation import Problem
    from lcspr.workflow import Workflow

#: The statuses of an action still to be done.
OPEN = ("not-started", "in-progress")
COMPLETED = "completed"
NOT_ACHIEVED = "not-achieved"


@dataclass(frozen=True)
class Action:
    """One action of a case's action plan, as the register shows it."""

    case: str
    id: str
    recommendation: str
    owner: str
    change: str
    measure: str
    due: str
    status: str
    reason: str
    evidence: str
    completed: str
    reviewed: str

    @property
    def open(self) -> bool:
        return self.status in OPEN

    def overdue_on(self, day: date) -> bool:
        """Open after its due date (an unreadable due date counts as not overdue; validate reports it)."""
        due = _day(self.due)
        return self.open and due is not None and due < day

    def open_on(self, day: date) -> bool:
        """Still open at the end of `day`: open now, or completed after it."""
        if self.open:
            return True
        finished = _day(self.completed)
        return self.status == COMPLETED and finished is not None and finished > day


def recommendation_of(action_id: str) -> str:
    """`R1.2` → `R1`."""
    return action_id.split(".", 1)[0]


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def recommendations(case: Case) -> list[dict[str, Any]]:
    """report.md's recommendations, as written (entries that are not mappings left out)."""
    md = case.files.get("report")
    found = md.data.get("recommendations") if md is not None else None
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def actions(case: Case) -> list[Action]:
    """The actions of actions.md, in the order written (entries without an ID left out)."""
    md = case.files.get("actions")
    found = md.data.get("actions") if md is not None else None
    if not isinstance(found, list):
        return []
    out = []
    for entry in found:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue

        def text(key: str, entry: dict[str, Any] = entry) -> str:
            value = entry.get(key)
            return "" if value is None else str(value)

        out.append(Action(case.id, text("id"), recommendation_of(text("id")), text("owner"), text("change"),
                          text("measure"), text("due"), text("status"), text("reason"), text("evidence"),
                          text("completed"), text("reviewed")))
    return out


def check(case: Case) -> list[Problem]:
    """What no schema can see: recommendation IDs used twice in report.md, and in
    actions.md an action for a recommendation the report does not make, an action
    ID used twice, a status without what it needs."""
    from lcspr.validation import Problem

    problems: list[Problem] = []
    report = case.files.get("report")
    known: dict[str, int] = {}
    if report is not None:
        made = report.data.get("recommendations")
        for i, rec in enumerate(made if isinstance(made, list) else []):
            rid = rec.get("id") if isinstance(rec, dict) else None
            if not isinstance(rid, str):
                continue
            where = ("recommendations", i, "id")
            if rid in known:
                problems.append(Problem(report.display, report.line_of(where), f"recommendations[{i}].id",
                                        f"{rid} is used twice (first for recommendations[{known[rid]}]): give "
                                        "each recommendation its own ID"))
            else:
                known[rid] = i
    plan = case.files.get("actions")
    if plan is None:
        return problems
    entries = plan.data.get("actions")
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        aid = entry.get("id")

        def at(key: str, message: str, i: int = i) -> Problem:
            return Problem(plan.display, plan.line_of(("actions", i, key)), f"actions[{i}].{key}", message)

        if isinstance(aid, str) and "." in aid:
            rid = recommendation_of(aid)
            if aid in seen:
                problems.append(at("id", f"{aid} is used twice (first for actions[{seen[aid]}]): number each "
                                         f"action of {rid} once (R1.1, R1.2, ...)"))
            else:
                seen[aid] = i
            if rid not in known:
                listed = ", ".join(known) if known else "none"
                problems.append(at("id", f"{aid} answers {rid}, which report.md does not make (its "
                                         f"recommendations: {listed}): correct the ID or add {rid} to report.md"))
        status = entry.get("status")
        if status == NOT_ACHIEVED and not entry.get("reason"):
            problems.append(at("status", "an action not achieved needs its `reason`: say why"))
        if status == COMPLETED and not entry.get("completed"):
            problems.append(at("status", "a completed action needs the date it was `completed`"))
        if entry.get("completed") and status != COMPLETED:
            problems.append(at("completed", f"gives a completion date but the status is {status!r}: set the "
                                            "status to completed, or remove the date"))
    return problems


def is_terminal(workflow: Workflow, status: str) -> bool:
    """True in a state the workflow leads nowhere from (a closed case): its actions are no longer tracked."""
    return status in workflow.states and not workflow.transitions_from(status)


def open_deadlines(config: Config, workflow: Workflow, case: Case, status: str, on_hold: dict[str, Any] | None,
                   today: date) -> list[Due]:
    """Each open action as a deadline of `lcspr due` (delayed while the case is on hold)."""
    from lcspr.deadlines import Due, calendar_for

    if is_terminal(workflow, status):
        return []
    cal = calendar_for(config)
    found = []
    for action in actions(case):
        due = _day(action.due)
        if not action.open or due is None:
            continue
        state = "delayed" if on_hold is not None else ("overdue" if due < today else "open")
        note = ""
        if on_hold is not None:
            note = f"on hold since {on_hold.get('since', '?')}: {on_hold.get('reason', '')}".strip()
        found.append(Due(case.id, f"action {action.id}", f"Action {action.id}: {action.change}", action.due,
                         cal.working_days_between(today, due), state, "actions.md", "The case's action plan "
                         "(actions.md)", action.owner, note))
    return found


def closed_or_explained(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    """The open actions that stand in the way of closing, unless the LIG recorded why."""
    still_open = [a.id for a in actions(case) if a.open]
    reason = (data.get("action_plan") or {}).get("open_actions_reason") if isinstance(
        data.get("action_plan"), dict) else None
    if not still_open or (isinstance(reason, str) and reason.strip()):
        return []
    return [f"actions.md has open actions ({', '.join(still_open)}): complete them, mark them not achieved with "
            "a reason, or record why the case may close with them open: "
            "--set 'action_plan.open_actions_reason=...'"]
