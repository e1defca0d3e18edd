"""The working-day calendar: known dates worked out by hand from the gov.uk
bank-holiday lists, so a wrong wiring of the holidays package shows up here."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from lcspr.calendar import DIVISIONS, WorkingCalendar, add_months, parse_iso_date
from lcspr.errors import ConfigError, InvalidDate

ENGLAND = WorkingCalendar()


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


@pytest.mark.parametrize(
    "text", ["2026-02-30", "2025-02-29", "2026-13-01", "2026-04-31", "0000-01-01"]
)
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


# --- is_working_day ---------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 11, 21),  # Saturday
        date(2026, 11, 22),  # Sunday
        date(2026, 1, 1),  # New Year's Day
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 4),  # early May bank holiday
        date(2026, 5, 25),  # spring bank holiday
        date(2026, 8, 31),  # summer bank holiday
        date(2026, 12, 25),  # Christmas Day, a Friday
        date(2026, 12, 28),  # substitute for Boxing Day, Saturday 26th
        date(2027, 12, 27),  # substitute for Christmas Day, Saturday 25th
        date(2027, 12, 28),  # substitute for Boxing Day, Sunday 26th
        date(2022, 1, 3),  # substitute for New Year's Day, Saturday 1st
        date(2022, 6, 2),  # spring bank holiday, moved for the Platinum Jubilee
        date(2022, 6, 3),  # Platinum Jubilee
        date(2022, 9, 19),  # state funeral of Queen Elizabeth II
        date(2023, 5, 8),  # coronation of King Charles III
    ],
)
def test_non_working_days_in_england(day):
    assert not ENGLAND.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 11, 26),  # an ordinary Thursday
        date(2026, 12, 24),  # Christmas Eve is not a bank holiday
        date(2026, 12, 29),
        date(2026, 5, 26),  # the day after the spring bank holiday
        date(2022, 5, 30),  # the usual spring bank holiday date, moved in 2022
        date(2023, 5, 9),
    ],
)
def test_working_days_in_england(day):
    assert ENGLAND.is_working_day(day)


def test_every_bank_holiday_the_holidays_package_lists_is_non_working():
    # This one is about the wiring: whatever the package calls a bank holiday
    # in England is not a working day, and every other weekday is.
    import holidays

    listed = holidays.country_holidays("GB", subdiv="ENG", years=range(2020, 2031))
    day = date(2020, 1, 1)
    while day.year <= 2030:
        assert ENGLAND.is_working_day(day) == (day.weekday() < 5 and day not in listed), day
        day += timedelta(days=1)


# --- add_working_days ------------------------------------------------------


def test_rapid_review_over_christmas_and_new_year():
    # Day 0 Thursday 17 December 2026. Working days after it:
    #  1 Fri 18 Dec   2 Mon 21   3 Tue 22   4 Wed 23   5 Thu 24
    #    (Fri 25 Christmas, Sat 26 Boxing Day, Mon 28 its substitute)
    #  6 Tue 29       7 Wed 30   8 Thu 31
    #    (Fri 1 Jan 2027 New Year's Day)
    #  9 Mon 4 Jan   10 Tue 5   11 Wed 6   12 Thu 7   13 Fri 8
    # 14 Mon 11     15 Tue 12
    assert ENGLAND.add_working_days(date(2026, 12, 17), 15) == date(2027, 1, 12)


def test_across_easter_2027():
    # Good Friday 26 March, Easter Monday 29 March.
    # From Wed 24 Mar: 1 Thu 25, 2 Tue 30, 3 Wed 31, 4 Thu 1 Apr, 5 Fri 2 Apr.
    assert ENGLAND.add_working_days(date(2027, 3, 24), 5) == date(2027, 4, 2)
    # From Thu 18 Mar: 1 Fri 19, 2-5 Mon 22-Thu 25, 6-9 Tue 30-Fri 2 Apr,
    # 10-14 Mon 5-Fri 9 Apr, 15 Mon 12 Apr.
    assert ENGLAND.add_working_days(date(2027, 3, 18), 15) == date(2027, 4, 12)


def test_five_working_days_from_a_friday():
    # Fri 20 Nov 2026: Mon 23, Tue 24, Wed 25, Thu 26, Fri 27.
    assert ENGLAND.add_working_days(date(2026, 11, 20), 5) == date(2026, 11, 27)


def test_across_the_2023_coronation():
    # From Thu 4 May 2023: 1 Fri 5, (Mon 8 coronation), 2 Tue 9, ..., 5 Fri 12.
    assert ENGLAND.add_working_days(date(2023, 5, 4), 5) == date(2023, 5, 12)
    assert ENGLAND.add_working_days(date(2023, 5, 5), 1) == date(2023, 5, 9)


def test_across_the_2022_state_funeral():
    # From Thu 15 Sep 2022: 1 Fri 16, (Mon 19 state funeral), 2 Tue 20, ..., 5 Fri 23.
    assert ENGLAND.add_working_days(date(2022, 9, 15), 5) == date(2022, 9, 23)
    assert ENGLAND.add_working_days(date(2022, 9, 16), 1) == date(2022, 9, 20)


def test_seven_working_days_before_publication_across_a_bank_holiday():
    # Publication Thu 3 June 2027; Mon 31 May is the spring bank holiday.
    # Before it: 1 Wed 2 Jun, 2 Tue 1 Jun, 3 Fri 28 May, 4 Thu 27, 5 Wed 26,
    # 6 Tue 25, 7 Mon 24 May.
    assert ENGLAND.add_working_days(date(2027, 6, 3), -7) == date(2027, 5, 24)


def test_day0_never_counts():
    # A working day 0: the first working day after it is the next one.
    assert ENGLAND.add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 24)
    assert ENGLAND.add_working_days(date(2026, 11, 24), -1) == date(2026, 11, 23)
    # A non-working day 0 (Saturday 21 Nov 2026).
    assert ENGLAND.add_working_days(date(2026, 11, 21), 1) == date(2026, 11, 23)
    assert ENGLAND.add_working_days(date(2026, 11, 21), -1) == date(2026, 11, 20)
    # Christmas Day 2026 as day 0: the first working day after it is Tue 29 Dec.
    assert ENGLAND.add_working_days(date(2026, 12, 25), 1) == date(2026, 12, 29)


def test_zero_working_days_is_day0_itself():
    assert ENGLAND.add_working_days(date(2026, 11, 26), 0) == date(2026, 11, 26)
    assert ENGLAND.add_working_days(date(2026, 12, 25), 0) == date(2026, 12, 25)


# --- divisions --------------------------------------------------------------


def test_the_default_division_is_england():
    assert WorkingCalendar() == WorkingCalendar(division="england")


def test_england_and_wales_share_their_bank_holidays():
    for name in ("england", "england-and-wales", "wales"):
        calendar = WorkingCalendar(division=name)
        assert not calendar.is_working_day(date(2026, 4, 6))  # Easter Monday
        assert not calendar.is_working_day(date(2026, 8, 31))  # summer bank holiday
        assert calendar.is_working_day(date(2026, 11, 30))
        assert calendar.is_working_day(date(2026, 3, 17))


def test_scotland():
    scotland = WorkingCalendar(division="scotland")
    assert not scotland.is_working_day(date(2026, 1, 2))  # 2 January
    assert not scotland.is_working_day(date(2026, 8, 3))  # first Monday in August
    assert not scotland.is_working_day(date(2026, 11, 30))  # St Andrew's Day
    assert scotland.is_working_day(date(2026, 4, 6))  # no Easter Monday
    assert scotland.is_working_day(date(2026, 8, 31))


def test_northern_ireland():
    northern_ireland = WorkingCalendar(division="northern-ireland")
    assert not northern_ireland.is_working_day(date(2026, 3, 17))  # St Patrick's Day
    assert not northern_ireland.is_working_day(date(2026, 7, 13))  # Boyne, substitute
    assert not northern_ireland.is_working_day(date(2026, 4, 6))  # Easter Monday


def test_unknown_division_names_the_accepted_ones():
    with pytest.raises(ConfigError) as caught:
        WorkingCalendar(division="England")
    assert str(caught.value) == (
        "calendar division 'England' is not known; use one of: "
        "england, england-and-wales, northern-ireland, scotland, wales"
    )


def test_every_division_maps_to_a_subdivision_the_holidays_package_knows():
    from holidays.countries import UnitedKingdom

    assert set(DIVISIONS.values()) <= set(UnitedKingdom.subdivisions)


def test_importing_the_module_does_not_import_holidays():
    # lcspr keeps start-up fast: the holidays package loads on first use only.
    project = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(project)}
    result = subprocess.run(
        [sys.executable, "-c", "import sys, lcspr.calendar; print('holidays' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert result.stdout.strip() == "False"


# --- working_days_between ---------------------------------------------------


def test_working_days_between_known_dates():
    assert ENGLAND.working_days_between(date(2026, 12, 17), date(2027, 1, 12)) == 15
    assert ENGLAND.working_days_between(date(2027, 1, 12), date(2026, 12, 17)) == -15
    assert ENGLAND.working_days_between(date(2027, 6, 3), date(2027, 5, 24)) == -7
    assert ENGLAND.working_days_between(date(2026, 11, 26), date(2026, 11, 26)) == 0
    assert ENGLAND.working_days_between(date(2026, 11, 26), date(2026, 11, 27)) == 1
    assert ENGLAND.working_days_between(date(2026, 11, 27), date(2026, 11, 26)) == -1


def test_working_days_between_a_non_working_end():
    # After start: working days in (start, end]. Thu 19 Nov 2026 to Sat 21 Nov
    # holds Fri 20 only.
    assert ENGLAND.working_days_between(date(2026, 11, 19), date(2026, 11, 21)) == 1
    # Thu 24 Dec 2026 to Mon 28 Dec (Boxing Day substitute): nothing in between works.
    assert ENGLAND.working_days_between(date(2026, 12, 24), date(2026, 12, 28)) == 0
    # Before start: minus the working days in (end, start]. Sun 22 Nov to Mon 23 Nov.
    assert ENGLAND.working_days_between(date(2026, 11, 23), date(2026, 11, 22)) == -1
    # Sat 21 Nov to Sun 22 Nov: no working day has been missed yet.
    assert ENGLAND.working_days_between(date(2026, 11, 22), date(2026, 11, 21)) == 0
    # Sun 22 Nov 2026 from Tue 24: Mon 23 and Tue 24.
    assert ENGLAND.working_days_between(date(2026, 11, 24), date(2026, 11, 22)) == -2


def test_a_missed_friday_deadline_seen_over_the_weekend():
    # Deadline Fri 20 Nov 2026, a working day: overdue from Saturday on.
    deadline = date(2026, 11, 20)
    assert ENGLAND.working_days_between(date(2026, 11, 20), deadline) == 0
    assert ENGLAND.working_days_between(date(2026, 11, 21), deadline) == -1
    assert ENGLAND.working_days_between(date(2026, 11, 22), deadline) == -1
    assert ENGLAND.working_days_between(date(2026, 11, 23), deadline) == -1
    assert ENGLAND.working_days_between(date(2026, 11, 24), deadline) == -2


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def test_working_days_between_round_trips_with_add_working_days():
    # Every start date of a year with Easter, the Christmas substitutes and
    # New Year in it, weekends and bank holidays as day 0 included.
    for start in _days(date(2026, 3, 1), date(2027, 2, 28)):
        for n in range(31):
            later = ENGLAND.add_working_days(start, n)
            assert ENGLAND.working_days_between(start, later) == n, (start, n)
            earlier = ENGLAND.add_working_days(start, -n)
            assert ENGLAND.working_days_between(start, earlier) == -n, (start, -n)


def test_add_working_days_reaches_every_working_end():
    for start in _days(date(2026, 12, 1), date(2027, 1, 31)):
        for end in _days(start - timedelta(days=45), start + timedelta(days=45)):
            if ENGLAND.is_working_day(end):
                n = ENGLAND.working_days_between(start, end)
                assert ENGLAND.add_working_days(start, n) == end, (start, end)


def test_working_days_between_over_years_counts_each_day_once():
    # 2026 has 261 weekdays and 8 bank holidays on weekdays (Boxing Day falls
    # on Saturday 26 Dec and its substitute Mon 28 Dec is one of the 8).
    assert ENGLAND.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 253
    span = ENGLAND.working_days_between(date(2019, 12, 31), date(2030, 12, 31))
    by_hand = sum(
        1 for d in _days(date(2020, 1, 1), date(2030, 12, 31)) if ENGLAND.is_working_day(d)
    )
    assert span == by_hand


# --- extra_closures ---------------------------------------------------------


def test_extra_closures_are_not_working_days():
    calendar = WorkingCalendar(extra_closures=("2026-12-24", "2026-12-31"))
    assert not calendar.is_working_day(date(2026, 12, 24))
    assert not calendar.is_working_day(date(2026, 12, 31))
    assert calendar.is_working_day(date(2026, 12, 23))
    # The 15-day rapid review from 17 Dec 2026 loses Thu 24 and Thu 31 Dec:
    # 1 Fri 18, 2-4 Mon 21-Wed 23, 5-6 Tue 29-Wed 30, 7-11 Mon 4-Fri 8 Jan,
    # 12-15 Mon 11-Thu 14 Jan.
    assert calendar.add_working_days(date(2026, 12, 17), 15) == date(2027, 1, 14)
    assert calendar.working_days_between(date(2026, 12, 17), date(2027, 1, 14)) == 15
    assert ENGLAND.working_days_between(date(2026, 12, 17), date(2027, 1, 14)) == 17


def test_extra_closures_on_bank_holidays_and_weekends_change_nothing():
    calendar = WorkingCalendar(extra_closures=("2026-12-25", "2026-12-26", "2026-12-28"))
    end = date(2027, 1, 31)
    for start in _days(date(2026, 12, 1), date(2027, 1, 15)):
        assert calendar.working_days_between(start, end) == ENGLAND.working_days_between(start, end)
        assert calendar.add_working_days(start, 10) == ENGLAND.add_working_days(start, 10)


def test_extra_closures_accept_dates_and_are_kept_as_sorted_iso_strings():
    # An unquoted date in lcspr.toml arrives as a date object.
    calendar = WorkingCalendar(extra_closures=[date(2026, 12, 31), "2026-12-24", "2026-12-31"])  # type: ignore[arg-type]
    assert calendar.extra_closures == ("2026-12-24", "2026-12-31")
    assert calendar == WorkingCalendar(extra_closures=("2026-12-24", "2026-12-31"))
    assert hash(calendar) == hash(WorkingCalendar(extra_closures=("2026-12-31", "2026-12-24")))
    assert not calendar.is_working_day(date(2026, 12, 31))


def test_an_impossible_extra_closure_is_a_config_error_naming_it():
    with pytest.raises(ConfigError) as caught:
        WorkingCalendar(extra_closures=("2026-12-24", "2026-02-30"))
    message = str(caught.value)
    assert message.startswith("calendar extra_closures: '2026-02-30' is not a real date")
    assert "YYYY-MM-DD" in message


@pytest.mark.parametrize("closures", ["2026-12-24", date(2026, 12, 24), 20261224])
def test_extra_closures_must_be_a_list(closures):
    with pytest.raises(ConfigError, match="calendar extra_closures must be a list of dates"):
        WorkingCalendar(extra_closures=closures)  # type: ignore[arg-type]


def test_a_calendar_cannot_be_changed_once_made():
    with pytest.raises(AttributeError):
        ENGLAND.division = "scotland"  # type: ignore[misc]


MEMO_PROBE = """
import json, sys
from datetime import date
from lcspr.calendar import WorkingCalendar
days = sorted(d.isoformat() for d in WorkingCalendar("scotland")._bank_holidays(2027))
print(json.dumps({"days": days, "imported": "holidays" in sys.modules}))
"""


def _probe(env: dict[str, str]) -> dict:
    import json

    done = subprocess.run([sys.executable, "-c", MEMO_PROBE], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


def test_bank_holidays_are_remembered_for_the_installed_release(tmp_path):
    """The holidays package is imported once; later commands read its answer from the
    user's cache folder, the same days, until the memo no longer matches the release."""
    import holidays

    expected = sorted(d.isoformat() for d in holidays.country_holidays("GB", subdiv="SCT", years=2027))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = _probe(env)
    assert first == {"days": expected, "imported": True}
    memos = list((tmp_path / "cache" / "lcspr").glob("bank-holidays-*.json"))
    assert len(memos) == 1
    memo = memos[0]
    assert _probe(env) == {"days": expected, "imported": False}
    # Another installation (another release, another place) keeps its own memo beside it.
    other = memo.with_name("bank-holidays-0123456789abcdef.json")
    other.write_text('{"release": "elsewhere", "GB-SCT 2027": []}', encoding="utf-8")
    assert _probe(env) == {"days": expected, "imported": False}
    assert other.read_text(encoding="utf-8") == '{"release": "elsewhere", "GB-SCT 2027": []}'
    # A memo of another release (or a damaged one) is not believed.
    text = memo.read_text(encoding="utf-8")
    memo.write_text(text.replace('"release": "', '"release": "another '), encoding="utf-8")
    assert _probe(env) == {"days": expected, "imported": True}
    memo.write_text("{broken", encoding="utf-8")
    assert _probe(env) == {"days": expected, "imported": True}
    assert _probe(env) == {"days": expected, "imported": False}
