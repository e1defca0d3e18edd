"""Action plans, themes, `lcspr register` and `lcspr figures` (issue 12, points 1-4).

The figures are checked against values worked out by hand from the fictional
example cases (every one of them, 2025's included), with today fixed."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import EXAMPLES, FIXED_TODAY, commit_import, git, run

TODAY = FIXED_TODAY.isoformat()
PERIOD = ("--from", "2025-01-01", "--to", TODAY, "--on", TODAY)


@pytest.fixture
def every_example(records_root: Path) -> Path:
    """A records repository holding every fictional example case, each imported."""
    for folder in sorted(EXAMPLES.iterdir()):
        shutil.copytree(folder, records_root / "cases" / folder.name)
        commit_import(records_root, folder.name)
    return records_root


def figures_of(root: Path, *args: str) -> dict[str, dict]:
    result = run(root, "figures", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return {f["key"]: f for f in json.loads(result.stdout)["figures"]}


# Worked out by hand from the case files (dates in the comments).
HAND = {
    # Notified 2025-01-14 (LIG-2025-011), 2025-02-11 (LIG-2025-015), 2025-03-03 (LIG-2025-004), 2025-06-09
    # (LIG-2025-007, later found not to meet the criteria: still a notification made), 2026-05-18 (LIG-2026-001).
    "notifications": (5, ["LIG-2025-004", "LIG-2025-007", "LIG-2025-011", "LIG-2025-015", "LIG-2026-001"]),
    "notifications.death": (1, ["LIG-2025-015"]),
    "notifications.serious-harm": (3, ["LIG-2025-004", "LIG-2025-007", "LIG-2025-011"]),
    "notifications.not-recorded": (1, ["LIG-2026-001"]),
    # Aware Thu 2025-01-09 -> Tue 01-14: 3 working days; Mon 2025-02-03 -> Tue 02-11: 6 (late);
    # Wed 2025-02-26 -> Mon 03-03: 3; Thu 2025-06-05 -> Mon 06-09: 2; Tue 2026-05-12 -> Mon 05-18: 4.
    "notifications.on-time": (80.0, ["LIG-2025-004", "LIG-2025-007", "LIG-2025-011", "LIG-2026-001"]),
    # LIG-2025-007 had no rapid review (the criteria were not met).
    "rapid-reviews": (4, ["LIG-2025-004", "LIG-2025-011", "LIG-2025-015", "LIG-2026-001"]),
    # 2025-01-09 -> 01-29: 14 working days; 2025-02-03 -> 02-25: 16 (late); 2025-02-26 -> 03-18: 14;
    # 2026-05-12 -> 06-01: 13 (the spring bank holiday, 2026-05-25, does not count).
    "rapid-reviews.on-time": (75.0, ["LIG-2025-004", "LIG-2025-011", "LIG-2026-001"]),
    # What each rapid review concluded (serious_incident.outcome), not the route chosen after it:
    # LIG-2025-011 recommended a national review (the Panel declined; the LIG then chose Level 3);
    # LIG-2025-004 found no LCSPR (the LIG chose a Safeguarding Leads meeting); LIG-2026-001's
    # outcome is not recorded yet.
    "rapid-review-outcomes.lcspr": (1, ["LIG-2025-015"]),
    "rapid-review-outcomes.no-lcspr": (1, ["LIG-2025-004"]),
    "rapid-review-outcomes.national-review-recommended": (1, ["LIG-2025-011"]),
    "rapid-review-outcomes.not-recorded": (1, ["LIG-2026-001"]),
    # LIG decisions 2025-03-18, 2025-03-11, 2026-06-10, 2026-09-08.
    "lcsprs-commissioned": (4, ["LIG-2025-011", "LIG-2025-015", "LIG-2026-001", "LIG-2026-002"]),
    "lcsprs-commissioned.level-2": (2, ["LIG-2025-015", "LIG-2026-002"]),
    "lcsprs-commissioned.level-3": (2, ["LIG-2025-011", "LIG-2026-001"]),
    "lcsprs-in-progress": (2, ["LIG-2026-001", "LIG-2026-002"]),
    # On hold 2025-06-20 to 2025-08-29.
    "lcsprs-on-hold": (1, ["LIG-2025-011"]),
    "lcsprs-published": (1, ["LIG-2025-015"]),
    "lcsprs-not-published": (1, ["LIG-2025-011"]),
    # 2025-03-11 -> 2025-08-05: 147 days; 2025-03-18 -> 2025-11-20: 247 days; median 197.
    "time-to-publication.median": (197, ["LIG-2025-011", "LIG-2025-015"]),
    "time-to-publication.longest": (247, ["LIG-2025-011"]),
    # Due 2025-09-11 (met); LIG-2025-011 was due 2025-09-18, moved by its hold to the revised timescale
    # agreed with the National Panel, 2025-11-28, and not published on 2025-11-20 (met).
    "time-to-publication.on-time": (100.0, ["LIG-2025-011", "LIG-2025-015"]),
    # Sent 2025-07-22 (due 2025-07-25, 7 working days before 2025-08-05) and 2025-11-06 (due 2025-11-11,
    # 7 working days before 2025-11-20).
    "pre-publication.on-time": (100.0, ["LIG-2025-011", "LIG-2025-015"]),
    # Approved 2025-10-21 (R1, R2) and 2025-07-15 (R1-R3).
    "recommendations-made": (5, ["LIG-2025-011", "LIG-2025-015"]),
    # R1.1 completed 2026-03-27 and 2025-12-15.
    "actions-completed": (2, ["LIG-2025-011", "LIG-2025-015"]),
    # LIG-2025-015 R1.2 (due 2026-03-31) and R2.1 (2026-06-30); LIG-2025-011 closed before today.
    "actions-overdue": (2, ["LIG-2025-015"]),
    "themes.sudi": (2, ["LIG-2025-004", "LIG-2025-015"]),
    "themes.information-sharing": (2, ["LIG-2025-007", "LIG-2025-011"]),
    "themes.neglect": (1, ["LIG-2025-011"]),
    "themes.substance-misuse": (1, ["LIG-2025-015"]),
    "themes.child-mental-health": (1, ["LIG-2025-007"]),
    "themes.engaging-families": (1, ["LIG-2025-015"]),
    "learning-shared": (4, ["LIG-2025-011", "LIG-2025-015"]),
}


def test_every_figure_matches_the_hand_computed_value(every_example):
    found = figures_of(every_example, *PERIOD)
    assert {key: (f["value"], f["cases"]) for key, f in found.items()} == HAND
    assert all(f["value"] for f in found.values()), "every figure is non-zero on the examples"
    assert found["notifications.on-time"]["detail"] == "4 of 5"
    assert found["notifications.on-time"]["of"] == ["LIG-2025-004", "LIG-2025-007", "LIG-2025-011", "LIG-2025-015",
                                                    "LIG-2026-001"]
    assert found["notifications.on-time"]["target"] == "5 working days"
    assert found["rapid-reviews.on-time"]["target"] == "15 working days"
    assert found["time-to-publication.median"]["target"] == "6 months"
    assert found["lcsprs-in-progress"]["title"] == f"LCSPRs in progress on {TODAY}"


def test_a_year_of_figures_counts_only_what_happened_in_it(every_example):
    found = figures_of(every_example, "--from", "2025-01-01", "--to", "2025-12-31", "--on", TODAY)
    assert found["notifications"]["cases"] == ["LIG-2025-004", "LIG-2025-007", "LIG-2025-011", "LIG-2025-015"]
    assert found["notifications.on-time"]["value"] == 75.0  # LIG-2025-015 was notified late
    assert found["lcsprs-in-progress"]["value"] == 0  # both 2025 reviews finished by 31 December
    assert found["actions-overdue"]["value"] == 0  # the first falls due on 2026-01-31
    assert found["actions-completed"]["cases"] == ["LIG-2025-015"]
    assert "notifications.not-recorded" not in found
    found = figures_of(every_example, "--from", "2025-04-01", "--to", "2026-03-31", "--on", TODAY)
    # LIG-2025-011's R2.1 was open on 31 March 2026 and due on 31 January; the case closed later.
    assert found["actions-overdue"]["cases"] == ["LIG-2025-011"]
    assert found["actions-completed"]["cases"] == ["LIG-2025-011", "LIG-2025-015"]


def test_the_default_period_is_the_last_complete_reporting_year(every_example, fixed_today):
    from lcspr import config as config_module
    from lcspr.figures import default_period

    settings = config_module.load(every_example)
    assert default_period(settings, date(2026, 11, 26)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert default_period(settings, date(2026, 4, 1)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert default_period(settings, date(2026, 3, 31)) == (date(2024, 4, 1), date(2025, 3, 31))
    toml = every_example / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('reporting_year = "april-march"',
                                                             'reporting_year = "calendar"'), encoding="utf-8")
    settings = config_module.load(every_example)
    assert default_period(settings, date(2026, 11, 26)) == (date(2025, 1, 1), date(2025, 12, 31))
    assert default_period(settings, date(2026, 1, 1)) == (date(2025, 1, 1), date(2025, 12, 31))
    result = run(every_example, "figures", "--format", "json", "--on", TODAY)
    assert json.loads(result.stdout)["period"] == {"from": "2025-01-01", "to": "2025-12-31"}


def test_figures_as_markdown_with_the_cases_each_counts(every_example):
    result = run(every_example, "figures", *PERIOD, "--explain")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"## Child safeguarding practice reviews, 1 January 2025 to 26 November 2026"
    assert "| Figure | Value | Target | Cases |" in lines
    assert ("| Notifications made within 5 working days of becoming aware | 80% (4 of 5) | 5 working days | "
            "LIG-2025-004, LIG-2025-007, LIG-2025-011, LIG-2026-001 |") in lines
    assert ("| Median time from the decision to hold an LCSPR to its publication (or not) | 197 days (about 6.5 "
            "months) | 6 months | LIG-2025-011, LIG-2025-015 |") in lines
    plain = run(every_example, "figures", *PERIOD).stdout
    assert "| Figure | Value | Target |" in plain and "LIG-2025-011" not in plain


def test_figures_as_csv(every_example):
    import csv
    import io

    result = run(every_example, "figures", *PERIOD, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0] == {"key": "notifications", "title": "Serious incident notifications to the National Panel",
                       "value": "5", "unit": "notifications", "detail": "", "target": "",
                       "cases": "LIG-2025-004 LIG-2025-007 LIG-2025-011 LIG-2025-015 LIG-2026-001"}
    assert {r["key"]: r["value"] for r in rows}["rapid-reviews.on-time"] == "75.0"


@pytest.mark.parametrize("args, message", [
    (("--from", "2025-02-30", "--to", "2025-12-31"), "Invalid value for '--from': '2025-02-30' is not a real date"),
    (("--from", "1/1/2025", "--to", "2025-12-31"),
     "Invalid value for '--from': '1/1/2025' is not a date in the form YYYY-MM-DD"),
    (("--from", "2025-01-01"), "give the period with both --from and --to"),
    (("--from", "2025-12-31", "--to", "2025-01-01"), "--from 2025-12-31 is after --to 2025-01-01"),
])
def test_a_wrong_period_is_a_usage_error(every_example, args, message):
    result = run(every_example, "figures", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_period_with_no_cases_says_so(every_example):
    result = run(every_example, "figures", "--from", "2010-04-01", "--to", "2011-03-31")
    assert result.exit_code == 1
    assert result.stderr == ("Error: no case was open at any time from 2010-04-01 to 2011-03-31 (the cases run from "
                             "2025-01-13): choose another period with --from and --to.\n")


def test_register_json_is_the_library_result(every_example):
    from lcspr import register
    from lcspr.repository import open_repository

    result = run(every_example, "register", "--format", "json", "--on", TODAY)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == json.loads(json.dumps(register.build(open_repository(every_example), FIXED_TODAY)))
    assert list(printed) == ["cases", "actions", "problems"]
    assert [list(row) for row in printed["cases"]] == [[k for k, _ in register.CASE_COLUMNS]] * 7
    assert [list(row) for row in printed["actions"]] == [[k for k, _ in register.ACTION_COLUMNS]] * 7
    assert printed["problems"] == []


def test_register_rows_hold_each_step_against_its_target(every_example):
    from lcspr import register
    from lcspr.repository import open_repository

    rows = {r["id"]: r for r in register.build(open_repository(every_example), FIXED_TODAY)["cases"]}
    late = rows["LIG-2025-015"]
    assert {k: late[k] for k in ("route", "level", "nature", "notified", "notification_working_days",
                                 "notification_target", "notification_met", "rapid_review_working_days",
                                 "rapid_review_met", "lig_decision", "workshop", "approved", "sent_to_panel",
                                 "pre_publication_met", "published", "publication_date", "publication_due",
                                 "publication_days", "publication_met", "publication_url", "themes",
                                 "recommendations", "actions_open", "actions_overdue", "actions_completed",
                                 "actions_not_achieved", "next_deadline", "on_hold")} == {
        "route": "serious incident", "level": "level-2", "nature": "death", "notified": "2025-02-11",
        "notification_working_days": 6, "notification_target": "5 working days", "notification_met": False,
        "rapid_review_working_days": 16, "rapid_review_met": False, "lig_decision": "2025-03-11",
        "workshop": "2025-05-14", "approved": "2025-07-15", "sent_to_panel": "2025-07-22",
        "pre_publication_met": True, "published": True, "publication_date": "2025-08-05",
        "publication_due": "2025-09-11", "publication_days": 147, "publication_met": True,
        "publication_url": "https://example.org/lcspr/baby-j", "themes": ["sudi", "substance-misuse",
                                                                         "engaging-families"],
        "recommendations": 3, "actions_open": 3, "actions_overdue": 2, "actions_completed": 1,
        "actions_not_achieved": 0, "next_deadline": "2026-03-31 action R1.2 community-health (overdue)",
        "on_hold": False,
    }
    held = rows["LIG-2025-011"]
    assert (held["on_hold_since"], held["on_hold_days"], held["published"], held["workshop"]) == (
        "2025-06-20", 70, False, "2025-09-16")
    assert (held["actions_open"], held["actions_overdue"], held["actions_not_achieved"]) == (1, 0, 1)
    assert rows["LIG-2026-003"]["route"] == "serious incident" and rows["LIG-2026-003"]["notified"] is None
    assert rows["LIG-2026-003"]["notification_met"] is None  # due 2026-11-30: may still be met
    assert rows["LIG-2025-004"]["route"] == "serious incident" and rows["LIG-2025-004"]["stage"] == "Closed"
    assert rows["LIG-2026-002"]["route"] == "referral"


def test_register_as_table_and_csv(every_example):
    import csv
    import io

    from lcspr import register

    table = run(every_example, "register", "--on", TODAY).stdout.splitlines()
    assert table[0].split()[:4] == ["ID", "TITLE", "LEVEL", "STATUS"]
    assert any(line.startswith("LIG-2025-015  Baby J") and " no " in line for line in table)
    rows = list(csv.DictReader(io.StringIO(run(every_example, "register", "--format", "csv", "--on", TODAY).stdout)))
    assert list(rows[0]) == [k for k, _ in register.CASE_COLUMNS]
    baby_j = next(r for r in rows if r["id"] == "LIG-2025-015")
    assert (baby_j["notification_met"], baby_j["themes"], baby_j["on_hold_days"]) == (
        "no", "sudi; substance-misuse; engaging-families", "")
    actions = list(csv.DictReader(io.StringIO(
        run(every_example, "register", "--format", "csv", "--actions", "--on", TODAY).stdout)))
    assert [(a["case"], a["id"], a["status"], a["overdue"]) for a in actions if a["case"] == "LIG-2025-015"] == [
        ("LIG-2025-015", "R1.1", "completed", "no"), ("LIG-2025-015", "R1.2", "in-progress", "yes"),
        ("LIG-2025-015", "R2.1", "not-started", "yes"), ("LIG-2025-015", "R3.1", "in-progress", "no")]


def test_register_as_an_excel_workbook(every_example, tmp_path):
    from openpyxl import load_workbook

    from lcspr import register

    out = tmp_path / "register.xlsx"
    result = run(every_example, "register", "--format", "xlsx", "-o", str(out), "--on", TODAY)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Wrote {out}: 7 case(s), 7 action(s).")
    book = load_workbook(out)
    assert book.sheetnames == ["Cases", "Actions"]
    cases, actions = book["Cases"], book["Actions"]
    assert [c.value for c in cases[1]] == [t for _, t in register.CASE_COLUMNS]
    assert [c.value for c in actions[1]] == [t for _, t in register.ACTION_COLUMNS]
    assert cases.max_row == 8 and actions.max_row == 8
    keys = [k for k, _ in register.CASE_COLUMNS]
    baby_j = next(row for row in cases.iter_rows(min_row=2, values_only=True) if row[0] == "LIG-2025-015")
    values = dict(zip(keys, baby_j))
    assert values["notified"].date() == date(2025, 2, 11)  # a date cell, not text
    assert values["notification_working_days"] == 6
    assert values["notification_met"] == "no"
    assert values["themes"] == "sudi; substance-misuse; engaging-families"
    assert cases.freeze_panes == "B2" and cases.auto_filter.ref == cases.dimensions


def test_register_xlsx_needs_an_output_and_nothing_else_takes_one(every_example, tmp_path):
    result = run(every_example, "register", "--format", "xlsx")
    assert (result.exit_code, result.stderr) == (
        2, "Error: --format xlsx writes a workbook: name it with -o, e.g. -o register.xlsx.\n")
    result = run(every_example, "register", "--format", "csv", "-o", str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and not (tmp_path / "x.csv").exists()
    result = run(every_example, "register", "--format", "xlsx", "-o", str(tmp_path / "nowhere" / "r.xlsx"))
    assert (result.exit_code, result.stderr) == (
        2, f"Error: -o {tmp_path / 'nowhere' / 'r.xlsx'}: the folder {tmp_path / 'nowhere'} does not exist; "
           "create it or name another.\n")


PLAN = """---
case: LIG-2025-015
actions:
  - id: R1.1
    owner: community-health
    change: Safe sleep advice to both parents.
    measure: Audit.
    due: 2025-12-31
    status: completed
    completed: 2025-12-15
  - id: R1.1
    owner: polise
    change: A second action numbered like the first.
    measure: Audit.
    due: 2026-02-30
    status: not-achieved
  - id: R9.1
    owner: police
    change: An action for a recommendation the report does not make.
    measure: Audit.
    due: 2026-01-31
    status: in-progress
    completed: 2026-01-02
---
"""


def _break_the_plan(root: Path) -> None:
    (root / "cases" / "LIG-2025-015" / "actions.md").write_text(PLAN, encoding="utf-8")
    report = root / "cases" / "LIG-2025-015" / "report.md"
    report.write_text(report.read_text(encoding="utf-8").replace("  - id: R2\n", "  - id: R1\n"), encoding="utf-8")
    git(root, "commit", "-qam", "A reviewer's mistakes")


def test_validate_checks_an_action_plan_against_the_report(every_example):
    _break_the_plan(every_example)
    result = run(every_example, "validate", "LIG-2025-015")
    assert result.exit_code == 1
    plan, report = "cases/LIG-2025-015/actions.md", "cases/LIG-2025-015/report.md"
    assert result.output.splitlines() == [
        f"{plan}:12: actions[1].owner: 'polise' is not a known agency (known: childrens-services, police, icb, "
        "acute-trust, community-health, mental-health, gp, ambulance, education, early-years, probation, "
        "youth-justice, housing, adult-social-care, substance-misuse, domestic-abuse); did you mean 'police'?",
        f"{plan}:15: actions[1].due: '2026-02-30' is not a real date: write it YYYY-MM-DD, e.g. 2026-11-26",
        f"{report}:13: recommendations[1].id: R1 is used twice (first for recommendations[0]): give each "
        "recommendation its own ID",
        f"{plan}:11: actions[1].id: R1.1 is used twice (first for actions[0]): number each action of R1 once "
        "(R1.1, R1.2, ...)",
        f"{plan}:16: actions[1].status: an action not achieved needs its `reason`: say why",
        f"{plan}:17: actions[2].id: R9.1 answers R9, which report.md does not make (its recommendations: R1, R3): "
        "correct the ID or add R9 to report.md",
        f"{plan}:23: actions[2].completed: gives a completion date but the status is 'in-progress': set the status "
        "to completed, or remove the date",
        "7 problem(s) in 1 of 1 case(s).",
    ]


def test_register_and_figures_report_a_case_with_invalid_files_and_do_not_count_it(every_example):
    _break_the_plan(every_example)
    result = run(every_example, "register", "--format", "json", "--on", TODAY)
    assert result.exit_code == 1
    printed = json.loads(result.stdout)
    row = next(r for r in printed["cases"] if r["id"] == "LIG-2025-015")
    assert row["title"] == "Baby J" and len(row["problems"]) == 7
    assert printed["problems"] == row["problems"]
    assert "cases/LIG-2025-015/actions.md:17: actions[2].id: R9.1 answers R9" in result.stderr
    assert "Error: 7 problem(s) in the case files" in result.stderr
    result = run(every_example, "figures", *PERIOD, "--format", "json")
    assert result.exit_code == 1
    printed = json.loads(result.stdout)
    assert printed["not_counted"] == ["LIG-2025-015"]
    found = {f["key"]: f for f in printed["figures"]}
    assert found["notifications"]["cases"] == ["LIG-2025-004", "LIG-2025-007", "LIG-2025-011", "LIG-2026-001"]
    assert "1 case(s) were not counted: LIG-2025-015" in result.stderr
    markdown = run(every_example, "figures", *PERIOD).stdout
    assert "Not counted, because their files are invalid: LIG-2025-015." in markdown


def test_a_case_whose_case_md_cannot_be_read_is_listed_and_reported(every_example):
    (every_example / "cases" / "LIG-2025-004" / "case.md").write_text("no frontmatter\n", encoding="utf-8")
    result = run(every_example, "register", "--format", "json", "--on", TODAY)
    assert result.exit_code == 1
    row = json.loads(result.stdout)["cases"][0]
    assert (row["id"], row["status"]) == ("LIG-2025-004", "(unreadable)")
    assert row["problems"][0].startswith("cases/LIG-2025-004/case.md")


def test_due_lists_open_actions_and_the_action_plan_review(every_example):
    result = run(every_example, "due", "--on", TODAY, "--format", "json")
    assert result.exit_code == 3
    found = [(d["case"], d["deadline"], d["agency"], d["due"], d["state"]) for d in json.loads(result.stdout)
             if d["case"].startswith("LIG-2025")]
    assert found == [
        ("LIG-2025-015", "action R1.2", "community-health", "2026-03-31", "overdue"),
        ("LIG-2025-015", "action R2.1", "substance-misuse", "2026-06-30", "overdue"),
        # Monitoring began 2025-08-12: the twelve-month review fell due 2026-08-12.
        ("LIG-2025-015", "action-plan-review", "", "2026-08-12", "overdue"),
        ("LIG-2025-015", "action R3.1", "childrens-services", "2027-01-31", "open"),
    ]  # LIG-2025-011 is closed: its carried-forward action is no longer tracked here


def test_the_action_plan_review_is_done_when_recorded(every_example):
    case_md = every_example / "cases" / "LIG-2025-015" / "case.md"
    case_md.write_text(case_md.read_text(encoding="utf-8").replace(
        "  started: 2025-08-12\n", "  started: 2025-08-12\n  reviewed: 2026-08-10\n"), encoding="utf-8")
    found = json.loads(run(every_example, "due", "--on", TODAY, "--format", "json").stdout)
    assert "action-plan-review" not in [d["deadline"] for d in found]


def test_closing_with_open_actions_needs_the_lig_to_record_why(every_example, fixed_today):
    result = run(every_example, "advance", "LIG-2025-015", "closed", "--by", "lig", "--reason", "Plan done.")
    assert result.exit_code == 1
    assert ("actions.md has open actions (R1.2, R2.1, R3.1): complete them, mark them not achieved with a reason, "
            "or record why the case may close with them open: --set 'action_plan.open_actions_reason=...'"
            ) in result.stderr
    result = run(every_example, "advance", "LIG-2025-015", "closed", "--by", "lig", "--reason", "Plan done.",
                 "--set", "action_plan.open_actions_reason=R1.2, R2.1 and R3.1 move to the business plan.")
    assert result.exit_code == 0, result.output
    assert "action_plan:\n  started: 2025-08-12\n  open_actions_reason: R1.2, R2.1 and R3.1 move to the business " \
           "plan.\n" in (every_example / "cases" / "LIG-2025-015" / "case.md").read_text(encoding="utf-8")
    assert run(every_example, "audit").exit_code == 0


def test_themes_come_from_lcspr_toml(every_example):
    case_md = every_example / "cases" / "LIG-2025-004" / "case.md"
    text = case_md.read_text(encoding="utf-8")
    line = text[:text.index("themes: [sudi]")].count("\n") + 1
    case_md.write_text(text.replace("themes: [sudi]", "themes: [sudy]"), encoding="utf-8")
    result = run(every_example, "validate", "LIG-2025-004")
    assert result.exit_code == 1
    assert f"case.md:{line}: themes[0]: 'sudy' is not a known theme (known: neglect, domestic-abuse" in result.output
    assert "did you mean 'sudi'?" in result.output
    toml = every_example / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[themes]\n", '[themes]\nsudy = "A theme of our own"\n'),
                    encoding="utf-8")
    assert run(every_example, "validate", "LIG-2025-004").exit_code == 0


def test_days_on_hold_add_up_every_hold_in_the_decision_trail(every_example, fixed_today):
    def advance(state: str, on: str) -> None:
        result = run(every_example, "advance", "LIG-2026-002", state, "--by", "lig", "--on", on,
                     "--reason", "Trial listed." if state == "on-hold" else "Trial adjourned.")
        assert result.exit_code == 0, result.output

    advance("on-hold", "2026-10-01")
    advance("partnership-workshop", "2026-10-10")
    advance("on-hold", "2026-11-02")
    rows = {r["id"]: r for r in json.loads(run(every_example, "register", "--format", "json", "--on", TODAY)
                                           .stdout)["cases"]}
    held = rows["LIG-2026-002"]
    # 2026-10-01 to 10-10 (9 days), then 2026-11-02 to today, 2026-11-26 (24 days).
    assert (held["on_hold"], held["on_hold_since"], held["on_hold_days"]) == (True, "2026-11-02", 33)
    assert held["next_deadline"].endswith("(delayed)")
    # Imported already closed, LIG-2025-011's only record of its hold is its case.md.
    assert rows["LIG-2025-011"]["on_hold_days"] == 70
    found = figures_of(every_example, *PERIOD)
    assert found["lcsprs-on-hold"]["cases"] == ["LIG-2025-011", "LIG-2026-002"]
    assert found["lcsprs-in-progress"]["cases"] == ["LIG-2026-001"]
    # Its first hold, which case.md no longer records, counts in a period that saw only it.
    found = figures_of(every_example, "--from", "2026-10-05", "--to", "2026-10-08", "--on", TODAY)
    assert found["lcsprs-on-hold"]["cases"] == ["LIG-2026-002"]
    assert found["lcsprs-in-progress"]["cases"] == ["LIG-2026-001"]


# --- what the register keeps between runs ----------------------------------------------------


@pytest.fixture
def register_reads(monkeypatch):
    """The case IDs the register actually reads from their files, run by run."""
    from lcspr import register

    seen: list[str] = []
    real = register._read

    def counting(repo, case_id, kinds):
        seen.append(case_id)
        return real(repo, case_id, kinds)

    monkeypatch.setattr(register, "_read", counting)
    return seen


def _everything(root: Path) -> tuple[dict, dict, dict]:
    """The register, the figures (of the default period) and the reads, as JSON gives them."""
    from lcspr import figures, register
    from lcspr.repository import open_repository

    repo = open_repository(root)
    reads = register.read_cases(repo)
    registered = json.loads(json.dumps(register.build(repo, FIXED_TODAY, reads)))
    counted = json.loads(json.dumps(figures.compute(repo, *_year(), reads=reads), default=str))
    return registered, counted, {r.id: (r.data, r.problems) for r in reads}


def _year() -> tuple[date, date, date]:
    return date(2025, 1, 1), FIXED_TODAY, FIXED_TODAY


def test_the_register_reads_again_only_the_cases_that_changed(every_example, register_reads):
    from lcspr import register
    from lcspr.repository import open_repository

    ids = sorted(p.name for p in (every_example / "cases").iterdir() if p.is_dir())
    afresh = register.read_cases(open_repository(every_example), cache=False)
    first = _everything(every_example)
    assert sorted(register_reads) == sorted(ids * 2)  # once without the cache, once filling it
    assert (every_example / ".git" / "lcspr" / register.INPUTS_NAME).is_file()
    register_reads.clear()
    # Kept: nothing is read, and the register, the figures and what was read are what reading afresh gives.
    again = _everything(every_example)
    assert register_reads == [] and again == first
    assert again[2] == {r.id: (r.data, r.problems) for r in afresh}
    # An edit is read again, that case alone; a broken plan's problems are kept for the day, and reported.
    _break_the_plan(every_example)
    broken = _everything(every_example)
    assert register_reads == ["LIG-2025-015"]
    assert len(broken[2]["LIG-2025-015"][1]) == 7
    register_reads.clear()
    assert _everything(every_example) == broken and register_reads == []


def test_the_register_looks_for_problems_again_on_a_new_day(every_example, register_reads, monkeypatch):
    from lcspr import register, schemas
    from lcspr.repository import open_repository

    class Day(date):
        today_is = date(2026, 12, 1)

        @classmethod
        def today(cls) -> date:
            return cls.today_is

    monkeypatch.setattr(register, "date", Day)
    monkeypatch.setattr(schemas, "date", Day)
    path = every_example / "cases" / "LIG-2025-004" / "case.md"
    text = path.read_text(encoding="utf-8")
    received = next(line for line in text.splitlines() if line.strip().startswith("received:"))
    path.write_text(text.replace(received, received.split(":")[0] + ": 2026-12-02"), encoding="utf-8")
    reads = register.read_cases(open_repository(every_example))
    problems = {r.id: r.problems for r in reads if r.problems}
    assert list(problems) == ["LIG-2025-004"] and "is in the future (today is 2026-12-01)" in problems["LIG-2025-004"][0]
    register_reads.clear()
    Day.today_is = date(2026, 12, 2)  # the date is today now: only that case is read again, and it is valid
    assert not any(r.problems for r in register.read_cases(open_repository(every_example)))
    assert register_reads == ["LIG-2025-004"]
    register_reads.clear()
    Day.today_is = date(2026, 11, 30)  # the clock went back: no verdict of a later day holds
    register.read_cases(open_repository(every_example))
    assert len(register_reads) == len(reads)


def test_a_damaged_register_cache_is_only_slower(every_example, register_reads):
    from lcspr import register
    from lcspr.repository import open_repository

    first = _everything(every_example)
    path = every_example / ".git" / "lcspr" / register.INPUTS_NAME
    saved = json.loads(path.read_text(encoding="utf-8"))
    wrong = [None, [], {"day": TODAY}, {"day": TODAY, "files": None, "problems": []},
             {"day": TODAY, "files": {"case": "x"}, "problems": []}, {"day": TODAY, "files": {}, "problems": [1]}]
    for damaged in wrong:
        register_reads.clear()
        for entry in saved["cases"].values():
            entry["result"] = damaged
        path.write_text(json.dumps(saved), encoding="utf-8")
        assert _everything(every_example) == first, damaged
        assert len(register_reads) == len(first[2]), damaged
    path.write_text("{not json", encoding="utf-8")
    assert _everything(every_example) == first
