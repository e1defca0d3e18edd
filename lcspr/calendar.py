"""Dates and working days for review deadlines.

Deadlines in the review process are counted in working days (notification: 5,
rapid review: 15, sending the final report before publication: 7) or in
calendar months (completion and publication: 6). This module holds the date
arithmetic they need; which deadline starts when is the workflow's business.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from lcspr.errors import ConfigError, InvalidDate

#: Bank-holiday divisions a partnership can name in its calendar settings, and
#: the `holidays` package's subdivision of "GB" for each. gov.uk publishes
#: England and Wales as one division, so both names are accepted for it.
DIVISIONS: dict[str, str] = {
    "england": "ENG",
    "england-and-wales": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}

_ONE_DAY = timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class WorkingCalendar:
    """The working days of one partnership.

    A working day is a Monday to Friday that is neither a bank holiday in the
    partnership's `division` (one of `DIVISIONS`) nor one of its
    `extra_closures`. Bank holidays include substitute days for Christmas,
    Boxing Day and New Year's Day falling at a weekend, and one-off days such
    as the 2023 coronation.

    `extra_closures` takes ISO date strings, or `date` objects as an unquoted
    date in lcspr.toml arrives; it is kept as a sorted tuple of distinct ISO
    strings. An unknown division, or a closure that is not a real date, raises
    `ConfigError`.
    """

    division: str = "england"
    extra_closures: tuple[str, ...] = ()
    _closures: frozenset[date] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.division, str) or self.division not in DIVISIONS:
            raise ConfigError(
                f"calendar division {self.division!r} is not known; "
                f"use one of: {', '.join(sorted(DIVISIONS))}"
            )
        closures_given = self.extra_closures
        if isinstance(closures_given, (str, date)) or not isinstance(closures_given, Iterable):
            raise ConfigError(
                f"calendar extra_closures must be a list of dates (YYYY-MM-DD), "
                f"not {closures_given!r}"
            )
        closures = frozenset(_closure_date(item) for item in closures_given)
        # The dataclass is frozen so that a calendar can be shared and hashed;
        # normalising its own fields once, here, is the one write it allows.
        object.__setattr__(self, "extra_closures", tuple(sorted(d.isoformat() for d in closures)))
        object.__setattr__(self, "_closures", closures)

    def is_working_day(self, d: date) -> bool:
        """Return whether `d` is a working day."""
        return d.weekday() < 5 and d not in self._closures and d not in self._bank_holidays(d.year)

    def add_working_days(self, day0: date, n: int) -> date:
        """Return the `n`-th working day after `day0` (before it when `n` < 0).

        `day0` itself never counts, whether or not it is a working day, so a
        deadline of N working days from day 0 falls on the date returned for N.
        `n` == 0 returns `day0` unchanged. The result is always a working day
        unless `n` is 0.
        """
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        d = day0
        for _ in range(abs(n)):
            d += step
            while not self.is_working_day(d):
                d += step
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Return the signed number of working days from `start` to `end`.

        Used for "working days left" (today as `start`, a deadline as `end`):
        0 when the deadline is today, negative once it has passed. Whenever
        `end` is a working day, `add_working_days(start, result) == end`.

        Exactly:

        - `end` == `start`: 0;
        - `end` after `start`: the number of working days in (start, end],
          so a non-working `end` counts like the last working day before it;
        - `end` before `start` and a working day: minus the number of working
          days in [end, start);
        - `end` before `start` and not a working day: minus the number of
          working days in (end, start].

        So a deadline that was a working day shows as overdue (-1) from the
        next day on, weekend or not, and one that fell on a non-working day
        shows as overdue from the first working day after it.
        """
        if end > start:
            return self._working_days_in(start + _ONE_DAY, end)
        if end < start:
            if self.is_working_day(end):
                return -self._working_days_in(end, start - _ONE_DAY)
            return -self._working_days_in(end + _ONE_DAY, start)
        return 0

    def _working_days_in(self, first: date, last: date) -> int:
        """Return the number of working days in [first, last]."""
        if last < first:
            return 0
        # Whole weeks hold five weekdays each, so spans of years cost no more
        # than a few days; then take off the closed weekdays inside the span.
        weeks, rest = divmod((last - first).days + 1, 7)
        weekdays = weeks * 5 + sum(1 for i in range(rest) if (first.weekday() + i) % 7 < 5)
        # A set, so that a local closure on a bank holiday is taken off once.
        closed = {d for d in self._closures if first <= d <= last}
        for year in range(first.year, last.year + 1):
            closed.update(d for d in self._bank_holidays(year) if first <= d <= last)
        return weekdays - sum(1 for d in closed if d.weekday() < 5)

    def _bank_holidays(self, year: int) -> frozenset[date]:
        return _bank_holidays(DIVISIONS[self.division], year)


def _closure_date(item: object) -> date:
    """Return one entry of `extra_closures` as a date, or raise `ConfigError`."""
    if isinstance(item, date) and not isinstance(item, datetime):
        return item
    try:
        return parse_iso_date(item, field="calendar extra_closures")  # type: ignore[arg-type]
    except InvalidDate as exc:
        raise ConfigError(str(exc)) from None


@cache
def _bank_holidays(subdiv: str, year: int) -> frozenset[date]:
    """Return the bank holidays of one year in one subdivision of "GB"."""
    # The holidays package rather than a hand-kept list: it derives the fixed
    # rules (Easter, substitute days, the first and last Mondays) for any year,
    # and its releases add one-off days as they are announced. A hand-kept
    # list would run out on a date nobody noticed. Importing it costs more
    # than the rest of `lcspr show`, so its answers are remembered in the
    # user's cache folder, for the installed release only.
    key = f"GB-{subdiv} {year}"
    memo = _memo()
    kept = memo.get(key)
    if isinstance(kept, list):
        try:
            return frozenset(date.fromisoformat(day) for day in kept)
        except (TypeError, ValueError):
            pass  # a damaged memo: ask the package again
    import holidays

    found = frozenset(holidays.country_holidays("GB", subdiv=subdiv, years=year))
    memo[key] = sorted(day.isoformat() for day in found)
    _save_memo(memo)
    return found


_MEMO_NAME = "bank-holidays.json"


def _memo_path(release: str) -> Path:
    """The memo of one holidays release: each installation (a virtual environment, a
    system-wide lcspr) keeps its own, so two of them used in turn do not replace each
    other's and import the package every time."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    name = _MEMO_NAME.replace(".json", f"-{_name_hash(release):016x}.json")
    return Path(base) / "lcspr" / name


def _name_hash(text: str) -> int:
    """FNV-1a, 64 bits: a file name, not a proof (the memo holds the release it was made
    for, `_memo`), so no digest library is loaded to start `show`."""
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8", "surrogatepass"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def holidays_release() -> str:
    """Which holidays release is installed (its files' place and times), without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.origin:
        return ""
    folder = Path(spec.origin).parent
    stamps = []
    for name in ("__init__.py", "version.py"):
        try:
            info = (folder / name).stat()
            stamps.append(f"{info.st_mtime_ns}:{info.st_size}")
        except OSError:
            stamps.append("-")
    return f"{folder} {' '.join(stamps)}"


@cache
def _memo() -> dict[str, Any]:
    """The remembered bank holidays of the installed holidays release (empty when none are)."""
    release = holidays_release()
    if not release:
        return {}
    try:
        kept = json.loads(_memo_path(release).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = None
    if not isinstance(kept, dict) or kept.get("release") != release:
        return {"release": release}
    return kept


def _save_memo(memo: dict[str, Any]) -> None:
    """Keep the memo for the next command; one that cannot be written only costs the import."""
    if not memo.get("release"):
        return
    import tempfile

    path = _memo_path(memo["release"])
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{_MEMO_NAME}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(memo))
        os.replace(tmp, path)
    except OSError:
        if tmp:
            Path(tmp).unlink(missing_ok=True)


# [0-9], not \d: \d also matches other scripts' digits, which int() would accept.
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_iso_date(text: str, field: str = "date") -> date:
    """Return the date written as `YYYY-MM-DD` in `text`.

    Only that form is accepted: no surrounding spaces, no time, none of the
    compact (`20261126`) or week (`2026-W48-4`) forms `date.fromisoformat`
    allows. Anything else, and any impossible date such as 2026-02-30, raises
    `InvalidDate` naming `field` and the value.
    """
    match = _ISO_DATE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidDate(f"{field}: {text!r} is not a date in the form YYYY-MM-DD")
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidDate(
            f"{field}: {text!r} is not a real date ({exc}); expected YYYY-MM-DD"
        ) from None


def add_months(d: date, months: int) -> date:
    """Return `d` moved by `months` calendar months (negative moves back).

    The day of the month is kept, clamped to the last day of the target month:
    2026-08-31 + 6 months is 2027-02-28, and 2027-08-31 + 6 months is 2028-02-29.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, min(d.day, _days_in_month(year, month0 + 1)))


def _days_in_month(year: int, month: int) -> int:
    # Not calendar.monthrange: inside a module named `calendar` that import
    # reads as a self-import to every reader, even though it is not one.
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - timedelta(days=1)).day
