"""Dates and working days for review deadlines.

Deadlines in the review process are counted in working days (notification: 5,
rapid review: 15, sending the final report before publication: 7) or in
calendar months (completion and publication: 6). This module holds the date
arithmetic they need; which deadline starts when is the workflow's business.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from lcspr.errors import InvalidDate

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
