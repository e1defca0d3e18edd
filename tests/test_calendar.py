"""The working-day calendar: known dates worked out by hand from the gov.uk
bank-holiday lists, so a wrong wiring of the holidays package shows up here."""

from __future__ import annotations

from datetime import date

import pytest

from lcspr.calendar import add_months, parse_iso_date
from lcspr.errors import InvalidDate


# --- parse_iso_date ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-26", date(2026, 11, 26)),
        ("2024-02-29", date(2024, 2, 29)),
        ("0001-01-01", date(1, 1, 1)),
    ],
)
def test_parse_iso_date_accepts_yyyy_mm_dd(text, expected):
    assert parse_iso_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "20260226",  # compact form, which date.fromisoformat accepts
        "2026-W01-1",  # ISO week form, likewise
        "26-11-2026",
        "",
        "2026-1-5",
        " 2026-01-05",
        "2026-01-05 ",
        "2026-01-05T00:00",
        "２０２６-01-05",  # full-width digits: int() would read them
    ],
)
def test_parse_iso_date_rejects_other_forms(text):
    with pytest.raises(InvalidDate) as caught:
        parse_iso_date(text, field="received")
    message = str(caught.value)
    assert message.startswith("received: ")
    assert repr(text) in message
    assert "YYYY-MM-DD" in message


@pytest.mark.parametrize("text", ["2026-02-30", "2025-02-29", "2026-13-01", "2026-04-31", "0000-01-01"])
def test_parse_iso_date_rejects_impossible_dates(text):
    with pytest.raises(InvalidDate) as caught:
        parse_iso_date(text, field="aware")
    message = str(caught.value)
    assert message.startswith("aware: ")
    assert repr(text) in message
    assert "not a real date" in message
    assert "YYYY-MM-DD" in message


def test_parse_iso_date_names_the_default_field():
    with pytest.raises(InvalidDate, match=r"^date: '2026-02-30' is not a real date"):
        parse_iso_date("2026-02-30")


@pytest.mark.parametrize("value", [None, 20261126, date(2026, 11, 26)])
def test_parse_iso_date_rejects_what_is_not_text(value):
    # A YAML 1.1 loader turns 2026-11-26 into a date object; that must not pass
    # silently as if it had been read as a string.
    with pytest.raises(InvalidDate, match="not a date in the form YYYY-MM-DD"):
        parse_iso_date(value, field="received")  # type: ignore[arg-type]


# --- add_months -------------------------------------------------------------


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (date(2026, 11, 26), 6, date(2027, 5, 26)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # clamped
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # clamped, leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day to common year
        (date(2024, 2, 29), 48, date(2028, 2, 29)),  # leap day to leap day
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 30), 3, date(2026, 4, 30)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2026, 1, 15), -2, date(2025, 11, 15)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 10, 31), 14, date(2027, 12, 31)),
        (date(2026, 5, 15), 0, date(2026, 5, 15)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_add_months_keeps_the_day_when_it_exists_in_every_month():
    for months in range(-30, 31):
        assert add_months(date(2026, 6, 28), months).day == 28
