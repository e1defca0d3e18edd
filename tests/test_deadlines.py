"""The statutory clock: deadlines from workflow data, `lcspr due`, and deadlines in list/show/next."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import git, run

from lcspr import mdfile, records
from lcspr.deadlines import all_due, open_deadlines
from lcspr.repository import open_repository


def edit(root: Path, case_id: str, updates: dict, message: str = "edit by hand") -> None:
    """Set case.md fields the way a reviewer would, and commit."""
    path = root / "cases" / case_id / "case.md"
    md = mdfile.read(path)
    mdfile.write_atomic(path, mdfile.set_fields(md, {tuple(k.split(".")): v for k, v in updates.items()}))
    git(root, "commit", "-q", "-am", message)


def due_of(root: Path, case_id: str, today: str):
    repo = open_repository(root)
    case = records.read_case(repo.config, case_id)
    return {(d.deadline, d.agency): d for d in open_deadlines(repo.config, repo.workflow, case, today=date.fromisoformat(today))}


def test_notification_and_rapid_review_count_working_days_from_awareness(examples_root):
    # Baby C: aware Monday 2026-11-23. 5 working days: Mon 30 Nov. 15: Mon 14 Dec.
    found = due_of(examples_root, "LIG-2026-003", "2026-11-26")
    assert found[("notification", "")].due == "2026-11-30"
    assert found[("notification", "")].working_days_left == 2
    assert found[("notification", "")].state == "open"
    assert found[("rapid-review", "")].due == "2026-12-14"
    assert found[("notification", "")].rule.startswith("Children Act 2004 s16C")


def test_rapid_review_day0_can_be_the_notification(examples_root):
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text().replace('rapid_review_day0 = "awareness"', 'rapid_review_day0 = "notification"'))
    git(examples_root, "commit", "-q", "-am", "Count the rapid review from the notification")
    assert ("rapid-review", "") not in due_of(examples_root, "LIG-2026-003", "2026-11-26")
    edit(examples_root, "LIG-2026-003", {"serious_incident.notified": "2026-12-17"})
    # Notified Thu 17 Dec 2026: 15 working days skip 25, 28 Dec and 1 Jan -> Tue 12 Jan 2027.
    assert due_of(examples_root, "LIG-2026-003", "2026-12-18")[("rapid-review", "")].due == "2027-01-12"


def test_done_field_stops_a_deadline(examples_root):
    edit(examples_root, "LIG-2026-003", {"serious_incident.notified": "2026-11-27"})
    found = due_of(examples_root, "LIG-2026-003", "2026-11-27")
    assert ("notification", "") not in found
    assert ("rapid-review", "") in found


def test_overdue_has_negative_working_days(examples_root):
    found = due_of(examples_root, "LIG-2026-003", "2026-12-02")
    assert found[("notification", "")].state == "overdue"
    assert found[("notification", "")].working_days_left == -2


def test_referral_responses_one_per_agency_until_returned(examples_root):
    edit(examples_root, "LIG-2026-003", {"agencies_involved": ["acute-trust", "gp"], "dates.responses_requested": "2026-11-25"})
    found = due_of(examples_root, "LIG-2026-003", "2026-11-26")
    # 10 working days (the lcspr.toml default) from Wed 25 Nov: Wed 9 Dec.
    assert found[("referral-response", "gp")].due == "2026-12-09"
    assert found[("referral-response", "acute-trust")].due == "2026-12-09"
    response = examples_root / "cases/LIG-2026-003/responses/gp.md"
    response.write_text("---\ncase: LIG-2026-003\nagency: gp\ndate: 2026-12-01\n---\nReturned.\n")
    git(examples_root, "add", "-A")
    git(examples_root, "commit", "-q", "-m", "GP response")
    found = due_of(examples_root, "LIG-2026-003", "2026-12-02")
    assert ("referral-response", "gp") not in found
    assert ("referral-response", "acute-trust") in found


def test_response_length_is_configurable(examples_root):
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text().replace("response_working_days = 10", "response_working_days = 3"))
    git(examples_root, "commit", "-q", "-am", "Three days for responses")
    edit(examples_root, "LIG-2026-003", {"agencies_involved": ["gp"], "dates.responses_requested": "2026-11-25"})
    assert due_of(examples_root, "LIG-2026-003", "2026-11-26")[("referral-response", "gp")].due == "2026-11-30"


def test_publication_six_months_from_the_decision_only_for_an_lcspr(examples_root):
    found = due_of(examples_root, "LIG-2026-002", "2026-11-26")
    # Decision 2026-09-08 + 6 months = 2027-03-08.
    assert found[("publication", "")].due == "2027-03-08"
    edit(examples_root, "LIG-2026-002", {"level": "level-1"})
    assert ("publication", "") not in due_of(examples_root, "LIG-2026-002", "2026-11-26")


def test_pre_publication_working_days_before_planned_publication(examples_root):
    found = due_of(examples_root, "LIG-2026-001", "2026-11-26")
    # 7 working days before Thu 10 Dec 2026: Tue 1 Dec.
    assert found[("pre-publication", "")].due == "2026-12-01"
    edit(examples_root, "LIG-2026-001", {"dates.planned_publication": "2027-01-05"})
    # 7 working days before Tue 5 Jan 2027, skipping 1 Jan, 28 and 25 Dec: Tue 22 Dec.
    assert due_of(examples_root, "LIG-2026-001", "2026-11-26")[("pre-publication", "")].due == "2026-12-22"


def test_stop_state_stops_the_deadline(examples_root):
    edit(examples_root, "LIG-2026-003", {"status": "closed", "dates.closed": "2026-11-26"})
    assert due_of(examples_root, "LIG-2026-003", "2026-12-20") == {}


def test_on_hold_shows_delayed_with_reason_not_overdue(examples_root):
    edit(examples_root, "LIG-2026-003", {"serious_incident.notified": "2026-11-27", "serious_incident.rapid_review": "2026-12-10"})
    result = run(examples_root, "advance", "LIG-2026-001", "on-hold", "--reason", "Parallel criminal proceedings",
                 "--by", "lig-chair", "--on", "2026-11-20")
    assert result.exit_code == 0, result.output
    found = due_of(examples_root, "LIG-2026-001", "2027-02-01")
    publication = found[("publication", "")]
    assert publication.state == "delayed"
    # While on hold the publication deadline moves by the days on hold so far; the original stays shown.
    assert publication.note == "on hold since 2026-11-20: Parallel criminal proceedings; originally due 2026-12-10"
    assert publication.original_due == "2026-12-10"
    result = run(examples_root, "due", "--on", "2027-02-01", "--format", "json")
    assert result.exit_code == 0, result.output  # delayed is not overdue
    rows = [r for r in json.loads(result.output) if r["case"] == "LIG-2026-001"]
    assert {r["state"] for r in rows} == {"delayed"}
    # Resumed: the deadlines run again, and are overdue.
    result = run(examples_root, "advance", "LIG-2026-001", "report-drafting", "--reason", "Proceedings concluded",
                 "--by", "lig-chair", "--on", "2026-11-26")
    assert result.exit_code == 0, result.output
    assert due_of(examples_root, "LIG-2026-001", "2027-02-01")[("publication", "")].state == "overdue"


def test_due_lists_most_urgent_first_and_exits_3_when_overdue(examples_root):
    result = run(examples_root, "due", "--on", "2026-11-26")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["CASE", "DEADLINE", "AGENCY", "DUE"]
    assert [line.split()[1] for line in lines[1:]] == [
        "notification", "pre-publication", "publication", "rapid-review", "publication",
    ]
    late = run(examples_root, "due", "--on", "2026-12-02")
    assert late.exit_code == 3
    assert "overdue" in late.output


def test_due_within_and_csv(examples_root):
    result = run(examples_root, "due", "--on", "2026-11-26", "--within", "3", "--format", "csv")
    assert result.exit_code == 0
    rows = result.output.splitlines()
    assert rows[0] == "case,deadline,agency,due,working_days_left,state,title,note"
    assert [r.split(",")[1] for r in rows[1:]] == ["notification", "pre-publication"]


def test_due_rejects_a_bad_date(examples_root):
    result = run(examples_root, "due", "--on", "2026-02-30")
    assert result.exit_code == 2
    assert "--on" in result.output and "2026-02-30" in result.output
    assert "Traceback" not in result.output


def test_all_due_reads_every_case(examples):
    found = all_due(examples, date(2026, 11, 26))
    assert {d.case for d in found} == {"LIG-2026-001", "LIG-2026-002", "LIG-2026-003"}


def test_list_and_show_give_the_next_deadline(examples_root, monkeypatch):
    result = run(examples_root, "list", "--format", "json")
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert rows["LIG-2026-003"]["next_deadline"].startswith("2026-11-30 notification")
    shown = json.loads(run(examples_root, "show", "LIG-2026-003", "--format", "json").output)
    assert [d["deadline"] for d in shown["deadlines"]] == ["notification", "rapid-review"]


def test_next_says_which_deadlines_a_transition_starts_and_stops(examples_root):
    result = run(examples_root, "next", "LIG-2026-003", "--format", "json")
    options = {o["state"]: o for o in json.loads(result.output)}
    notified = options["serious-incident-notified"]
    assert "Notify the National Panel of the serious incident" in notified["stops"]
    screening = options["screening"]
    assert screening["starts"] == []  # no agencies listed yet, so no response deadlines
    text = run(examples_root, "next", "LIG-2026-003").output
    assert "stops the deadline: Notify the National Panel of the serious incident" in text


@pytest.mark.parametrize("field", ["working_days", "months"])
def test_a_broken_deadline_in_a_custom_workflow_names_the_line(examples_root, field):
    from lcspr.workflow import DEFAULT_WORKFLOW

    text = DEFAULT_WORKFLOW.read_text().replace("    working_days: 5\n", f"    {field}: five\n")
    (examples_root / "workflow.yaml").write_text(text)
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text().replace('# [overrides]\n# workflow = "workflow.yaml"', '[overrides]\nworkflow = "workflow.yaml"'))
    result = run(examples_root, "due")
    assert result.exit_code == 1
    assert "workflow.yaml:" in result.output and "deadlines[0]" in result.output


def test_a_deadline_stopping_at_an_unknown_state_is_refused(examples_root):
    from lcspr.workflow import DEFAULT_WORKFLOW

    text = DEFAULT_WORKFLOW.read_text().replace("stops_at: [rapid-review-sent, notification", "stops_at: [rapid-reveiw, notification")
    (examples_root / "workflow.yaml").write_text(text)
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text().replace('# [overrides]\n# workflow = "workflow.yaml"', '[overrides]\nworkflow = "workflow.yaml"'))
    result = run(examples_root, "due")
    assert result.exit_code == 1
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "rapid-reveiw" in l)
    assert f"workflow.yaml:{line}: deadlines[1].stops_at: 'rapid-reveiw' is not a state" in result.output


def test_a_case_that_cannot_be_read_does_not_hide_the_others(examples_root):
    (examples_root / "cases" / "LIG-2026-002" / "case.md").write_text("no frontmatter here\n", encoding="utf-8")
    result = run(examples_root, "due", "--on", "2026-11-26", "--format", "json")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert rows[0]["case"] == "LIG-2026-002" and rows[0]["state"] == "unreadable"
    assert "LIG-2026-001" in {r["case"] for r in rows[1:]}
    assert "some cases cannot be read" in result.stderr
