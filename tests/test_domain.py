"""The partnership's process as the menu and the statute have it: the serious-incident
path, the National Panel's decisions, not publishing, late sending, holds, warnings, and
a workflow whose states are all renamed (one test per point of the domain review)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import add_case, git, run

CASE = "LIG-2026-010"


def advance(root: Path, state: str, *args: str, case: str = CASE) -> str:
    result = run(root, "advance", case, state, "--reason", f"Moved to {state}.", *args)
    assert result.exit_code == 0, result.output
    return result.output


def refused(root: Path, state: str, *args: str, code: int = 1, case: str = CASE) -> str:
    result = run(root, "advance", case, state, "--reason", f"Moved to {state}.", *args)
    assert result.exit_code == code, result.output
    return result.output


def case_md(root: Path, case: str = CASE) -> str:
    return (root / "cases" / case / "case.md").read_text(encoding="utf-8")


def trailers(root: Path, rev: str = "HEAD") -> str:
    return git(root, "log", "-1", "--format=%(trailers)", rev)


def due_rows(root: Path, on: str, case: str = CASE) -> dict[tuple[str, str], dict]:
    result = run(root, "due", "--on", on, "--format", "json")
    assert result.exit_code in (0, 3), result.output
    return {(r["deadline"], r["agency"]): r for r in json.loads(result.output) if r["case"] == case}


NOTIFIED = (
    "agencies_involved: [police, acute-trust, childrens-services]\n"
    "serious_incident:\n  aware: 2026-10-01\n  notified: 2026-10-05\n  reference: SIN-2026-0042\n"
    "  nature: serious-harm\n"
)


# 1. Level 4 declined, then Level 3: the decision to hold the review is the local route's.
def test_a_declined_national_review_keeps_the_referral_date_and_counts_from_the_local_decision(records_root):
    add_case(records_root, CASE, "screening", "  responses_requested: 2026-10-02\n"
             "agencies_involved: [police, acute-trust, childrens-services]\n"
             "lig_decision:\n  criteria: [a]\n  rationale: A pattern seen before.\n"
             "national_review:\n  criteria: [c]\n"
             "reviewer:\n  kind: independent\n  role: Independent reviewer\n  independent_of_case: true\n"
             "panel:\n  - agency: police\n  - agency: icb\n  - agency: childrens-services\n")
    advance(records_root, "national-review", "--by", "lig", "--on", "2026-10-06")
    assert "  national_referral: 2026-10-06\n" in case_md(records_root)
    assert "lig_decision: 2026-10-06" not in case_md(records_root)
    advance(records_root, "national-review-declined", "--by", "national-panel", "--recorded-by", "secretariat",
            "--on", "2026-11-03")
    advance(records_root, "local-learning-review", "--by", "lig", "--on", "2026-11-10")
    text = case_md(records_root)
    assert "  national_referral: 2026-10-06\n" in text and "  lig_decision: 2026-11-10\n" in text
    # Six months from the local decision, not from the referral to the Panel.
    assert due_rows(records_root, "2026-11-20")[("publication", "")]["due"] == "2027-05-10"


# 2. Notified before screening: the rapid review asks the agencies for their chronologies, with deadlines.
def test_the_rapid_review_requests_the_agencies_responses_with_their_deadlines(records_root):
    add_case(records_root, CASE, "referral-received", NOTIFIED)
    advance(records_root, "serious-incident-notified", "--by", "secretariat", "--on", "2026-10-05")
    assert "responses" not in trailers(records_root)
    out = advance(records_root, "rapid-review-under-way", "--by", "secretariat", "--on", "2026-10-06")
    assert "rapid-review-under-way" in out
    assert "  responses_requested: 2026-10-06\n" in case_md(records_root)
    assert "Lcspr-Requested: police" in trailers(records_root)
    rows = due_rows(records_root, "2026-10-07")
    assert {agency for deadline, agency in rows if deadline == "referral-response"} == {
        "police", "acute-trust", "childrens-services"}
    # The rapid review itself is still due 15 working days from becoming aware.
    assert rows[("rapid-review", "")]["due"] == "2026-10-22"


# 3. Rapid review outcomes, the Panel's answer, and an incident that does not meet the criteria.
@pytest.mark.parametrize("outcome, allowed, refused_state", [
    ("lcspr", "local-learning-review", "safeguarding-leads"),
    ("no-lcspr", "safeguarding-leads", "partnership-workshop"),
    ("national-review-recommended", "national-review", "local-learning-review"),
])
def test_the_rapid_reviews_outcome_decides_the_route(records_root, outcome, allowed, refused_state):
    add_case(records_root, CASE, "rapid-review-under-way", "  responses_requested: 2026-10-06\n" + NOTIFIED.replace(
        "  nature: serious-harm\n", f"  nature: serious-harm\n  rapid_review: 2026-10-20\n  outcome: {outcome}\n"
        + ("  learning: Taken forward by the health leads.\n" if outcome == "no-lcspr" else ""))
        + "lig_decision:\n  criteria: [a]\n  rationale: Learning for all agencies.\n"
        + "national_review:\n  criteria: [c]\n"
        + "reviewer:\n  kind: independent\n  role: Independent reviewer\n  independent_of_case: true\n"
        + "panel:\n  - agency: police\n  - agency: icb\n  - agency: childrens-services\n")
    advance(records_root, "rapid-review-sent", "--by", "secretariat", "--on", "2026-10-20")
    message = refused(records_root, refused_state, "--by", "lig-chair", "--on", "2026-10-21")
    assert "serious_incident.outcome" in message, message
    advance(records_root, allowed, "--by", "lig-chair", "--on", "2026-10-21")


def test_no_lcspr_records_the_learning_and_closes_once_the_panel_has_answered(records_root):
    add_case(records_root, CASE, "rapid-review-sent", "  responses_requested: 2026-10-06\n" + NOTIFIED.replace(
        "  nature: serious-harm\n", "  nature: serious-harm\n  rapid_review: 2026-10-20\n  outcome: no-lcspr\n"
        "  learning: Discharge letters did not reach the GP.\n"))
    advance(records_root, "no-further-action", "--by", "lig", "--on", "2026-10-21")
    message = refused(records_root, "closed", "--by", "lig", "--on", "2026-11-02")
    assert "the National Panel's answer to the rapid review is not recorded" in message
    advance(records_root, "closed", "--by", "lig", "--on", "2026-11-02", "--set", "serious_incident.panel_response."
            "date=2026-10-30", "--set", "serious_incident.panel_response.summary=The Panel agreed.")
    assert "status: closed" in case_md(records_root)


def test_an_incident_found_not_to_meet_the_criteria_records_why_and_goes_to_the_lig(records_root):
    add_case(records_root, CASE, "serious-incident-notified", NOTIFIED)
    message = refused(records_root, "notification-criteria-not-met", "--by", "secretariat", "--on", "2026-10-07")
    assert "serious_incident.criteria_not_met" in message
    advance(records_root, "notification-criteria-not-met", "--by", "secretariat", "--on", "2026-10-07",
            "--set", "serious_incident.criteria_not_met=The harm did not result from abuse or neglect.")
    # The LIG then considers it as a referral.
    advance(records_root, "screening", "--by", "secretariat", "--on", "2026-10-08")


def test_a_notification_stores_no_identifying_details(records_root):
    add_case(records_root, CASE, "referral-received", NOTIFIED.replace("  nature: serious-harm\n",
                                                                       "  nature: serious-harm\n  child_name: X\n"))
    result = run(records_root, "validate", CASE)
    assert result.exit_code == 1
    assert "serious_incident.child_name: `child_name` is not a field here" in result.output
    assert "reference, criteria_not_met, rapid_review, outcome, learning, panel_response)" in result.output


# 4. The National Panel's decisions are recorded as the Panel's, by the secretariat on its behalf.
def test_the_national_panel_decides_a_national_review_and_the_secretariat_records_it(records_root):
    add_case(records_root, CASE, "national-review", "  national_referral: 2026-10-06\n"
             "national_review:\n  criteria: [c]\n", level="level-4")
    message = refused(records_root, "national-review-commissioned", "--by", "lig", "--on", "2026-11-03", code=1)
    assert "national-panel" in message
    message = refused(records_root, "national-review-commissioned", "--by", "national-panel", "--recorded-by",
                      "lig", "--on", "2026-11-03")
    assert "secretariat" in message
    advance(records_root, "national-review-commissioned", "--by", "national-panel", "--recorded-by", "secretariat",
            "--on", "2026-11-03")
    record = trailers(records_root)
    assert "Lcspr-Decided-By: national-panel\n" in record and "Lcspr-Recorder: secretariat\n" in record
    assert "decision: commissioned" in case_md(records_root)
    history = run(records_root, "history", CASE)
    assert "decided by national-panel, recorded on its behalf by secretariat" in history.output
    assert run(records_root, "audit").exit_code == 0


# 5. Not publishing still goes to the National Panel and the DfE first, with its reason.
def test_not_publishing_goes_to_the_panel_first(examples_root):
    from test_record import CASE as EXAMPLE
    from test_record import approve

    approve(examples_root)
    message = refused(examples_root, "not-published", "--by", "board", case=EXAMPLE)
    assert "cannot move from approved to not-published" in message
    assert "pre-publication: Final report sent to the National Panel and the DfE before publication" in message
    advance(examples_root, "pre-publication", "--set", "dates.planned_publication=2026-12-20", "--on", "2026-11-25",
            case=EXAMPLE)
    # The publication deadline stops at not-published as it does at published: the same timescale.
    assert ("publication", "") in due_rows(examples_root, "2026-11-26", case=EXAMPLE)
    message = refused(examples_root, "not-published", "--by", "board", "--on", "2026-11-26", case=EXAMPLE)
    assert "`publication.reason_not_published` is not set" in message
    advance(examples_root, "not-published", "--by", "board", "--on", "2026-11-26",
            "--set", "publication.reason_not_published=Parallel proceedings.",
            "--set", "publication.improvements_published=A learning briefing.", case=EXAMPLE)
    assert due_rows(examples_root, "2026-11-26", case=EXAMPLE) == {}
    assert "  reason_not_published: Parallel proceedings.\n" in case_md(examples_root, EXAMPLE)


# 6. Sending late before publication is recorded, not refused, and counted.
def test_sending_late_before_publication_is_recorded_and_shown(examples_root):
    from test_record import CASE as EXAMPLE
    from test_record import approve

    approve(examples_root)
    # 7 working days before 2026-11-30 is 2026-11-19; sent on 2026-11-25.
    out = advance(examples_root, "pre-publication", "--set", "dates.planned_publication=2026-11-30",
                  "--on", "2026-11-25", case=EXAMPLE)
    assert ("Noted (not refused): Send the final report to the National Panel and the DfE: done 2026-11-25, "
            "after its due date 2026-11-19") in out
    assert "Lcspr-Noted: Send the final report to the National Panel and the DfE: done 2026-11-25" in trailers(
        examples_root)
    assert "  sent: 2026-11-25\n  late: true\n" in case_md(examples_root, EXAMPLE)
    row = due_rows(examples_root, "2026-11-26", case=EXAMPLE)[("pre-publication", "")]
    assert (row["state"], row["note"]) == ("late", "met late: done 2026-11-25, due 2026-11-19")
    # The register and the year's figures count it as not in time.
    register = json.loads(run(examples_root, "register", "--format", "json", "--on", "2026-11-26").stdout)
    assert next(r for r in register["cases"] if r["id"] == EXAMPLE)["pre_publication_met"] is False
    figures = json.loads(run(examples_root, "figures", "--format", "json", "--from", "2026-01-01", "--to",
                             "2026-11-26", "--on", "2026-11-26").stdout)["figures"]
    share = next(f for f in figures if f["key"] == "pre-publication.on-time")
    assert (share["value"], share["of"]) == (0.0, [EXAMPLE])
    assert run(examples_root, "audit").exit_code == 0


def test_sending_in_time_is_not_noted(examples_root):
    from test_record import CASE as EXAMPLE
    from test_record import approve

    approve(examples_root)
    out = advance(examples_root, "pre-publication", "--set", "dates.planned_publication=2026-12-20",
                  "--on", "2026-11-25", case=EXAMPLE)
    assert "Noted" not in out and "Lcspr-Noted" not in trailers(examples_root)
    assert "late: true" not in case_md(examples_root, EXAMPLE)


# 7. A hold moves the publication deadline by its days, or to the revised timescale; the original stays.
LOCAL = ("  lig_decision: 2026-10-02\n"
         "lig_decision:\n  criteria: [a]\n  rationale: Learning for all agencies.\n"
         "reviewer:\n  kind: independent\n  role: Independent reviewer\n  independent_of_case: true\n"
         "panel:\n  - agency: police\n  - agency: icb\n  - agency: childrens-services\n")


def test_a_hold_moves_the_publication_deadline_by_its_days(records_root):
    add_case(records_root, CASE, "local-learning-review", LOCAL, level="level-3")
    assert due_rows(records_root, "2026-10-05")[("publication", "")]["due"] == "2027-04-02"
    advance(records_root, "on-hold", "--on", "2026-10-10", "--set", "on_hold.expected_resumption=2026-11-16")
    row = due_rows(records_root, "2026-10-20")[("publication", "")]
    assert row["state"] == "delayed"
    # While on hold the deadline moves by the days on hold so far (10 on 2026-10-20).
    assert (row["due"], row["original_due"]) == ("2027-04-12", "2027-04-02")
    assert row["note"] == ("on hold since 2026-10-10: Moved to on-hold; expected to resume 2026-11-16; "
                           "originally due 2027-04-02")
    advance(records_root, "local-learning-review", "--on", "2026-11-20")
    assert "  days: 41\n" in case_md(records_root)
    row = due_rows(records_root, "2026-11-21")[("publication", "")]
    # 41 days on hold: due 2027-05-13, open, the original date kept with it.
    assert (row["due"], row["original_due"], row["state"]) == ("2027-05-13", "2027-04-02", "open")
    assert "originally due 2027-04-02" in run(records_root, "show", CASE).output


def test_a_revised_timescale_agreed_with_the_panel_sets_the_publication_deadline(records_root):
    add_case(records_root, CASE, "local-learning-review", LOCAL, level="level-3")
    advance(records_root, "on-hold", "--on", "2026-10-10", "--set", "on_hold.revised_timescale=2027-06-30")
    advance(records_root, "local-learning-review", "--on", "2026-11-20")
    row = due_rows(records_root, "2026-11-21")[("publication", "")]
    assert (row["due"], row["original_due"]) == ("2027-06-30", "2027-04-02")


# 8. Practitioners during a criminal investigation are noted, not refused; a Safeguarding Leads
# meeting is chosen first, and its date and outcome are needed to close.
def test_practitioners_at_a_workshop_during_an_investigation_are_noted_with_the_decision(records_root):
    from test_rules import REPORT, WORKSHOP

    add_case(records_root, CASE, "partnership-workshop", "criminal_investigation: true\n" + WORKSHOP,
             level="level-2", files={"report.md": REPORT})
    listed = run(records_root, "next", CASE).output
    assert "noted, not refused: `workshop.practitioners[1]` (Social Worker) attends as a frontline practitioner" \
        in listed
    out = advance(records_root, "report-drafting", "--set", "workshop.date=2026-11-18", "--on", "2026-11-19")
    assert out.splitlines()[1].startswith("Noted (not refused): `workshop.practitioners[1]` (Social Worker)")
    assert "Lcspr-Noted: `workshop.practitioners[1]` (Social Worker) attends" in trailers(records_root)
    history = json.loads(run(records_root, "history", CASE, "--format", "json").output)
    assert history[-1]["noted"][0].startswith("`workshop.practitioners[1]` (Social Worker)")
    assert run(records_root, "audit").exit_code == 0


def test_a_safeguarding_leads_meeting_is_chosen_then_held_before_closing(records_root):
    add_case(records_root, CASE, "screening", "  responses_requested: 2026-10-02\nagencies_involved: [police]\n")
    advance(records_root, "safeguarding-leads", "--by", "lig-chair", "--on", "2026-10-05")
    assert "level: safeguarding-leads" in case_md(records_root)
    message = refused(records_root, "closed", "--by", "lig-chair", "--on", "2026-11-20")
    assert "case.md is missing `safeguarding_leads.meeting`" in message
    assert "case.md is missing `safeguarding_leads.outcome`" in message
    advance(records_root, "closed", "--by", "lig-chair", "--on", "2026-11-20",
            "--set", "safeguarding_leads.meeting=2026-11-12",
            "--set", "safeguarding_leads.outcome=Health leads revise the discharge checklist.")


# 9. health_review: false is respected; a Level 1 review may be published; rapid-review is read as sent.
def test_a_health_providers_own_review_may_be_led_by_it_when_not_a_health_review(records_root):
    add_case(records_root, CASE, "screening", "  responses_requested: 2026-10-02\nagencies_involved: [acute-trust]\n"
             "single_agency:\n  lead_agency: acute-trust\n  health_review: false\n")
    advance(records_root, "single-agency-review", "--by", "lig", "--on", "2026-10-05")
    other = "LIG-2026-011"
    add_case(records_root, other, "screening", "  responses_requested: 2026-10-02\nagencies_involved: [acute-trust]\n"
             "single_agency:\n  lead_agency: acute-trust\n")
    message = refused(records_root, "single-agency-review", "--by", "lig", "--on", "2026-10-05", case=other)
    assert "icb" in message


def test_a_level_1_review_may_go_on_to_a_published_report(records_root):
    from test_rules import REPORT

    add_case(records_root, CASE, "single-agency-review", "  lig_decision: 2026-10-05\n"
             "single_agency:\n  lead_agency: police\n  findings_shared: 2026-11-10\n  signed_off_by: lig-chair\n",
             level="level-1", files={"report.md": REPORT})
    # The LIG decides: publish (a report) or close (the menu: it "may not need to be published").
    listed = run(records_root, "next", CASE).output
    assert listed.startswith("report-drafting (Review report being drafted); decided by lig, lig-chair: ready\n")
    assert "\nclosed (Closed); decided by lig, lig-chair: ready\n" in listed
    advance(records_root, "report-drafting", "--by", "lig", "--on", "2026-11-12")
    assert "status: report-drafting" in case_md(records_root)


def test_a_former_state_name_is_read_as_the_state_it_now_is(records_root):
    add_case(records_root, CASE, "rapid-review", "  responses_requested: 2026-10-06\n" + NOTIFIED.replace(
        "  nature: serious-harm\n", "  nature: serious-harm\n  rapid_review: 2026-10-20\n  outcome: lcspr\n")
        + "lig_decision:\n  criteria: [a]\n  rationale: Learning for all agencies.\n"
        + "reviewer:\n  kind: independent\n  role: Independent reviewer\n  independent_of_case: true\n"
        + "panel:\n  - agency: police\n  - agency: icb\n  - agency: childrens-services\n")
    # A case recorded under the old name moves on as from rapid-review-sent.
    advance(records_root, "local-learning-review", "--by", "lig", "--on", "2026-10-21")
    assert run(records_root, "audit").exit_code == 0
    other = "LIG-2026-011"
    add_case(records_root, other, "rapid-review-under-way", "  responses_requested: 2026-10-06\n" + NOTIFIED.replace(
        "  nature: serious-harm\n", "  nature: serious-harm\n  rapid_review: 2026-10-20\n  outcome: lcspr\n"))
    out = advance(records_root, "rapid-review", "--on", "2026-10-20", case=other)
    assert out.splitlines()[0] == ("rapid-review is now called rapid-review-sent: Rapid review completed and sent to "
                                   "the National Panel.")
    assert "Lcspr-To: rapid-review-sent" in trailers(records_root)


# 10. Words a secretariat understands.
def test_a_level_is_read_as_the_state_its_route_enters(records_root):
    add_case(records_root, CASE, "screening", "  responses_requested: 2026-10-02\nagencies_involved: [police]\n"
             "lig_decision:\n  criteria: [a]\n  rationale: A pattern.\n"
             "workshop:\n  lead:\n    role: Head of Service\n    agency: probation\n    independent_of_case: true\n")
    out = advance(records_root, "level-2", "--by", "lig", "--on", "2026-10-05")
    assert out.splitlines()[0] == "level-2 is partnership-workshop: Level 2 LCSPR (partnership workshop)."
    assert "status: partnership-workshop\nlevel: level-2\n" in case_md(records_root)


def test_messages_have_no_doubled_full_stops_and_never_say_render_again(records_root):
    add_case(records_root, CASE, "screening", "  responses_requested: 2026-10-02\nagencies_involved: [police]\n")
    outputs = [run(records_root, "advance", CASE, state, "--reason", "Why.", "--by", "lig").output
               for state in ("closed", "published", "level-2", "screeening", "national-review")]
    outputs.append(run(records_root, "next", CASE).output)
    for text in outputs:
        assert ".." not in text.replace("...", ""), text
        assert "render again" not in text.lower(), text


def test_next_never_calls_ready_a_move_that_advance_refuses(records_root):
    from test_rules import REPORT

    add_case(records_root, CASE, "report-drafting", "  lig_decision: 2026-10-05\n", level="level-2",
             files={"report.md": REPORT})
    listed = run(records_root, "next", CASE).output
    assert listed.startswith("board-approval (Report with the LIG / Main Board for approval); decided by "
                             "secretariat, reviewer: 1 missing\n  - cases/LIG-2026-010/report.md: has no "
                             "`## Background` section; add it.\n"), listed
    message = refused(records_root, "board-approval", "--by", "secretariat", "--on", "2026-11-13")
    assert "cases/LIG-2026-010/report.md: has no `## Background` section; add it." in message
