"""The statutory clock: which deadlines are open for a case, and when they fall.

Deadlines are workflow data (see the `deadlines:` list of workflow.yaml): each
counts from a case.md date field, runs for working days (England's bank
holidays, from the `holidays` package) or calendar months, and stops when its
`done` field is set or the case enters one of its `stops_at` states. A case
on hold shows its deadlines as delayed, not overdue.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from lcspr import actions, rules
from lcspr.calendar import WorkingCalendar, add_months, parse_iso_date
from lcspr.config import Config
from lcspr.errors import InvalidDate
from lcspr.records import Case

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.repository import Repository
    from lcspr.workflow import DeadlineSpec, Workflow

ON_HOLD = "on-hold"


#: The state of a row for a case whose files cannot be read: its deadlines are unknown.
UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Due:
    """One open deadline of one case."""

    case: str
    deadline: str
    title: str
    due: str
    working_days_left: int
    state: str  # "open", "overdue" or "delayed" (the case is on hold)
    counts_from: str
    rule: str
    agency: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def label(self) -> str:
        return f"{self.title} ({self.agency})" if self.agency else self.title


def calendar_for(config: Config) -> WorkingCalendar:
    return WorkingCalendar(division=config.division)


def _setting(config: Config, name: str) -> Any:
    return getattr(config, name)


def _length(config: Config, spec: DeadlineSpec) -> tuple[str, int]:
    """('working_days' | 'months', n) with settings resolved and `before` as a negative n."""
    unit = "working_days" if "working_days" in spec else "months"
    raw = spec["working_days"] if unit == "working_days" else spec["months"]
    if isinstance(raw, dict):
        n = int(_setting(config, raw["setting"]))
        return unit, -n if raw.get("before") else n
    return unit, int(raw)


def _from_field(config: Config, spec: DeadlineSpec) -> str:
    source = spec["from"]
    if isinstance(source, dict):
        return str(source[_setting(config, source["setting"])])
    return str(source)


def open_deadlines(config: Config, workflow: Workflow, case: Case, data: dict[str, Any] | None = None,
                   status: str | None = None, today: date | None = None) -> list[Due]:
    """The deadlines open for `case` (its data and status may be given as they would be
    after a decision), soonest first."""
    data = case.data if data is None else data
    status = str(data.get("status", "")) if status is None else status
    today = today or date.today()
    cal = calendar_for(config)
    hold = data.get("on_hold") if status == ON_HOLD else None
    result = []
    for spec in workflow.deadlines:
        if status in spec.get("stops_at", []):
            continue
        if spec.get("levels") and data.get("level") not in spec["levels"]:
            continue
        field = _from_field(config, spec)
        start = rules.get(data, field)
        if not rules.is_set(start):
            continue
        try:
            day0 = parse_iso_date(str(start), field)
        except InvalidDate:
            continue  # `lcspr validate` reports the date itself
        unit, n = _length(config, spec)
        due = cal.add_working_days(day0, n) if unit == "working_days" else add_months(day0, n)
        for agency in _agencies(spec, case, data):
            if _done(spec, case, data, agency):
                continue
            left = cal.working_days_between(today, due)
            state = "delayed" if hold is not None else ("overdue" if due < today else "open")
            note = ""
            if hold is not None:
                note = f"on hold since {hold.get('since', '?')}: {hold.get('reason', '')}".strip()
            result.append(Due(case.id, spec["id"], spec["title"], due.isoformat(), left, state, field,
                              spec["rule"], agency, note))
    result.extend(actions.open_deadlines(config, workflow, case, status, hold, today))
    return sorted(result, key=lambda d: (d.state == "delayed", d.due, d.case, d.deadline, d.agency))


@dataclass(frozen=True)
class Step:
    """One statutory step of a case as its case.md records it: when its clock
    started, when it fell due, and when it was done (None while it is not)."""

    deadline: str
    title: str
    start: date
    due: date
    done: date | None
    unit: str  # "working_days" or "months"
    length: int  # working days (negative: before the start) or months

    @property
    def target(self) -> str:
        """The length in words: `5 working days`, `6 months`, `7 working days before`."""
        n = abs(self.length)
        words = f"{n} working day{'s' * (n != 1)}" if self.unit == "working_days" else f"{n} month{'s' * (n != 1)}"
        return words + (" before" if self.length < 0 else "")

    def taken(self, config: Config) -> int | None:
        """Working days (a working-day step) or calendar days (a step in months) from
        its start to when it was done; None while it is not done."""
        if self.done is None:
            return None
        if self.unit == "working_days":
            return calendar_for(config).working_days_between(self.start, self.done)
        return (self.done - self.start).days

    def met(self, today: date) -> bool | None:
        """True when done by its due date, False when done late or overdue, None while it still may be met."""
        if self.done is not None:
            return self.done <= self.due
        return False if self.due < today else None


def target(config: Config, workflow: Workflow, deadline: str) -> str | None:
    """The length of the workflow's deadline `deadline` in words (`5 working days`), or None without one."""
    spec = next((s for s in workflow.deadlines if s.get("id") == deadline), None)
    if spec is None:
        return None
    unit, n = _length(config, spec)
    return Step(deadline, str(spec["title"]), date.min, date.min, None, unit, n).target


def step(config: Config, workflow: Workflow, data: dict[str, Any], deadline: str) -> Step | None:
    """The step of the workflow's deadline `deadline` for a case's data, or None when the
    workflow has no such deadline, it does not apply to the case, or its start is not set.
    Only a deadline done by a case.md field is a step (not one per agency)."""
    spec = next((s for s in workflow.deadlines if s.get("id") == deadline), None)
    if spec is None or spec.get("per") or ":" in str(spec.get("done", "")):
        return None
    if spec.get("levels") and data.get("level") not in spec["levels"]:
        return None
    field = _from_field(config, spec)
    try:
        start = parse_iso_date(str(rules.get(data, field)), field) if rules.is_set(rules.get(data, field)) else None
        finished = rules.get(data, str(spec["done"]))
        done = parse_iso_date(str(finished), str(spec["done"])) if rules.is_set(finished) else None
    except InvalidDate:
        return None  # `lcspr validate` reports the date itself
    if start is None:
        return None
    unit, n = _length(config, spec)
    due = calendar_for(config).add_working_days(start, n) if unit == "working_days" else add_months(start, n)
    return Step(deadline, str(spec["title"]), start, due, done, unit, n)


def _agencies(spec: DeadlineSpec, case: Case, data: dict[str, Any]) -> list[str]:
    if spec.get("per") == "agency":
        return list(data.get("agencies_involved") or [])
    return [""]


def _done(spec: DeadlineSpec, case: Case, data: dict[str, Any], agency: str) -> bool:
    kind, _, field = str(spec["done"]).rpartition(":")
    if kind == "response":
        response = case.responses().get(agency)
        return response is not None and rules.is_set(rules.get(response.data, field))
    if kind:
        md = case.files.get(kind)
        return md is not None and rules.is_set(rules.get(md.data, field))
    return rules.is_set(rules.get(data, field))


def needed_kinds(workflow: Workflow) -> set[str]:
    """The case files the deadlines read: case.md, actions.md, and whatever file a `done` names."""
    return {"case", "actions"} | {str(spec["done"]).rpartition(":")[0] for spec in workflow.deadlines} - {""}


def all_due(repo: Repository, today: date | None = None, within: int | None = None) -> list[Due]:
    """Every open deadline of every case, most urgent first; `within` keeps those
    due within that many working days (overdue and delayed ones always show)."""
    from lcspr import records

    today = today or date.today()
    found: list[Due] = []
    from lcspr.errors import LcsprError

    for case_id in records.case_ids(repo.config):
        try:
            case = records.read_case(repo.config, case_id, needed_kinds(repo.workflow))
            found.extend(open_deadlines(repo.config, repo.workflow, case, today=today))
        except LcsprError as exc:  # one broken case must not hide every other case's deadlines
            found.append(Due(case_id, "", "(cannot be read)", "", 0, UNREADABLE, "", "", note=str(exc)))
    if within is not None:
        found = [d for d in found if d.state != "open" or d.working_days_left <= within]
    return sorted(found, key=lambda d: (d.state != UNREADABLE, d.state == "delayed", d.due, d.case, d.deadline,
                                        d.agency))


def changes(before: list[Due], after: list[Due]) -> tuple[list[Due], list[Due]]:
    """(started, stopped) deadlines between two sets of open deadlines."""
    old = {(d.deadline, d.agency): d for d in before}
    new = {(d.deadline, d.agency): d for d in after}
    return [d for k, d in new.items() if k not in old], [d for k, d in old.items() if k not in new]
