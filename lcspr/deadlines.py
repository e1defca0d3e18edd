"""The statutory clock: which deadlines are open for a case, and when they fall.

Deadlines are workflow data (see the `deadlines:` list of workflow.yaml): each
counts from a case.md date field, runs for working days (England's bank
holidays, from the `holidays` package) or calendar months, and stops when its
`done` field is set or the case enters one of its `stops_at` states. A case
on hold (in a state a `hold: true` move enters) shows its deadlines as delayed,
not overdue. A deadline with `extends_on_hold: true` moves by the days the case
has spent on hold, or to the revised date its `revised_by` field holds (agreed
with the National Panel); the original date stays in the row. A deadline with a
`late:` field is recorded there when the decision that meets it is late, and
shown as met late until the case passes its `stops_at` states.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from lcspr import rules
from lcspr.calendar import WorkingCalendar, add_months, parse_iso_date
from lcspr.config import Config
from lcspr.errors import InvalidDate
from lcspr.records import Case

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.repository import Repository
    from lcspr.workflow import DeadlineSpec, Workflow

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
    state: str  # "open", "overdue", "delayed" (the case is on hold) or "late" (met late)
    counts_from: str
    rule: str
    agency: str = ""
    note: str = ""
    #: The date before time on hold (or a revised timescale) moved it; "" when it did not move.
    original_due: str = ""

    def as_dict(self) -> dict[str, Any]:
        # Every field is text or a whole number: no deep copy (asdict) is needed.
        return {name: getattr(self, name) for name in DUE_FIELDS}

    @property
    def label(self) -> str:
        return f"{self.title} ({self.agency})" if self.agency else self.title


#: The names of Due's fields, in order.
DUE_FIELDS = tuple(f.name for f in fields(Due))


def calendar_for(config: Config) -> WorkingCalendar:
    division = config.division
    # Anything but text is refused by WorkingCalendar itself (ConfigError), never kept.
    return _calendar(division) if isinstance(division, str) else WorkingCalendar(division=division)


@functools.lru_cache(maxsize=8)
def _calendar(division: str) -> WorkingCalendar:
    """One calendar per division, made once: it is frozen, and every deadline of every case asks for it."""
    return WorkingCalendar(division=division)


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
    after a decision), soonest first; with those met late, until the case passes them."""
    data = case.data if data is None else data
    status = workflow.canonical(str(data.get("status", "")) if status is None else status)
    today = today or date.today()
    cal = calendar_for(config)
    hold = data.get("on_hold") if status in workflow.hold_states else None
    hold = hold if isinstance(hold, dict) else ({} if hold is not None else None)
    result = []
    for spec in workflow.deadlines:
        if status in spec.get("stops_at", []):
            continue
        if spec.get("levels") and data.get("level") not in spec["levels"]:
            continue
        when = due_date(config, spec, data, today)
        if when is None:
            continue
        due, original, field = when
        for agency in _agencies(spec, case, data):
            late = spec.get("late") and rules.get(data, str(spec["late"])) is True
            if _done(spec, case, data, agency) and not late:
                continue
            left = cal.working_days_between(today, due)
            if late:
                state = "late"
                done = rules.get(data, str(spec["done"]))
                note = f"met late: done {done}, due {due.isoformat()}"
            else:
                state = "delayed" if hold is not None else ("overdue" if due < today else "open")
                note = ""
            if hold is not None:
                note = "; ".join(n for n in (note, _hold_note(hold)) if n)
            if original:
                moved = f"originally due {original}"
                note = "; ".join(n for n in (note, moved) if n)
            result.append(Due(case.id, spec["id"], spec["title"], due.isoformat(), left, state, field,
                              spec["rule"], agency, note, original))
    if "actions" in case.files:  # the action plan; a case without one loads nothing of it
        from lcspr import actions

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
    when = due_date(config, spec, data)
    if when is None:
        return None
    unit, n = _length(config, spec)
    return Step(deadline, str(spec["title"]), start, when[0], done, unit, n)


def _hold_note(hold: dict[str, Any]) -> str:
    note = f"on hold since {hold.get('since', '?')}: {str(hold.get('reason', '')).rstrip('.')}"
    if rules.is_set(hold.get("expected_resumption")):
        note += f"; expected to resume {hold['expected_resumption']}"
    return note


def due_date(config: Config, spec: DeadlineSpec, data: dict[str, Any],
             today: date | None = None) -> tuple[date, str, str] | None:
    """When one deadline falls for case.md `data`: (due date, the original date when time
    on hold or a revised timescale moved it else "", the field it counts from), or None
    when the date it counts from is not set (or not a date: `lcspr validate` says so)."""
    field = _from_field(config, spec)
    start = rules.get(data, field)
    if not rules.is_set(start):
        return None
    try:
        day0 = parse_iso_date(str(start), field)
    except InvalidDate:
        return None
    unit, n = _length(config, spec)
    cal = calendar_for(config)
    due = cal.add_working_days(day0, n) if unit == "working_days" else add_months(day0, n)
    if not spec.get("extends_on_hold"):
        return due, "", field
    moved = due
    revised = rules.get(data, str(spec["revised_by"])) if spec.get("revised_by") else None
    if rules.is_set(revised):
        try:
            moved = parse_iso_date(str(revised), str(spec["revised_by"]))
        except InvalidDate:
            pass
    else:
        moved = due + timedelta(days=days_held(data, today or date.today()))
    return moved, (due.isoformat() if moved != due else ""), field


def days_held(data: dict[str, Any], today: date, held: bool | None = None) -> int:
    """Calendar days on hold so far: those recorded at resumptions (`on_hold.days`), and,
    while the case is on hold, the days of this hold up to today. `held` says whether it
    is (a resume decision knows); None: on hold when a hold began after the last resumption."""
    hold = data.get("on_hold")
    if not isinstance(hold, dict):
        return 0
    days = hold.get("days")
    total = days if isinstance(days, int) and not isinstance(days, bool) else 0
    since, resumed = hold.get("since"), hold.get("resumed")
    if held is None:
        held = not rules.is_set(resumed) or str(resumed) < str(since)
    if held and rules.is_set(since):
        try:
            total += max((today - parse_iso_date(str(since), "on_hold.since")).days, 0)
        except InvalidDate:
            pass
    return total


def met_late(config: Config, workflow: Workflow, before: dict[str, Any], after: dict[str, Any],
             today: date | None = None) -> list[tuple[DeadlineSpec, str, str]]:
    """The deadlines with a `late:` field that a decision turning case.md `before` into
    `after` meets after their due date: (the deadline, its due date, the day it was met).
    Computed from the data after the decision, so a planned publication date given with
    the decision itself counts."""
    found = []
    for spec in workflow.deadlines:
        if not spec.get("late") or ":" in str(spec["done"]):
            continue
        done = rules.get(after, str(spec["done"]))
        if not rules.is_set(done) or rules.get(before, str(spec["done"])) == done:
            continue
        if spec.get("levels") and after.get("level") not in spec["levels"]:
            continue
        when = due_date(config, spec, after, today)
        if when is not None and str(done) > when[0].isoformat():
            found.append((spec, when[0].isoformat(), str(done)))
    return found


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
    due within that many working days (overdue and delayed ones always show). Each
    case is read only when it changed (lcspr.overview)."""
    from lcspr.overview import overviews

    found: list[Due] = []
    for seen in overviews(repo, today):
        found.extend(seen.due)
        if seen.problem:  # one broken case must not hide every other case's deadlines
            found.append(Due(seen.id, "", "(cannot be read)", "", 0, UNREADABLE, "", "", note=seen.problem))
    if within is not None:
        found = [d for d in found if d.state != "open" or d.working_days_left <= within]
    return sorted(found, key=lambda d: (d.state != UNREADABLE, d.state == "delayed", d.due, d.case, d.deadline,
                                        d.agency))


def changes(before: list[Due], after: list[Due]) -> tuple[list[Due], list[Due]]:
    """(started, stopped) deadlines between two sets of open deadlines."""
    old = {(d.deadline, d.agency): d for d in before}
    new = {(d.deadline, d.agency): d for d in after}
    return [d for k, d in new.items() if k not in old], [d for k, d in old.items() if k not in new]
