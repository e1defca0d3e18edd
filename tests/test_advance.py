"""`lcspr advance` and `lcspr next`: every refusal leaves no trace; every decision
is one commit holding exactly its case folder, with the record DESIGN.md shows."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import add_case, count, git, head, run

ON = "2026-11-25"
SCREENING = ("advance", "LIG-2026-003", "screening", "--reason", "Referral accepted; responses requested.",
             "--set", "agencies_involved=[police, acute-trust]", "--on", ON)


def status(root: Path) -> str:
    return git(root, "status", "--porcelain", "--untracked-files=all")


def refuse(root: Path, *args: str, code: int = 1) -> str:
    """Run a command that must be refused, and check it left no trace."""
    before, state = head(root), status(root)
    result = run(root, *args)
    assert result.exit_code == code, result.output
    assert head(root) == before
    assert status(root) == state
    return result.output


# --- refusals ---------------------------------------------------------------------


def test_an_illegal_transition_lists_the_legal_next_states(examples_root):
    assert refuse(examples_root, "advance", "LIG-2026-003", "report-drafting", "--reason", "Skip ahead.") == (
        "Error: LIG-2026-003 cannot move from referral-received to report-drafting. "
        "Legal next states: screening: Screening (referral-response forms requested); "
        "serious-incident-notified: Serious incident notified to the National Panel.\n"
    )


def test_moving_to_the_state_a_case_is_in_says_so(examples_root):
    assert refuse(examples_root, "advance", "LIG-2026-002", "partnership-workshop", "--reason", "Again.",
                  "--by", "lig") == "Error: LIG-2026-002 is already at partnership-workshop; nothing was recorded.\n"


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_an_empty_reason_is_refused(examples_root, reason):
    assert refuse(examples_root, "advance", "LIG-2026-003", "screening", "--reason", reason, code=2) == (
        "Error: --reason is required and must say why the decision was made.\n"
    )


def test_a_missing_reason_is_a_usage_error(examples_root):
    result = run(examples_root, "advance", "LIG-2026-003", "screening")
    assert result.exit_code == 2
    assert "Missing option '--reason'" in result.output


def test_a_role_that_may_not_decide_is_refused(examples_root):
    assert refuse(examples_root, *SCREENING, "--by", "reviewer") == (
        "Error: LIG-2026-003: reviewer may not decide referral-received -> screening; "
        "it is decided by secretariat, lig-chair.\n"
    )


def test_an_unknown_role_is_refused_with_a_suggestion(examples_root):
    assert refuse(examples_root, *SCREENING, "--by", "lig-chiar", code=2) == (
        "Error: --by 'lig-chiar' is not a role in lcspr.toml (roles: secretariat, lig-chair, lig, board, "
        "safeguarding-partners, local-authority, national-panel, reviewer); did you mean lig-chair?\n"
    )


def test_unmet_requirements_are_listed_every_one(examples_root):
    add_case(examples_root, "LIG-2026-010", "screening")
    assert refuse(examples_root, "advance", "LIG-2026-010", "partnership-workshop", "--reason", "Level 2.",
                  "--by", "lig") == (
        "Error: LIG-2026-010 cannot move to partnership-workshop:\n"
        "  - case.md is missing `lig_decision.criteria`\n"
        "  - case.md is missing `workshop.lead.role`\n"
        "  - case.md is missing `workshop.lead.agency`\n"
        "  - the workshop lead must be declared independent of the case: `workshop.lead.independent_of_case: true`\n"
    )


def test_an_unknown_case_is_refused_with_a_suggestion(examples_root):
    assert refuse(examples_root, "advance", "LIG-2026-030", "screening", "--reason", "x", code=2) == (
        f"Error: no case LIG-2026-030 in {examples_root / 'cases'}; did you mean LIG-2026-003?\n"
    )


def test_a_case_id_that_is_a_path_is_refused(examples_root):
    output = refuse(examples_root, "advance", "../LIG-2026-003", "screening", "--reason", "x", code=2)
    assert output.startswith("Error: '../LIG-2026-003' is not a case ID")


def test_an_unknown_state_is_refused_with_a_suggestion(examples_root):
    assert refuse(examples_root, "advance", "LIG-2026-003", "screeening", "--reason", "x", code=2) == (
        "Error: 'screeening' is not a state of the workflow; did you mean screening? "
        "Legal next states: screening: Screening (referral-response forms requested); "
        "serious-incident-notified: Serious incident notified to the National Panel.\n"
    )


def test_a_decision_dated_in_the_future_is_refused(examples_root):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert refuse(examples_root, *SCREENING[:-2], "--on", tomorrow, code=2) == (
        f"Error: --on {tomorrow} is in the future; a decision is recorded on or after the day it was made.\n"
    )


def test_a_decision_date_that_is_not_a_date_is_refused(examples_root):
    assert refuse(examples_root, *SCREENING[:-2], "--on", "20/11/2026", code=2).endswith(
        "Error: Invalid value for '--on': '20/11/2026' is not a date in the form YYYY-MM-DD (e.g. 2026-10-31)\n"
    )


@pytest.mark.parametrize("assignment, message", [
    ("status=closed", "--set status: `status` is changed only by lcspr itself."),
    ("id=LIG-2026-009", "--set id: `id` is changed only by lcspr itself."),
    ("workshop.date", "--set 'workshop.date': write FIELD=VALUE, e.g. --set workshop.date=2026-12-09"),
    ("=2026-12-09", "--set '=2026-12-09': write FIELD=VALUE, e.g. --set workshop.date=2026-12-09"),
    ("Workshop Date=2026-12-09", "--set 'Workshop Date=2026-12-09': 'Workshop Date' is not a field of case.md; "
                                 "name it with lower-case words joined by dots, e.g. --set workshop.lead.role=..."),
    ("panel.0.agency=police", "--set 'panel.0.agency=police': 'panel.0.agency' is not a field of case.md; "
                              "name it with lower-case words joined by dots, e.g. --set workshop.lead.role=..."),
])
def test_bad_set_options_are_refused(examples_root, assignment, message):
    assert refuse(examples_root, *SCREENING, "--set", assignment, code=2) == f"Error: {message}\n"


def test_a_set_value_that_is_not_yaml_is_refused(examples_root):
    output = refuse(examples_root, *SCREENING, "--set", "lig_decision.criteria=[a, c", code=2)
    assert output.startswith("Error: --set 'lig_decision.criteria=[a, c': the value is not valid YAML")


def test_a_status_changed_by_hand_is_refused(examples_root):
    case_md = examples_root / "cases/LIG-2026-003/case.md"
    case_md.write_text(case_md.read_text(encoding="utf-8").replace("status: referral-received", "status: screening"),
                       encoding="utf-8")
    assert refuse(examples_root, "advance", "LIG-2026-003", "partnership-workshop", "--reason", "x", "--by", "lig") == (
        "Error: cases/LIG-2026-003/case.md says `status: screening` but the last recorded decision left "
        "LIG-2026-003 at referral-received; a status changes only by `lcspr advance`. Put "
        "`status: referral-received` back and try again.\n"
    )


def test_a_case_not_yet_in_git_is_refused(examples_root):
    folder = examples_root / "cases/LIG-2026-009"
    folder.mkdir()
    (folder / "case.md").write_text(
        (examples_root / "cases/LIG-2026-003/case.md").read_text(encoding="utf-8").replace("LIG-2026-003", "LIG-2026-009"),
        encoding="utf-8")
    assert refuse(examples_root, "advance", "LIG-2026-009", "screening", "--reason", "x") == (
        "Error: cases/LIG-2026-009/case.md is not in Git yet, so there is no recorded state to move from; "
        "bring the case in with `lcspr import` (or `lcspr new-case`) first.\n"
    )


def test_a_decision_that_sends_the_report_commits_the_rendered_document(examples_root):
    result = run(examples_root, "advance", "LIG-2026-001", "board-approval", "--reason", "Draft complete.",
                 "--by", "reviewer", "--on", ON)
    assert result.exit_code == 0, result.output
    sent = "cases/LIG-2026-001/documents/LIG-2026-001-review-report-board-approval.docx"
    assert result.output.splitlines()[-1] == f"Sent and recorded: {sent}"
    assert sent in git(examples_root, "show", "--name-only", "--format=", "HEAD").split()
    assert f"\nLcspr-Sent: {sent}\n" in git(examples_root, "log", "-1", "--format=%B")
    assert status(examples_root) == ""


def test_a_report_that_cannot_be_rendered_stops_the_decision(examples_root):
    report = examples_root / "cases/LIG-2026-001/report.md"
    text = report.read_text(encoding="utf-8")
    report.write_text(text[: text.index("## Findings")], encoding="utf-8")
    git(examples_root, "commit", "-q", "-am", "Findings removed for redrafting")
    before = head(examples_root)
    case_md = (examples_root / "cases/LIG-2026-001/case.md").read_bytes()
    result = run(examples_root, "advance", "LIG-2026-001", "board-approval", "--reason", "Draft complete.",
                 "--by", "reviewer", "--on", ON)
    assert result.exit_code == 1
    assert "Findings" in result.output and "Traceback" not in result.output
    assert head(examples_root) == before
    assert (examples_root / "cases/LIG-2026-001/case.md").read_bytes() == case_md
    assert not (examples_root / "cases/LIG-2026-001/documents").exists()
    assert status(examples_root) == ""


# --- a decision recorded -------------------------------------------------------------------


def test_a_decision_is_one_commit_with_the_designed_message_and_trailers(examples_root):
    before = count(examples_root)
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 0, result.output
    commit = head(examples_root)
    assert result.output == (
        f"LIG-2026-003: referral-received -> screening (commit {commit[:10]})\n"
        "Requested a referral response: cases/LIG-2026-003/responses/police.md\n"
        "Requested a referral response: cases/LIG-2026-003/responses/acute-trust.md\n"
    )
    assert count(examples_root) == before + 1
    message = git(examples_root, "log", "-1", "--format=%B")
    assert re.fullmatch(
        r"LIG-2026-003: referral-received -> screening\n\n"
        r"Referral accepted; responses requested\.\n\n"
        r"Lcspr-Case: LIG-2026-003\n"
        r"Lcspr-Action: advance\n"
        r"Lcspr-From: referral-received\n"
        r"Lcspr-To: screening\n"
        r"Lcspr-Decided-By: secretariat\n"
        r"Lcspr-Decided-On: 2026-11-25\n"
        r"Lcspr-Recorded-At: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n"
        r"Lcspr-Requested: police\n"
        r"Lcspr-Requested: acute-trust\n\n",
        message,
    ), message
    # Git itself reads the trailers.
    trailers = git(examples_root, "log", "-1", "--format=%(trailers:key=Lcspr-To,valueonly)")
    assert trailers == "screening\n\n"
    assert git(examples_root, "show", "--name-only", "--format=", "HEAD").split() == [
        "cases/LIG-2026-003/case.md",
        "cases/LIG-2026-003/responses/acute-trust.md",
        "cases/LIG-2026-003/responses/police.md",
    ]


def test_screening_requests_a_response_form_from_each_agency_without_one(examples_root):
    assert run(examples_root, *SCREENING).exit_code == 0
    form = examples_root / "cases/LIG-2026-003/responses/police.md"
    text = form.read_text(encoding="utf-8")
    assert text.startswith("---\ncase: LIG-2026-003\nagency: police\n")
    assert "\nrequested: 2026-11-25\n" in text
    assert "## Learning for the agency" in text
    assert run(examples_root, "validate", "LIG-2026-003").exit_code == 0
    # Its deadline runs from the request until the agency fills in `date`.
    shown = json.loads(run(examples_root, "show", "LIG-2026-003", "--format", "json").output)
    assert {(d["deadline"], d["agency"]) for d in shown["deadlines"]} >= {
        ("referral-response", "police"), ("referral-response", "acute-trust"),
    }


def test_the_diff_changes_only_the_status_and_the_fields_written(examples_root):
    assert run(examples_root, *SCREENING).exit_code == 0
    diff = git(examples_root, "diff", "-U0", "HEAD~1", "HEAD", "--", "cases/LIG-2026-003/case.md")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == [
        "-status: referral-received",
        "+status: screening",
        "+  responses_requested: 2026-11-25",
        "+agencies_involved: [police, acute-trust]",
    ]


def test_an_existing_date_is_not_stamped_over(examples_root):
    # LIG-2026-002's decision date was recorded in September; a later route change keeps it.
    case_md = examples_root / "cases/LIG-2026-002/case.md"
    assert run(examples_root, "advance", "LIG-2026-002", "on-hold", "--reason", "Trial listed.", "--by", "lig",
               "--on", ON).exit_code == 0
    assert "  lig_decision: 2026-09-08\n" in case_md.read_text(encoding="utf-8")


def test_uncommitted_edits_in_the_case_folder_are_recorded_and_listed(examples_root):
    folder = examples_root / "cases/LIG-2026-003"
    (folder / "responses/police.md").write_text(
        "---\ncase: LIG-2026-003\nagency: police\nrequested: 2026-11-20\n---\n## Concerns\n", encoding="utf-8")
    with open(folder / "referral.md", "a", encoding="utf-8") as referral:
        referral.write("\nThe referrer added a note after the call.\n")
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == (
        "Also recorded edits in the case folder: cases/LIG-2026-003/referral.md, cases/LIG-2026-003/responses/police.md"
    )
    # The reviewer's police.md is kept; only the missing form is requested.
    assert result.output.splitlines()[2:] == [
        "Requested a referral response: cases/LIG-2026-003/responses/acute-trust.md"
    ]
    message = git(examples_root, "log", "-1", "--format=%B")
    assert "\nLcspr-Included: cases/LIG-2026-003/referral.md\n" \
           "Lcspr-Included: cases/LIG-2026-003/responses/police.md\n" in message
    assert git(examples_root, "show", "--name-only", "--format=", "HEAD").split() == [
        "cases/LIG-2026-003/case.md", "cases/LIG-2026-003/referral.md",
        "cases/LIG-2026-003/responses/acute-trust.md", "cases/LIG-2026-003/responses/police.md",
    ]
    assert (examples_root / "cases/LIG-2026-003/responses/police.md").read_text(encoding="utf-8").endswith(
        "## Concerns\n")
    assert status(examples_root) == ""


def test_files_staged_elsewhere_stay_staged_and_out_of_the_commit(examples_root):
    (examples_root / "minutes.md").write_text("LIG minutes, November.\n", encoding="utf-8")
    case_md_002 = examples_root / "cases/LIG-2026-002/case.md"
    case_md_002.write_text(case_md_002.read_text(encoding="utf-8") + "\nA note.\n", encoding="utf-8")
    git(examples_root, "add", "minutes.md", "cases/LIG-2026-002/case.md")
    staged = git(examples_root, "diff", "--cached", "--name-status")
    assert run(examples_root, *SCREENING).exit_code == 0
    assert all(path.startswith("cases/LIG-2026-003/")
               for path in git(examples_root, "show", "--name-only", "--format=", "HEAD").split())
    assert git(examples_root, "diff", "--cached", "--name-status") == staged
    assert staged == "M\tcases/LIG-2026-002/case.md\nA\tminutes.md\n"


def test_a_reason_line_starting_with_a_hash_is_kept(examples_root):
    git(examples_root, "config", "commit.cleanup", "strip")
    args = list(SCREENING)
    args[4] = "Accepted.\n#2 on the LIG agenda."
    assert run(examples_root, *args).exit_code == 0
    assert "Accepted.\n#2 on the LIG agenda.\n" in git(examples_root, "log", "-1", "--format=%B")


def test_the_default_role_comes_from_lcspr_toml(examples_root):
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('default_role = "secretariat"', 'default_role = "lig-chair"'),
                    encoding="utf-8")
    assert run(examples_root, *SCREENING).exit_code == 0
    assert git(examples_root, "log", "-1", "--format=%(trailers:key=Lcspr-Decided-By,valueonly)") == "lig-chair\n\n"


def test_on_hold_records_the_state_left_and_resumes_only_to_it(examples_root):
    case_md = examples_root / "cases/LIG-2026-002/case.md"
    result = run(examples_root, "advance", "LIG-2026-002", "on-hold", "--reason", "Trial listed for March.",
                 "--by", "lig", "--on", ON)
    assert result.exit_code == 0, result.output
    assert case_md.read_text(encoding="utf-8").endswith(
        "on_hold:\n  since: 2026-11-25\n  previous: partnership-workshop\n  reason: Trial listed for March.\n"
        "---\n# LIG-2026-002: Child B\n\nFictional example case. Because a criminal investigation is ongoing,\n"
        "representatives attend the workshop in place of frontline practitioners.\n"
    )
    result = run(examples_root, "next", "LIG-2026-002")
    assert result.output.splitlines()[0] == (
        "partnership-workshop (Level 2 LCSPR (partnership workshop)); decided by lig, lig-chair, secretariat: ready"
    )
    assert refuse(examples_root, "advance", "LIG-2026-002", "report-drafting", "--reason", "x") == (
        "Error: LIG-2026-002 cannot move from on-hold to report-drafting. "
        "Legal next states: partnership-workshop: Level 2 LCSPR (partnership workshop).\n"
    )
    result = run(examples_root, "advance", "LIG-2026-002", "partnership-workshop", "--reason", "Trial concluded.",
                 "--on", ON)
    assert result.exit_code == 0, result.output
    text = case_md.read_text(encoding="utf-8")
    assert "status: partnership-workshop\n" in text
    assert "  resumed: 2026-11-25\n" in text
    assert git(examples_root, "log", "-1", "--format=%s") == "LIG-2026-002: on-hold -> partnership-workshop\n"


# --- lcspr next -----------------------------------------------------------------------


def test_next_lists_the_legal_states_and_what_each_lacks(examples_root, fixed_today):
    result = run(examples_root, "next", "LIG-2026-003")
    assert result.exit_code == 0
    assert result.output == (
        "screening (Screening (referral-response forms requested)); decided by secretariat, lig-chair: 1 missing\n"
        "  - case.md is missing `agencies_involved`\n"
        "serious-incident-notified (Serious incident notified to the National Panel); decided by local-authority, "
        "secretariat: 3 missing\n"
        "  - case.md is missing `serious_incident.notified`\n"
        "  - case.md is missing `serious_incident.reference`\n"
        "  - case.md is missing `serious_incident.nature`\n"
        "  stops the deadline: Notify the National Panel of the serious incident\n"
    )


def test_next_as_json_has_an_empty_missing_list_when_ready(examples_root, fixed_today):
    result = run(examples_root, "next", "LIG-2026-002", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == [
        {"state": "report-drafting", "title": "Review report being drafted",
         "by": ["secretariat", "reviewer", "lig"], "missing": ["report.md is missing"], "starts": [], "stops": [],
         "checks_publication": [],
         "warnings": [], "recorded_by": []},
        {"state": "on-hold", "title": "On hold (e.g. parallel criminal proceedings)",
         "by": ["lig", "lig-chair", "secretariat"], "missing": [], "starts": [], "stops": [],
         "checks_publication": [], "warnings": [], "recorded_by": []},
    ]


def test_next_for_an_unknown_case(examples_root):
    result = run(examples_root, "next", "LIG-2026-030")
    assert result.exit_code == 2
    assert result.output == f"Error: no case LIG-2026-030 in {examples_root / 'cases'}; did you mean LIG-2026-003?\n"


def test_included_files_are_named_plainly_even_with_spaces(examples_root):
    notes = examples_root / "cases/LIG-2026-003/documents/notes for the panel.pdf"
    notes.parent.mkdir()
    notes.write_text("Agenda item 2.\n", encoding="utf-8")
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == (
        "Also recorded edits in the case folder: cases/LIG-2026-003/documents/notes for the panel.pdf"
    )


def test_a_renamed_file_is_listed_by_its_new_name(examples_root):
    folder = examples_root / "cases/LIG-2026-003"
    (folder / "documents").mkdir()
    (folder / "documents" / "letter.pdf").write_bytes(b"%PDF-1.4 a letter")
    git(examples_root, "add", "cases/LIG-2026-003/documents")
    git(examples_root, "commit", "-q", "-m", "File a letter")
    git(examples_root, "mv", "cases/LIG-2026-003/documents/letter.pdf", "cases/LIG-2026-003/documents/letter to the LIG.pdf")
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == (
        "Also recorded edits in the case folder: cases/LIG-2026-003/documents/letter to the LIG.pdf, "
        "cases/LIG-2026-003/documents/letter.pdf"
    )
    assert not (folder / "documents" / "letter.pdf").exists()


def test_a_case_on_hold_without_its_previous_state_says_how_to_resume(examples_root):
    add_case(examples_root, "LIG-2026-010", "on-hold", "on_hold:\n  since: 2026-11-02\n  reason: Trial.\n")
    message = ("Error: LIG-2026-010 is on-hold but case.md does not record the state it was held from "
               "(`on_hold.previous`), so it cannot resume; set `on_hold.previous` to that state by hand, "
               "commit it, and try again.\n")
    assert refuse(examples_root, "advance", "LIG-2026-010", "screening", "--reason", "Trial over.") == message
    assert refuse(examples_root, "next", "LIG-2026-010") == message


@pytest.mark.parametrize("raw, value", [
    ("2026-12-09", "2026-12-09"),
    ("[a, c]", ["a", "c"]),
    ("{agency: icb, role: Designated Nurse}", {"agency": "icb", "role": "Designated Nurse"}),
    ("true", True),
    ("12", 12),
    ("0123", "0123"),
    ("null", None),
    ("'quoted: text'", "quoted: text"),
    ("Concerns: school and CAMHS", "Concerns: school and CAMHS"),
    ("Head of Service #2", "Head of Service #2"),
    ("#2 on the agenda", "#2 on the agenda"),
    ("- not a list", "- not a list"),
    ("Note: a: b", "Note: a: b"),
    ("First line\nSecond line", "First line\nSecond line"),
])
def test_set_values_are_yaml_only_where_written_as_yaml(raw, value):
    from lcspr.decisions import parse_assignments

    assert parse_assignments([f"lig_decision.rationale={raw}"]) == {"lig_decision.rationale": value}


def test_a_sentence_with_a_colon_is_recorded_as_written(examples_root):
    result = run(examples_root, *SCREENING, "--set", "lig_decision.rationale=Concerns: school and CAMHS #2")
    assert result.exit_code == 0, result.output
    assert 'rationale: "Concerns: school and CAMHS #2"\n' in (
        examples_root / "cases/LIG-2026-003/case.md").read_text(encoding="utf-8")


def test_a_default_role_that_is_not_a_role_is_named_as_such(examples_root):
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('default_role = "secretariat"', 'default_role = "secretariet"'),
                    encoding="utf-8")
    assert refuse(examples_root, *SCREENING, code=2) == (
        "Error: default_role 'secretariet' (used when no --by is given) is not a role in lcspr.toml (roles: "
        "secretariat, lig-chair, lig, board, safeguarding-partners, local-authority, national-panel, reviewer); "
        "did you mean secretariat?\n"
    )
