"""The seed's rules (issue 3 point 2), each refused when it does not hold and
accepted when it does, on fictional cases made for the purpose."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import add_case
from lcspr import decisions
from lcspr.errors import TransitionRefused
from lcspr.repository import open_repository

TODAY = date(2026, 11, 26)
ON = "2026-11-25"
CASE = "LIG-2026-010"

REPORT = """---
case: LIG-2026-010
title: "Local Child Safeguarding Practice Review: Child D"
recommendations:
  - id: R1
    text: The partnership reviews its escalation guidance.
    owner: childrens-services
    target: 2027-03-31
---
## Findings

Agencies did not share what they knew.
"""


def decide(root: Path, target: str, *sets: str, by: str = "lig", case: str = CASE) -> decisions.Decision:
    """Record one decision through the library, as `lcspr advance` does."""
    repo = open_repository(root)
    return decisions.advance(repo, case, target, "The LIG considered the case.", by=by, on=ON,
                             assignments=decisions.parse_assignments(list(sets)), today=TODAY)


def refused(root: Path, target: str, *sets: str, by: str = "lig") -> str:
    with pytest.raises(TransitionRefused) as caught:
        decide(root, target, *sets, by=by)
    return str(caught.value)


def case_text(root: Path) -> str:
    return (root / "cases" / CASE / "case.md").read_text(encoding="utf-8")


def set_toml(root: Path, old: str, new: str) -> None:
    path = root / "lcspr.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- Level 1: single-agency review ------------------------------------------------

SCREENING = "agencies_involved: [police, childrens-services, acute-trust]\n"


def test_a_health_review_led_by_a_hospital_is_refused(records_root):
    add_case(records_root, CASE, "screening", SCREENING)
    assert refused(records_root, "single-agency-review", "single_agency.lead_agency=acute-trust") == (
        f"{CASE} cannot move to single-agency-review:\n"
        "  - a health review is led by the health commissioner, Integrated Care Board (icb), not 'acute-trust': "
        "set `single_agency.lead_agency` to icb"
    )


def test_a_review_marked_as_health_review_must_be_led_by_the_icb(records_root):
    add_case(records_root, CASE, "screening", SCREENING)
    message = refused(records_root, "single-agency-review", "single_agency.lead_agency=education",
                      "single_agency.health_review=true")
    assert message.endswith("not 'education': set `single_agency.lead_agency` to icb")


def test_a_health_review_led_by_the_icb_is_accepted(records_root):
    add_case(records_root, CASE, "screening", SCREENING)
    decide(records_root, "single-agency-review", "single_agency.lead_agency=icb", "single_agency.health_review=true")
    text = case_text(records_root)
    assert "status: single-agency-review\nlevel: level-1\n" in text
    assert "single_agency:\n  lead_agency: icb\n  health_review: true\n" in text


def test_a_non_health_single_agency_review_may_be_led_by_its_agency(records_root):
    add_case(records_root, CASE, "screening", SCREENING)
    decide(records_root, "single-agency-review", "single_agency.lead_agency=education")
    assert "status: single-agency-review" in case_text(records_root)


def test_the_health_commissioner_comes_from_lcspr_toml(records_root):
    set_toml(records_root, 'health_commissioner = "icb"', 'health_commissioner = "community-health"')
    add_case(records_root, CASE, "screening", SCREENING)
    assert refused(records_root, "single-agency-review", "single_agency.lead_agency=icb").endswith(
        "a health review is led by the health commissioner, Community Health Services (community-health), "
        "not 'icb': set `single_agency.lead_agency` to community-health"
    )
    decide(records_root, "single-agency-review", "single_agency.lead_agency=community-health")


LEVEL_1 = "level-1"
SINGLE = "single_agency:\n  lead_agency: icb\n  health_review: true\n"


def test_a_level_1_review_closes_only_after_its_findings_are_shared(records_root):
    add_case(records_root, CASE, "single-agency-review", SINGLE, level=LEVEL_1)
    assert refused(records_root, "closed") == (
        f"{CASE} cannot move to closed:\n"
        "  - case.md is missing `single_agency.findings_shared`\n"
        "  - case.md is missing `single_agency.signed_off_by`"
    )


def test_a_level_1_review_closes_once_findings_are_shared_and_signed_off(records_root):
    add_case(records_root, CASE, "single-agency-review", SINGLE, level=LEVEL_1)
    decide(records_root, "closed", "single_agency.findings_shared=2026-11-10",
           "single_agency.signed_off_by=Director of Nursing")
    text = case_text(records_root)
    assert "  findings_shared: 2026-11-10\n  signed_off_by: Director of Nursing\n" in text
    assert "  closed: 2026-11-25\n" in text


# --- Level 2: partnership workshop ----------------------------------------------------


def test_a_workshop_lead_must_be_named_and_declared_independent(records_root):
    add_case(records_root, CASE, "screening", SCREENING)
    assert refused(records_root, "partnership-workshop") == (
        f"{CASE} cannot move to partnership-workshop:\n"
        "  - case.md is missing `lig_decision.criteria`\n"
        "  - case.md is missing `workshop.lead.role`\n"
        "  - case.md is missing `workshop.lead.agency`\n"
        "  - the workshop lead must be declared independent of the case: `workshop.lead.independent_of_case: true`"
    )
    assert refused(records_root, "partnership-workshop", "lig_decision.criteria=[c]",
                   "workshop.lead.role=Head of Service", "workshop.lead.agency=housing",
                   "workshop.lead.independent_of_case=false") == (
        f"{CASE} cannot move to partnership-workshop:\n"
        "  - the workshop lead must be declared independent of the case: `workshop.lead.independent_of_case: true`"
    )


def test_an_independent_workshop_lead_is_accepted(records_root):
    add_case(records_root, CASE, "screening", SCREENING)
    decide(records_root, "partnership-workshop", "lig_decision.criteria=[c]", "workshop.lead.role=Head of Service",
           "workshop.lead.agency=housing", "workshop.lead.independent_of_case=true")
    text = case_text(records_root)
    assert "status: partnership-workshop\nlevel: level-2\n" in text
    assert "  lig_decision: 2026-11-25\n" in text


WORKSHOP = """lig_decision:
  criteria: [c]
workshop:
  lead:
    role: Head of Service
    agency: housing
    independent_of_case: true
  practitioners:
    - role: Designated Safeguarding Lead
      agency: education
      representative: true
    - role: Social Worker
      agency: childrens-services
"""


def test_a_workshop_needs_its_date_and_notes_practitioners_during_a_criminal_investigation(records_root):
    add_case(records_root, CASE, "partnership-workshop", "criminal_investigation: true\n" + WORKSHOP,
             level="level-2", files={"report.md": REPORT})
    # The menu says representatives *may* be asked to attend: a practitioner attending in
    # person is noted with the decision, never a reason to refuse it.
    assert refused(records_root, "report-drafting") == (
        f"{CASE} cannot move to report-drafting:\n"
        "  - case.md is missing `workshop.date`"
    )


def test_representatives_are_not_needed_without_a_criminal_investigation(records_root):
    add_case(records_root, CASE, "partnership-workshop", "criminal_investigation: false\n" + WORKSHOP,
             level="level-2", files={"report.md": REPORT})
    decide(records_root, "report-drafting", "workshop.date=2026-11-18")
    assert "status: report-drafting" in case_text(records_root)


def test_a_workshop_with_representatives_proceeds_during_a_criminal_investigation(records_root):
    text = WORKSHOP + "      representative: true\n"
    add_case(records_root, CASE, "partnership-workshop", "criminal_investigation: true\n" + text,
             level="level-2", files={"report.md": REPORT})
    decide(records_root, "report-drafting", "workshop.date=2026-11-18")
    assert "status: report-drafting" in case_text(records_root)


# --- Level 3: local learning review -----------------------------------------------------

PANEL = ["panel=[{agency: icb}, {agency: childrens-services}, {agency: police}]"]
REVIEWER = ["reviewer.kind=independent", "reviewer.independent_of_case=true"]


def test_a_level_3_review_needs_a_reviewer_and_the_core_panel(records_root):
    add_case(records_root, CASE, "screening", SCREENING)
    assert refused(records_root, "local-learning-review") == (
        f"{CASE} cannot move to local-learning-review:\n"
        "  - case.md is missing `lig_decision.criteria`\n"
        "  - a reviewer is needed: set `reviewer.kind` to partnership-agency or independent\n"
        "  - the panel has no member from health (one of: icb, acute-trust, community-health, mental-health, "
        "gp, ambulance): add one to `panel`\n"
        "  - the panel has no member from childrens services (one of: childrens-services): add one to `panel`\n"
        "  - the panel has no member from police (one of: police): add one to `panel`"
    )


def test_a_partnership_reviewer_needs_an_agency_and_independence(records_root):
    add_case(records_root, CASE, "screening", SCREENING)
    assert refused(records_root, "local-learning-review", "lig_decision.criteria=[a, c]",
                   "reviewer.kind=partnership-agency", *PANEL) == (
        f"{CASE} cannot move to local-learning-review:\n"
        "  - a reviewer from a partnership agency needs `reviewer.agency`\n"
        "  - the reviewer must be declared independent of the case: `reviewer.independent_of_case: true`"
    )


@pytest.mark.parametrize("reviewer", [REVIEWER, ["reviewer.kind=partnership-agency", "reviewer.agency=probation",
                                                 "reviewer.independent_of_case=true"]])
def test_an_independent_reviewer_and_core_panel_are_accepted(records_root, reviewer):
    add_case(records_root, CASE, "screening", SCREENING)
    decide(records_root, "local-learning-review", "lig_decision.criteria=[a, c]", *reviewer, *PANEL)
    assert "status: local-learning-review\nlevel: level-3\n" in case_text(records_root)


def test_the_panel_sectors_come_from_lcspr_toml(records_root):
    set_toml(records_root, 'health = ["icb", "acute-trust", "community-health", "mental-health", "gp", "ambulance"]',
             'health = ["gp"]')
    add_case(records_root, CASE, "screening", SCREENING)
    assert refused(records_root, "local-learning-review", "lig_decision.criteria=[a]", *REVIEWER, *PANEL) == (
        f"{CASE} cannot move to local-learning-review:\n"
        "  - the panel has no member from health (one of: gp): add one to `panel`"
    )
    decide(records_root, "local-learning-review", "lig_decision.criteria=[a]", *REVIEWER,
           "panel=[{agency: gp}, {agency: childrens-services}, {agency: police}]")


LEVEL_3 = """agencies_involved: [police, education]
practitioner_events:
  - date: 2026-11-02
    kind: multi-agency-workshop
"""
POLICE = """---
case: LIG-2026-010
agency: police
chronology:
  - date: 2026-06-01
    event: Call-out to the family home.
    significance: No referral made.
---
## Concerns
"""
EDUCATION = """---
case: LIG-2026-010
agency: education
{extra}---
{body}"""


def test_a_level_3_review_needs_a_chronology_from_every_involved_agency(records_root):
    add_case(records_root, CASE, "local-learning-review", LEVEL_3, level="level-3",
             files={"report.md": REPORT, "responses/police.md": POLICE})
    assert refused(records_root, "report-drafting") == (
        f"{CASE} cannot move to report-drafting:\n"
        "  - no referral response from education: add responses/education.md"
    )
    (records_root / "cases" / CASE / "responses/education.md").write_text(
        EDUCATION.format(extra="", body="## Concerns\n"), encoding="utf-8")
    assert refused(records_root, "report-drafting") == (
        f"{CASE} cannot move to report-drafting:\n"
        "  - responses/education.md has neither a chronology nor a narrative"
    )


def test_a_narrative_counts_in_place_of_a_chronology(records_root):
    add_case(records_root, CASE, "local-learning-review", LEVEL_3, level="level-3",
             files={"report.md": REPORT, "responses/police.md": POLICE,
                    "responses/education.md": EDUCATION.format(
                        extra="narrative: true\n", body="The school saw the child daily and noted absences.\n")})
    decision = decide(records_root, "report-drafting")
    assert "status: report-drafting" in case_text(records_root)
    assert decision.included == []


def test_a_level_3_review_needs_its_multi_agency_workshop(records_root):
    extra = LEVEL_3.replace("kind: multi-agency-workshop", "kind: practitioner-meeting")
    add_case(records_root, CASE, "local-learning-review", extra, level="level-3",
             files={"report.md": REPORT, "responses/police.md": POLICE,
                    "responses/education.md": EDUCATION.format(extra="narrative: true\n", body="Absences.\n")})
    assert refused(records_root, "report-drafting") == (
        f"{CASE} cannot move to report-drafting:\n"
        "  - no multi-agency workshop recorded: add one to `practitioner_events`"
    )


# --- publication ---------------------------------------------------------------------------

PRE = "pre_publication:\n  sent: 2026-11-02\n"


def test_publication_needs_the_url(records_root):
    add_case(records_root, CASE, "pre-publication", PRE, level="level-2")
    assert refused(records_root, "published", by="board") == (
        f"{CASE} cannot move to published:\n  - `publication.url` is not set"
    )


def test_publication_with_url_records_date_and_url(records_root):
    add_case(records_root, CASE, "pre-publication", PRE, level="level-2")
    decide(records_root, "published", "publication.url=https://scp.example.org/reviews/child-d", by="board")
    assert case_text(records_root).endswith(
        "publication:\n  url: \"https://scp.example.org/reviews/child-d\"\n  published: true\n  date: 2026-11-25\n"
        "---\n# LIG-2026-010: Child D\n\nNotes on a fictional case.\n"
    )


def test_not_publishing_needs_the_reason_and_what_was_published_instead(records_root):
    # Not publishing still sends the report to the National Panel and the DfE.
    from conftest import EXAMPLES

    report = (EXAMPLES / "LIG-2026-001" / "report.md").read_text(encoding="utf-8").replace("LIG-2026-001", CASE)
    add_case(records_root, CASE, "pre-publication", PRE, level="level-2", files={"report.md": report})
    assert refused(records_root, "not-published", by="board") == (
        f"{CASE} cannot move to not-published:\n"
        "  - `publication.reason_not_published` is not set\n"
        "  - `publication.improvements_published` is not set"
    )
    decide(records_root, "not-published", "publication.reason_not_published=Parallel proceedings.",
           "publication.improvements_published=A learning briefing.", by="board")
    assert "  published: false\n  date: 2026-11-25\n" in case_text(records_root)
    sent = records_root / "cases" / CASE / "documents" / f"{CASE}-review-report-not-published.docx"
    assert sent.is_file()


def test_only_the_board_decides_not_to_publish(records_root):
    add_case(records_root, CASE, "pre-publication", PRE, level="level-2")
    assert refused(records_root, "not-published", by="secretariat") == (
        f"{CASE}: secretariat may not decide pre-publication -> not-published; it is decided by board."
    )


# --- Level 4: national review ---------------------------------------------------------------


def test_a_national_review_records_the_criteria_it_met(records_root):
    add_case(records_root, CASE, "screening", SCREENING)
    assert refused(records_root, "national-review") == (
        f"{CASE} cannot move to national-review:\n  - case.md is missing `national_review.criteria`"
    )
    decide(records_root, "national-review", "national_review.criteria=[a, b]")
    assert "status: national-review\nlevel: level-4\n" in case_text(records_root)


NATIONAL = "national_review:\n  criteria: [a, b]\n"


def test_a_national_review_closes_only_after_the_panel_commissions_it(records_root):
    add_case(records_root, CASE, "national-review", NATIONAL, level="level-4")
    assert refused(records_root, "closed", by="national-panel").startswith(
        f"{CASE} cannot move from national-review to closed. Legal next states: national-review-declined: "
    )
    decide(records_root, "national-review-commissioned", by="national-panel")
    assert "  decision: commissioned\n  decided: 2026-11-25\n" in case_text(records_root)
    decide(records_root, "closed", by="secretariat")
    assert "status: closed" in case_text(records_root)


@pytest.mark.parametrize("target, sets", [
    ("single-agency-review", ["single_agency.lead_agency=education"]),
    ("partnership-workshop", ["lig_decision.criteria=[d]", "workshop.lead.role=Head of Service",
                              "workshop.lead.agency=housing", "workshop.lead.independent_of_case=true"]),
    ("local-learning-review", ["lig_decision.criteria=[d]", *REVIEWER, *PANEL]),
    ("no-further-action", []),
])
def test_a_national_review_returns_to_a_local_route_only_when_declined(records_root, target, sets):
    add_case(records_root, CASE, "national-review", NATIONAL, level="level-4")
    assert refused(records_root, target, *sets).startswith(
        f"{CASE} cannot move from national-review to {target}. Legal next states: national-review-declined: "
    )
    decide(records_root, "national-review-declined", by="national-panel")
    decide(records_root, target, *sets)
    assert f"status: {target}" in case_text(records_root)


# --- serious incident notification and rapid review ----------------------------------------


#: What a rapid review sent to the Panel records besides its date: the outcome, and the
#: agencies asked for their summaries (here at screening, before the notification).
RAPID_REVIEW_DONE = "  outcome: lcspr\n"
REQUESTED = "  responses_requested: 2026-10-02\n"


def test_a_rapid_review_cannot_come_straight_after_the_referral(records_root):
    add_case(records_root, CASE, "referral-received", "serious_incident:\n  aware: 2026-10-01\n")
    assert refused(records_root, "rapid-review-sent", by="safeguarding-partners") == (
        f"{CASE} cannot move from referral-received to rapid-review-sent. "
        "Legal next states: screening: Screening (referral-response forms requested); "
        "serious-incident-notified: Serious incident notified to the National Panel."
    )


def test_a_rapid_review_needs_the_notification_recorded(records_root):
    add_case(records_root, CASE, "serious-incident-notified",
             REQUESTED + "serious_incident:\n  aware: 2026-10-01\n" + RAPID_REVIEW_DONE)
    assert refused(records_root, "rapid-review-sent", "serious_incident.rapid_review=2026-10-20",
                   by="safeguarding-partners") == (
        f"{CASE} cannot move to rapid-review-sent:\n"
        "  - a rapid review needs the serious incident notification first: `serious_incident.notified` is not set"
    )


def test_a_rapid_review_dated_before_the_notification_is_refused(records_root):
    add_case(records_root, CASE, "serious-incident-notified",
             REQUESTED + "serious_incident:\n  aware: 2026-10-01\n  notified: 2026-10-06\n" + RAPID_REVIEW_DONE)
    assert refused(records_root, "rapid-review-sent", "serious_incident.rapid_review=2026-10-03",
                   by="safeguarding-partners") == (
        f"{CASE} cannot move to rapid-review-sent:\n"
        "  - `serious_incident.rapid_review` (2026-10-03) is before the notification (2026-10-06)"
    )
    decide(records_root, "rapid-review-sent", "serious_incident.rapid_review=2026-10-20", by="safeguarding-partners")
    assert "  rapid_review: 2026-10-20\n" in case_text(records_root)


def test_the_notification_needs_its_date(records_root):
    add_case(records_root, CASE, "referral-received", "serious_incident:\n  aware: 2026-10-01\n")
    assert refused(records_root, "serious-incident-notified", by="local-authority") == (
        f"{CASE} cannot move to serious-incident-notified:\n  - case.md is missing `serious_incident.notified`\n"
        "  - case.md is missing `serious_incident.reference`\n  - case.md is missing `serious_incident.nature`"
    )
    decide(records_root, "serious-incident-notified", "serious_incident.notified=2026-10-05",
           "serious_incident.reference=SIN-2026-0412", "serious_incident.nature=death", by="local-authority")


# --- approval ----------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["lig", "board"])
def test_the_approval_records_who_approved(records_root, by):
    add_case(records_root, CASE, "board-approval", level="level-2", files={"report.md": REPORT})
    decide(records_root, "approved", by=by)
    assert f"approval:\n  body: {by}\n  date: 2026-11-25\n" in case_text(records_root)
