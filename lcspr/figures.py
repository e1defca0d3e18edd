"""`lcspr figures`: what a yearly report and the National Panel ask for, over a period.

Every figure names the cases it counts, so each can be traced (`--explain`).
Dates come from the case files, as the register reads them (lcspr.register).
A case whose files are invalid is not counted; it is reported instead. Which
routes are LCSPRs is workflow data: the levels the publication deadline applies
to.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lcspr import actions as action_plans
from lcspr import deadlines, rules
from lcspr.config import REPORTING_YEARS, Config
from lcspr.errors import NoCasesInPeriod, UsageError
from lcspr.register import Read, day_of, hold_spans, list_at, read_cases, text_at
from lcspr.repository import Repository

#: The natures of a serious incident notification (case.md serious_incident.nature).
NATURES = (("death", "died"), ("serious-harm", "was seriously harmed"))
#: What a rapid review concludes (`serious_incident.outcome`, as the case schema names them).
OUTCOMES = (("lcspr", "the criteria for an LCSPR are met"), ("no-lcspr", "no LCSPR"),
            ("national-review-recommended", "a national review is recommended"))
#: The deadline whose levels are the LCSPR routes, and the steps the figures time.
PUBLICATION, NOTIFICATION, RAPID_REVIEW = "publication", "notification", "rapid-review"
PRE_PUBLICATION = "pre-publication"


def default_period(config: Config, today: date | None = None) -> tuple[date, date]:
    """The last complete reporting year before `today`: April to March or January to
    December, as lcspr.toml `reporting_year` says."""
    today = today or date.today()
    month = REPORTING_YEARS[config.reporting_year]
    start_year = today.year - 1 if (today.month, today.day) >= (month, 1) else today.year - 2
    start = date(start_year, month, 1)
    end = date(start_year + 1, month, 1) if month > 1 else date(start_year + 1, 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


@dataclass
class Figure:
    key: str
    title: str
    value: int | float | None
    unit: str
    cases: list[str]
    detail: str = ""
    target: str | None = None
    #: For a share: the cases it is a share of.
    of: list[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "title": self.title, "value": self.value, "unit": self.unit,
                               "detail": self.detail, "target": self.target, "cases": self.cases}
        if self.of is not None:
            out["of"] = self.of
        return out


@dataclass
class _Period:
    start: date
    end: date
    #: The day overdue is judged on: the period's end, or today when the period runs on past it.
    as_of: date = field(init=False)
    today: date = field(default_factory=date.today)

    def __post_init__(self) -> None:
        self.as_of = min(self.end, self.today)

    def holds(self, value: Any) -> bool:
        day = day_of(value)
        return day is not None and self.start <= day <= self.end


def compute(repo: Repository, start: date, end: date, today: date | None = None,
            reads: list[Read] | None = None) -> dict[str, Any]:
    """The figures for the period `start`..`end` (both days included):
    {"period": {"from", "to"}, "figures": [{key, title, value, unit, detail, target, cases[, of]}, ...],
    "problems": [...], "not_counted": [case IDs]}. Raises NoCasesInPeriod when no case was
    open at any time in the period. `reads`: the cases as register.read_cases read them,
    when the caller has them already."""
    if end < start:
        raise UsageError(f"--from {start.isoformat()} is after --to {end.isoformat()}: give the period's first day "
                         "first.")
    period = _Period(start, end, today or date.today())
    reads = read_cases(repo) if reads is None else reads
    problems = [p for r in reads for p in r.problems]
    counted = [r for r in reads if not r.problems and r.case is not None]
    not_counted = [r.id for r in reads if r.problems or r.case is None]
    active = [r for r in counted if _active(r.data, period)]
    if not active:
        known = sorted(d for r in counted if (d := text_at(r.data, "dates.received")))
        span = f" (the cases run from {known[0]})" if known else ""
        raise NoCasesInPeriod(
            f"no case was open at any time from {start.isoformat()} to {end.isoformat()}{span}: choose another "
            "period with --from and --to." + (f" {len(not_counted)} case(s) could not be counted: "
                                              "`lcspr validate` says why." if not_counted else ""))
    figures: list[Figure] = []
    figures += _notifications(repo, counted, period)
    figures += _rapid_reviews(repo, counted, period)
    figures += _lcsprs(repo, counted, period)
    figures += _publication_times(repo, counted, period)
    figures += _pre_publication(repo, counted, period)
    figures += _recommendations(repo, counted, period)
    figures += _themes(repo, active)
    figures.append(_count("learning-shared", "Learning shared (briefings, events, training)", "occasions", [
        r.id for r in counted for e in list_at(r.data, "learning_shared") if isinstance(e, dict)
        and period.holds(e.get("date"))]))
    return {"period": {"from": start.isoformat(), "to": end.isoformat()},
            "figures": [f.as_dict() for f in figures], "problems": problems, "not_counted": not_counted}


def _active(data: dict[str, Any], period: _Period) -> bool:
    """Open at some time in the period: received by its end, not closed before its start."""
    received, closed = day_of(text_at(data, "dates.received")), day_of(text_at(data, "dates.closed"))
    return received is not None and received <= period.end and (closed is None or closed >= period.start)


def _count(key: str, title: str, unit: str, cases: list[str], target: str | None = None) -> Figure:
    """A count; `cases` names a case once for each thing counted, `cases` of the figure once each."""
    return Figure(key, title, len(cases), unit, sorted(set(cases)), target=target)


def _share(key: str, title: str, hits: list[str], of: list[str], target: str | None) -> Figure:
    value = round(100 * len(hits) / len(of), 1) if of else None
    return Figure(key, title, value, "%", sorted(hits), f"{len(hits)} of {len(of)}", target, sorted(of))


def _target(repo: Repository, deadline: str) -> str | None:
    return deadlines.target(repo.config, repo.workflow, deadline)


def _on_time(repo: Repository, reads: list[Read], deadline: str) -> list[str]:
    """The cases among `reads` whose step `deadline` was done by its due date."""
    found = []
    for r in reads:
        found_step = deadlines.step(repo.config, repo.workflow, r.data, deadline)
        if found_step is not None and found_step.met(date.max) is True:
            found.append(r.id)
    return found


def _notifications(repo: Repository, reads: list[Read], period: _Period) -> list[Figure]:
    notified = [r for r in reads if period.holds(text_at(r.data, "serious_incident.notified"))]
    ids = [r.id for r in notified]
    target = _target(repo, NOTIFICATION)
    out = [_count("notifications", "Serious incident notifications to the National Panel", "notifications", ids)]
    for nature, words in NATURES:
        out.append(_count(f"notifications.{nature}", f"Notifications: the child {words}", "notifications",
                          [r.id for r in notified if text_at(r.data, "serious_incident.nature") == nature]))
    unrecorded = [r.id for r in notified if text_at(r.data, "serious_incident.nature") not in dict(NATURES)]
    if unrecorded:
        out.append(_count("notifications.not-recorded", "Notifications: nature not recorded", "notifications",
                          unrecorded))
    out.append(_share("notifications.on-time", f"Notifications made within {target or 'the deadline'} of "
                      "becoming aware", _on_time(repo, notified, NOTIFICATION), ids, target))
    return out


def _rapid_reviews(repo: Repository, reads: list[Read], period: _Period) -> list[Figure]:
    reviewed = [r for r in reads if period.holds(text_at(r.data, "serious_incident.rapid_review"))]
    ids = [r.id for r in reviewed]
    target = _target(repo, RAPID_REVIEW)
    out = [_count("rapid-reviews", "Rapid reviews sent to the National Panel", "rapid reviews", ids),
           _share("rapid-reviews.on-time", f"Rapid reviews sent within {target or 'the deadline'}",
                  _on_time(repo, reviewed, RAPID_REVIEW), ids, target)]
    # What the rapid review itself concluded (`serious_incident.outcome`), not the route the
    # LIG chose afterwards: a review that found the criteria met may still end in a national review.
    for outcome, words in OUTCOMES:
        found = [r.id for r in reviewed if text_at(r.data, "serious_incident.outcome") == outcome]
        if found:
            out.append(_count(f"rapid-review-outcomes.{outcome}", f"Rapid reviews that concluded: {words}",
                              "rapid reviews", found))
    unrecorded = [r.id for r in reviewed if text_at(r.data, "serious_incident.outcome") not in dict(OUTCOMES)]
    if unrecorded:
        out.append(_count("rapid-review-outcomes.not-recorded", "Rapid reviews whose outcome is not recorded",
                          "rapid reviews", unrecorded))
    return out


def lcspr_levels(repo: Repository) -> list[str]:
    """The routes that are LCSPRs: the levels the workflow's publication deadline applies to."""
    spec = next((s for s in repo.workflow.deadlines if s.get("id") == PUBLICATION), None)
    return list(spec.get("levels") or []) if spec is not None else []


def _lcsprs(repo: Repository, reads: list[Read], period: _Period) -> list[Figure]:
    levels = lcspr_levels(repo)
    lcsprs = [r for r in reads if r.data.get("level") in levels]
    commissioned = [r for r in lcsprs if period.holds(text_at(r.data, "dates.lig_decision"))]
    out = [_count("lcsprs-commissioned", "LCSPRs commissioned", "reviews", [r.id for r in commissioned])]
    for level in levels:
        out.append(_count(f"lcsprs-commissioned.{level}", f"LCSPRs commissioned: {level}", "reviews",
                          [r.id for r in commissioned if r.data.get("level") == level]))
    held_now = repo.workflow.hold_states
    recorded = hold_spans(repo, held_now)

    def spans_of(r: Read) -> list[tuple[date, date]]:
        """Its holds from the decision trail, or else the latest one its case.md records."""
        if recorded.get(r.id):
            return [(start, end or period.today) for start, end in recorded[r.id]]
        hold = r.data.get("on_hold")
        since = day_of(hold.get("since")) if isinstance(hold, dict) else None
        if since is None or not isinstance(hold, dict):
            return []
        until = period.today if str(r.data.get("status")) in held_now else day_of(hold.get("resumed"))
        return [(since, until)] if until is not None else []

    def on_hold_at(r: Read, day: date) -> bool:
        return any(start <= day <= end for start, end in spans_of(r))

    def finished_by(r: Read, day: date) -> bool:
        done = day_of(text_at(r.data, "publication.date")) or day_of(text_at(r.data, "dates.closed"))
        return done is not None and done <= day

    decided = [r for r in lcsprs if (d := day_of(text_at(r.data, "dates.lig_decision"))) is not None and d <= period.end]
    out.append(_count("lcsprs-in-progress", f"LCSPRs in progress on {period.as_of.isoformat()}", "reviews",
                      [r.id for r in decided if not finished_by(r, period.as_of) and not on_hold_at(r, period.as_of)]))
    out.append(_count("lcsprs-on-hold", "LCSPRs on hold at some time in the period", "reviews",
                      [r.id for r in lcsprs if any(start <= period.end and end >= period.start
                                                   for start, end in spans_of(r))]))
    published = [r for r in lcsprs if period.holds(text_at(r.data, "publication.date"))]
    out.append(_count("lcsprs-published", "LCSPRs published", "reviews",
                      [r.id for r in published if rules.get(r.data, "publication.published") is True]))
    out.append(_count("lcsprs-not-published", "LCSPRs not published (information about improvements published "
                      "instead)", "reviews",
                      [r.id for r in published if rules.get(r.data, "publication.published") is False]))
    return out


def _publication_times(repo: Repository, reads: list[Read], period: _Period) -> list[Figure]:
    levels = lcspr_levels(repo)
    timed: list[tuple[int, str, bool]] = []
    for r in reads:
        if r.data.get("level") not in levels or not period.holds(text_at(r.data, "publication.date")):
            continue
        found = deadlines.step(repo.config, repo.workflow, r.data, PUBLICATION)
        days = found.taken(repo.config) if found is not None else None
        if found is not None and days is not None:
            timed.append((days, r.id, found.met(date.max) is True))
    target = _target(repo, PUBLICATION)
    ids = [case_id for _, case_id, _ in timed]
    median = statistics.median(days for days, _, _ in timed) if timed else None
    longest = max(timed) if timed else None
    return [
        Figure("time-to-publication.median", "Median time from the decision to hold an LCSPR to its publication "
               "(or not)", median, "days", sorted(ids), _months(median), target),
        Figure("time-to-publication.longest", "Longest time from the decision to hold an LCSPR to its "
               "publication (or not)", longest[0] if longest else None, "days",
               [longest[1]] if longest else [], _months(longest[0] if longest else None), target),
        _share("time-to-publication.on-time", f"LCSPRs published (or not) within {target or 'the target'} of the "
               "decision", [case_id for _, case_id, met in timed if met], ids, target),
    ]


def _pre_publication(repo: Repository, reads: list[Read], period: _Period) -> list[Figure]:
    """The final reports sent to the National Panel and the DfE in the period, and how many
    went in time; one sent late is recorded with its decision (`pre_publication.late`)."""
    sent = [r for r in reads if period.holds(text_at(r.data, "pre_publication.sent"))]
    target = _target(repo, PRE_PUBLICATION)
    timing = f"{target} publication" if target else "before publication"
    return [_share("pre-publication.on-time", f"Final reports sent to the National Panel and the DfE in time "
                   f"({timing})", _on_time(repo, sent, PRE_PUBLICATION), [r.id for r in sent], target)]


def _months(days: float | None) -> str:
    return "" if days is None else f"about {days / 30.44:.1f} months"


def _recommendations(repo: Repository, reads: list[Read], period: _Period) -> list[Figure]:
    made = [r.id for r in reads if r.case is not None and period.holds(text_at(r.data, "approval.date"))
            for _ in action_plans.recommendations(r.case)]
    completed, overdue = [], []
    for r in reads:
        if r.case is None:
            continue
        closed = day_of(text_at(r.data, "dates.closed"))
        tracked = closed is None or closed > period.as_of
        for action in action_plans.actions(r.case):
            if action.status == action_plans.COMPLETED and period.holds(action.completed):
                completed.append(r.id)
            due = day_of(action.due)
            if tracked and action.open_on(period.as_of) and due is not None and due < period.as_of:
                overdue.append(r.id)
    return [
        _count("recommendations-made", "Recommendations made (in reports approved in the period)",
               "recommendations", made),
        _count("actions-completed", "Actions completed", "actions", completed),
        _count("actions-overdue", f"Actions overdue on {period.as_of.isoformat()}", "actions", overdue),
    ]


def _themes(repo: Repository, active: list[Read]) -> list[Figure]:
    by_theme: dict[str, list[str]] = {}
    for r in active:
        for theme in list_at(r.data, "themes"):
            by_theme.setdefault(str(theme), []).append(r.id)
    order = list(repo.config.themes)
    return [_count(f"themes.{theme}", f"Cases open in the period with the theme: "
                   f"{repo.config.themes.get(theme, theme)}", "cases", by_theme[theme])
            for theme in sorted(by_theme, key=lambda t: (-len(by_theme[t]), order.index(t) if t in order else 0))]


def as_markdown(result: dict[str, Any], partnership: str, explain: bool = False) -> str:
    """The figures as a Markdown table, to paste into the yearly report."""
    start, end = (date.fromisoformat(result["period"][k]) for k in ("from", "to"))
    lines = [f"## Child safeguarding practice reviews, {long_date(start)} to {long_date(end)}", "",
             f"{partnership}. Figures from the case records (lcspr figures).", ""]
    header = "| Figure | Value | Target |" + (" Cases |" if explain else "")
    lines += [header, "|---|---|---|" + ("---|" if explain else "")]
    for f in result["figures"]:
        row = f"| {_cell(f['title'])} | {_cell(value_text(f))} | {_cell(f['target'] or '')} |"
        if explain:
            row += f" {_cell(', '.join(f['cases']))} |"
        lines.append(row)
    if result["not_counted"]:
        lines += ["", f"Not counted, because their files are invalid: {', '.join(result['not_counted'])}."]
    return "\n".join(lines) + "\n"


def value_text(figure: dict[str, Any]) -> str:
    """A figure's value in words: `3`, `50.0% (1 of 2)`, `147 days (about 4.8 months)`, `none`."""
    value = figure["value"]
    if value is None:
        return "none" if figure["unit"] != "%" else "no cases"
    if figure["unit"] == "%":
        return f"{value:g}% ({figure['detail']})"
    if figure["unit"] == "days":
        return f"{value:g} days ({figure['detail']})"
    return f"{value:g}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def long_date(day: date) -> str:
    """`1 April 2025`."""
    return f"{day.day} {day.strftime('%B')} {day.year}"
