"""The figures part of the Board's dashboard: `lcspr figures` for a period, and
three charts drawn from the same record.

- Deadlines met per quarter: each statutory step the workflow times from one
  case.md date to another (deadlines.step: the notification, the rapid review,
  the sending before publication, the publication), counted in the quarter it
  was done, on time or late.
- Time to publication: the LCSPRs the figures time (published or not in the
  period), by how many months they took, on time or late.
- Themes: the figures' count of cases open in the period with each theme.

A case whose files are invalid is not counted, as in `lcspr figures`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from lcspr import charts, deadlines
from lcspr.calendar import add_months
from lcspr.errors import NoCasesInPeriod

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.register import Read
    from lcspr.repository import Repository

#: The bands of the time to publication, in months from the decision: (label, up to).
BANDS = (("under 3 months", 3), ("3 to 6", 6), ("6 to 9", 9), ("9 to 12", 12), ("12 or more", None))
ON_TIME = charts.Series("On time", charts.GOOD)
LATE = charts.Series("Late", charts.BAD)
#: The figures' keys the charts read (lcspr figures --format json).
TIMED_PUBLICATIONS = "time-to-publication.on-time"
THEMES = "themes."
_DAYS_A_MONTH = 30.44


@dataclass
class Chart:
    title: str
    svg: str = ""
    empty: str = ""  # what to say instead, when there is nothing to draw
    note: str = ""


@dataclass
class FiguresView:
    """The figures of a period as the dashboard shows them; `note` says why there are none."""

    start: date
    end: date
    result: dict[str, Any] | None = None
    note: str = ""
    charts: list[Chart] = field(default_factory=list)

    @property
    def period_text(self) -> str:
        from lcspr.figures import long_date

        return f"{long_date(self.start)} to {long_date(self.end)}"


def view(repo: Repository, start: date, end: date, today: date, reads: list[Read]) -> FiguresView:
    """The figures of `start`..`end` and their charts; a period with no case gives the reason instead."""
    from lcspr import figures

    shown = FiguresView(start, end)
    try:
        shown.result = figures.compute(repo, start, end, today, reads)
    except NoCasesInPeriod as exc:  # say so; the rest of the site stands
        shown.note = f"No figures: {exc}"
        return shown
    counted = [r for r in reads if not r.problems and r.case is not None]
    shown.charts = [
        deadlines_per_quarter(repo, counted, start, end),
        time_to_publication(repo, counted, shown.result),
        themes(repo, shown.result),
    ]
    return shown


def quarters(start: date, end: date) -> list[tuple[date, date]]:
    """The period in quarters from its first day (the last one cut at its end)."""
    found = []
    first = start
    while first <= end:
        following = add_months(first, 3)
        found.append((first, min(end, date.fromordinal(following.toordinal() - 1))))
        first = following
    return found


def _quarter_label(first: date, last: date) -> str:
    return f"{first:%b}–{last:%b %Y}" if first.year == last.year else f"{first:%b %Y}–{last:%b %Y}"


def deadlines_per_quarter(repo: Repository, reads: list[Read], start: date, end: date) -> Chart:
    titles = [str(spec["title"]) for spec in repo.workflow.deadlines]
    ids = [str(spec["id"]) for spec in repo.workflow.deadlines]
    spans = quarters(start, end)
    counts = [[0, 0] for _ in spans]
    counted: set[str] = set()
    for read in reads:
        for deadline in ids:
            step = deadlines.step(repo.config, repo.workflow, read.data, deadline)
            if step is None or step.done is None:
                continue
            for n, (first, last) in enumerate(spans):
                if first <= step.done <= last:
                    counts[n][0 if step.done <= step.due else 1] += 1
                    counted.add(step.title)
    title = "Statutory deadlines met, by the quarter the step was done"
    steps = [t for t in titles if t in counted]
    if not steps:
        return Chart(title, empty="No statutory step was done in the period.")
    groups = [(_quarter_label(first, last), values) for (first, last), values in zip(spans, counts)]
    return Chart(title, charts.stacked_columns(title, groups, [ON_TIME, LATE], " step(s)"),
                 note="Counts: " + "; ".join(steps) + ".")


def time_to_publication(repo: Repository, reads: list[Read], result: dict[str, Any]) -> Chart:
    from lcspr.figures import PUBLICATION

    title = "Time from the decision to hold an LCSPR to its publication (or not)"
    timed = next((f for f in result["figures"] if f["key"] == TIMED_PUBLICATIONS), None)
    wanted = set(timed.get("of") or []) if timed else set()
    counts = [[0, 0] for _ in BANDS]
    for read in reads:
        if read.id not in wanted:
            continue
        step = deadlines.step(repo.config, repo.workflow, read.data, PUBLICATION)
        if step is None or step.done is None:
            continue
        months = (step.done - step.start).days / _DAYS_A_MONTH
        band = next(n for n, (_, upto) in enumerate(BANDS) if upto is None or months < upto)
        counts[band][0 if step.done <= step.due else 1] += 1
    if not any(sum(c) for c in counts):
        return Chart(title, empty="No LCSPR was published (or not) in the period.")
    groups = [(label, values) for (label, _), values in zip(BANDS, counts)]
    target = deadlines.target(repo.config, repo.workflow, PUBLICATION)
    return Chart(title, charts.stacked_columns(title, groups, [ON_TIME, LATE], " review(s)"),
                 note=f"Target: {target}." if target else "")


def themes(repo: Repository, result: dict[str, Any]) -> Chart:
    title = "Themes of the cases open in the period"
    items = [(repo.config.themes.get(f["key"][len(THEMES):], f["key"][len(THEMES):]), float(f["value"] or 0))
             for f in result["figures"] if f["key"].startswith(THEMES)]
    if not items:
        return Chart(title, empty="No case open in the period records a theme.")
    return Chart(title, charts.horizontal_bars(title, items, " case(s)"))
