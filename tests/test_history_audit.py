"""`lcspr history`, `lcspr log` and `lcspr audit` read the decisions from Git.
Each audit finding is shown on a repository made to contain that fault."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import EXAMPLES, WORKING_EXAMPLES, count, git, head, run
from lcspr import gitops

ON = "2026-11-25"
CASE = "LIG-2026-003"
SCREENING = ("advance", CASE, "screening", "--reason", "Referral accepted; responses requested.",
             "--set", "agencies_involved=[police, acute-trust]", "--on", ON)

#: What the README gives auditors who do not have lcspr: one line per decision.
AUDITOR_LOG = (
    "--format=%h %(trailers:key=Lcspr-Case,valueonly,separator=): "
    "%(trailers:key=Lcspr-From,valueonly,separator=) -> %(trailers:key=Lcspr-To,valueonly,separator=) "
    "(%(trailers:key=Lcspr-Action,valueonly,separator=), decided by "
    "%(trailers:key=Lcspr-Decided-By,valueonly,separator=) on %(trailers:key=Lcspr-Decided-On,valueonly,separator=), "
    "recorded by %cn at %(trailers:key=Lcspr-Recorded-At,valueonly,separator=))"
)


@pytest.fixture
def imported_root(records_root: Path) -> Path:
    """A records repository whose example cases entered the record by `lcspr import`,
    one commit each, so its decision trail is whole."""
    for folder in WORKING_EXAMPLES:
        result = run(records_root, "import", str(folder), "--reason", "Cases opened before this repository.")
        assert result.exit_code == 0, result.output
    return records_root


def case_md(root: Path, case: str = CASE) -> Path:
    return root / "cases" / case / "case.md"


def set_status(root: Path, status: str, case: str = CASE) -> None:
    """Change a case's status line in its file, as a hand edit would; for screening, with
    what screening requires, so that a forged decision fails on its own fault alone."""
    from lcspr import mdfile

    path = case_md(root, case)
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^status: .*$", f"status: {status}", text, count=1), encoding="utf-8")
    if status == "screening":
        md = mdfile.read(path)
        path.write_text(mdfile.set_fields(md, {("agencies_involved",): ["police"],
                                              ("dates", "responses_requested"): ON}), encoding="utf-8")


def commit_by_hand(root: Path, message: str, *paths: str) -> str:
    """Commit with a message written by hand (trailers and all), as someone imitating lcspr might."""
    git(root, "add", "-A", "--", *paths)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "--cleanup=verbatim", "-F", "-"],
                   input=message, text=True, check=True)
    return head(root)


def trailers(case: str, source: str, target: str, by: str = "secretariat", at: str | None = None) -> str:
    at = at or gitops.now_utc()
    return (f"Lcspr-Case: {case}\nLcspr-Action: advance\nLcspr-From: {source}\nLcspr-To: {target}\n"
            f"Lcspr-Decided-By: {by}\nLcspr-Decided-On: {ON}\nLcspr-Recorded-At: {at}\n")


def audit(root: Path) -> tuple[int, list[str]]:
    result = run(root, "audit")
    return result.exit_code, result.output.splitlines()


# --- history and log --------------------------------------------------------------------


def test_history_shows_each_decision_with_who_when_and_why(imported_root):
    assert run(imported_root, *SCREENING).exit_code == 0
    result = run(imported_root, "advance", CASE, "on-hold", "--reason", "Police investigation.\nTrial in March.",
                 "--by", "lig", "--on", ON)
    assert result.exit_code == 0
    commits = git(imported_root, "log", "--reverse", "--format=%H %(trailers:key=Lcspr-Recorded-At,valueonly,separator=)",
                  "--", f"cases/{CASE}").split("\n")
    (opened, opened_at), (screened, screened_at), (held, held_at) = (line.split() for line in commits if line)
    result = run(imported_root, "history", CASE)
    assert result.exit_code == 0
    assert result.output == (
        f"{opened_at[:10]}  opened as referral-received  (import, decided by -, recorded by Test Secretariat "
        f"at {opened_at}, commit {opened[:10]})\n"
        "    Cases opened before this repository.\n"
        f"2026-11-25  referral-received -> screening  (advance, decided by secretariat, recorded by Test Secretariat "
        f"at {screened_at}, commit {screened[:10]})\n"
        "    Referral accepted; responses requested.\n"
        "    requested: police\n"
        "    requested: acute-trust\n"
        f"2026-11-25  screening -> on-hold  (advance, decided by lig, recorded by Test Secretariat "
        f"at {held_at}, commit {held[:10]})\n"
        "    Police investigation.\n"
        "    Trial in March.\n"
    )

    result = run(imported_root, "history", CASE, "--format", "json")
    assert result.exit_code == 0
    entries = json.loads(result.output)
    assert [e["commit"] for e in entries] == [opened, screened, held]
    assert entries[1] == {
        "case": CASE, "action": "advance", "decided_on": "2026-11-25", "from": "referral-received",
        "to": "screening", "decided_by": "secretariat", "recorded_by": "Test Secretariat",
        "recorded_at": screened_at, "reason": "Referral accepted; responses requested.", "commit": screened,
        "holder": "", "recorder": "", "requested": ["police", "acute-trust"], "included": [], "sent": [],
        "approved": [], "noted": [], "corrects": "", "findings": [], "agency": "", "received": "", "moved_to": "",
    }


def test_history_leaves_the_list_of_included_edits_out_of_the_reason(imported_root):
    with open(imported_root / "cases" / CASE / "referral.md", "a", encoding="utf-8") as referral:
        referral.write("\nA note.\n")
    assert run(imported_root, *SCREENING).exit_code == 0
    entries = json.loads(run(imported_root, "history", CASE, "--format", "json").output)
    assert entries[-1]["reason"] == "Referral accepted; responses requested."


def test_log_shows_every_case_oldest_first(imported_root):
    assert run(imported_root, *SCREENING).exit_code == 0
    result = run(imported_root, "log")
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if not line.startswith("    ")]
    assert [line.split("  ")[1] for line in lines] == [
        "LIG-2026-001 opened as report-drafting", "LIG-2026-002 opened as partnership-workshop",
        "LIG-2026-003 opened as referral-received", "LIG-2026-003 referral-received -> screening",
    ]
    entries = json.loads(run(imported_root, "log", "--format", "json").output)
    assert [(e["case"], e["action"], e["from"], e["to"]) for e in entries] == [
        ("LIG-2026-001", "import", "", "report-drafting"),
        ("LIG-2026-002", "import", "", "partnership-workshop"),
        ("LIG-2026-003", "import", "", "referral-received"),
        ("LIG-2026-003", "advance", "referral-received", "screening"),
    ]


def test_history_of_a_case_with_no_decisions(records_root):
    shutil.copytree(EXAMPLES / CASE, records_root / "cases" / CASE)
    commit_by_hand(records_root, "Add a case by hand\n", "cases")
    result = run(records_root, "history", CASE)
    assert (result.exit_code, result.output) == (0, "(no decisions recorded)\n")


def test_history_of_an_unknown_case(examples_root):
    result = run(examples_root, "history", "LIG-2026-030")
    assert result.exit_code == 2
    assert result.output == f"Error: no case LIG-2026-030 in {examples_root / 'cases'}; did you mean LIG-2026-003?\n"


def test_the_auditors_git_one_liner_reads_the_same_record(imported_root):
    assert run(imported_root, *SCREENING).exit_code == 0
    entries = json.loads(run(imported_root, "log", "--format", "json").output)
    out = git(imported_root, "log", "--reverse", "--grep=^Lcspr-Case: ", AUDITOR_LOG)
    assert out.splitlines() == [
        f"{e['commit'][:7]} {e['case']}: {e['from']} -> {e['to']} ({e['action']}, decided by {e['decided_by']} "
        f"on {e['decided_on'] if e['action'] == 'advance' else ''}, recorded by {e['recorded_by']} at {e['recorded_at']})"
        for e in entries
    ]
    assert out.splitlines()[-1].endswith(
        ": referral-received -> screening (advance, decided by secretariat on 2026-11-25, recorded by Test Secretariat at "
        + entries[-1]["recorded_at"] + ")"
    )
    # One case's decisions: the same, with the case in the pattern.
    one = git(imported_root, "log", "--reverse", f"--grep=^Lcspr-Case: {CASE}$", AUDITOR_LOG)
    assert len(one.splitlines()) == 2


# --- audit: a whole trail ------------------------------------------------------------------


def test_a_clean_history_is_whole(imported_root):
    assert run(imported_root, *SCREENING).exit_code == 0
    assert run(imported_root, "advance", CASE, "on-hold", "--reason", "Trial.", "--on", ON).exit_code == 0
    assert run(imported_root, "advance", CASE, "screening", "--reason", "Trial over.", "--on", ON).exit_code == 0
    # Edits that do not touch a status are not findings.
    with open(imported_root / "cases" / CASE / "referral.md", "a", encoding="utf-8") as referral:
        referral.write("\nA note.\n")
    commit_by_hand(imported_root, "A reviewer's note\n", f"cases/{CASE}")
    assert audit(imported_root) == (0, [f"Audited {count(imported_root)} commit(s), 6 decision(s): the trail is whole."])
    result = run(imported_root, "audit", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output) == {"commits": count(imported_root), "decisions": 6, "ok": True, "strict": False,
                                         "open": 0, "corrected": 0, "findings": []}


def test_decisions_on_two_branches_merged_are_whole(imported_root):
    git(imported_root, "switch", "-q", "-c", "side")
    assert run(imported_root, *SCREENING).exit_code == 0
    git(imported_root, "switch", "-q", "main")
    assert run(imported_root, "advance", "LIG-2026-002", "on-hold", "--reason", "Trial.", "--on", ON).exit_code == 0
    git(imported_root, "merge", "-q", "--no-edit", "side")
    assert audit(imported_root)[0] == 0


def test_new_case_opens_a_whole_trail(records_root):
    result = run(records_root, "new-case", "--title", "Child E", "--referred-by", "police", "--received", "2026-11-02")
    assert result.exit_code == 0, result.output
    assert audit(records_root) == (0, ["Audited 2 commit(s), 1 decision(s): the trail is whole."])


# --- audit: each fault ------------------------------------------------------------------------


def test_a_status_changed_by_hand_is_reported(imported_root):
    set_status(imported_root, "screening")
    sha = commit_by_hand(imported_root, "Move it on\n", f"cases/{CASE}")
    code, lines = audit(imported_root)
    assert code == 1
    assert lines == [
        f"{sha[:10]} {CASE}: hand-edit: status changed from referral-received to screening without a decision "
        "(no Lcspr trailers)",
        f"Audited {count(imported_root)} commit(s), 3 decision(s): 1 finding(s).",
    ]


def test_cases_added_by_hand_are_reported(records_root):
    for folder in WORKING_EXAMPLES:
        shutil.copytree(folder, records_root / "cases" / folder.name)
    sha = commit_by_hand(records_root, "Add the example cases\n", "cases")
    code, lines = audit(records_root)
    assert code == 1
    assert lines[:3] == [
        f"{sha[:10]} LIG-2026-001: hand-edit: case.md added at status report-drafting without a decision "
        "(no Lcspr trailers); cases enter the record with `lcspr new-case` or `lcspr import`",
        f"{sha[:10]} LIG-2026-002: hand-edit: case.md added at status partnership-workshop without a decision "
        "(no Lcspr trailers); cases enter the record with `lcspr new-case` or `lcspr import`",
        f"{sha[:10]} LIG-2026-003: hand-edit: case.md added at status referral-received without a decision "
        "(no Lcspr trailers); cases enter the record with `lcspr new-case` or `lcspr import`",
    ]


def test_no_decision_builds_on_a_hand_edit_until_it_is_corrected(imported_root):
    set_status(imported_root, "screening")
    sha = commit_by_hand(imported_root, "Move it on\n", f"cases/{CASE}")
    before = head(imported_root)
    result = run(imported_root, "advance", CASE, "serious-incident-notified", "--reason", "Notified.",
                 "--set", "serious_incident.notified=2026-11-19", "--on", ON)
    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: {CASE} cannot move: its record has findings a decision must not build on:\n"
        f"  - {sha[:10]} {CASE}: hand-edit: status changed from referral-received to screening without a decision"
    )
    assert "`lcspr correct COMMIT --reason ... --by ROLE`" in result.output
    assert head(imported_root) == before
    # The LIG chair examines it and records why the state stands.
    result = run(imported_root, "correct", sha[:10], "--by", "lig-chair", "--on", ON,
                 "--reason", "Screened at the LIG on 25 November; the status was typed in before the record.")
    assert result.exit_code == 0, result.output
    correction = head(imported_root)
    assert result.output == f"Recorded the correction of {sha[:10]} (commit {correction[:10]}): {CASE} hand-edit\n"
    assert git(imported_root, "show", "--name-only", "--format=", correction) == ""  # words only
    message = git(imported_root, "log", "-1", "--format=%B")
    assert f"Lcspr-Corrects: {sha}\n" in message and f"Lcspr-Finding: {CASE} hand-edit\n" in message
    result = run(imported_root, "advance", CASE, "serious-incident-notified", "--reason", "Notified.",
                 "--set", "serious_incident.notified=2026-11-19", "--set", "serious_incident.reference=SIN-0412",
                 "--set", "serious_incident.nature=serious-harm", "--on", ON)
    assert result.exit_code == 0, result.output
    code, lines = audit(imported_root)
    assert code == 0
    assert lines == [
        f"{sha[:10]} {CASE}: hand-edit: status changed from referral-received to screening without a decision "
        f"(no Lcspr trailers) [corrected by {correction[:10]}: lig-chair on {ON}: Screened at the LIG on 25 November; "
        "the status was typed in before the record.]",
        f"Audited {count(imported_root)} commit(s), 4 decision(s): the trail is whole, with 1 corrected finding(s).",
    ]
    assert run(imported_root, "audit", "--strict").exit_code == 1
    history = run(imported_root, "history", CASE).output
    assert f"correction of {sha[:10]}  (decided by lig-chair" in history
    assert f"    corrected finding: {CASE} hand-edit" in history


def test_a_hand_edit_reverted_and_corrected_audits_clean(imported_root):
    set_status(imported_root, "screening")
    edit = commit_by_hand(imported_root, "Move it on\n", f"cases/{CASE}")
    git(imported_root, "revert", "--no-edit", edit)
    revert = head(imported_root)
    assert audit(imported_root)[0] == 1
    for sha in (edit, revert):
        result = run(imported_root, "correct", sha, "--by", "secretariat", "--reason", "Status typed by hand; reverted.")
        assert result.exit_code == 0, result.output
    code, lines = audit(imported_root)
    assert (code, lines[-1]) == (0, f"Audited {count(imported_root)} commit(s), 3 decision(s): the trail is whole, "
                                    "with 2 corrected finding(s).")
    assert run(imported_root, *SCREENING).exit_code == 0


def test_a_correction_never_hides_a_later_finding(imported_root):
    set_status(imported_root, "screening")
    first = commit_by_hand(imported_root, "Move it on\n", f"cases/{CASE}")
    assert run(imported_root, "correct", first, "--by", "secretariat", "--reason", "Examined.").exit_code == 0
    set_status(imported_root, "serious-incident-notified")
    second = commit_by_hand(imported_root, "And again\n", f"cases/{CASE}")
    code, lines = audit(imported_root)
    assert code == 1
    assert lines[1].startswith(f"{second[:10]} {CASE}: hand-edit: status changed from screening")
    assert "corrected" not in lines[1]


@pytest.mark.parametrize("args, message", [
    (["0123456789abcdef"], "Error: there is no commit 0123456789abcdef in this repository"),
    (["HEAD"], "has no open finding to correct: `lcspr audit` finds nothing wrong with it."),
    (["HEAD", "--by", "reviewer"], "Error: reviewer may not record a correction; the workflow lets lig-chair, "
                                   "secretariat do it"),
    (["HEAD", "--by", "chair"], "Error: --by 'chair' is not a role in lcspr.toml"),
    (["HEAD", "--on", "2099-01-01"], "Error: --on 2099-01-01 is in the future"),
])
def test_a_correction_that_cannot_be_made_is_refused(imported_root, args, message):
    before = head(imported_root)
    result = run(imported_root, "correct", *args, "--reason", "Examined.")
    assert result.exit_code in (1, 2)
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert head(imported_root) == before


def test_a_correction_of_a_commit_outside_the_history_is_refused(imported_root):
    git(imported_root, "switch", "-q", "-c", "elsewhere")
    set_status(imported_root, "screening")
    other = commit_by_hand(imported_root, "Move it on\n", f"cases/{CASE}")
    git(imported_root, "switch", "-q", "main")
    result = run(imported_root, "correct", other, "--reason", "Examined.")
    assert result.exit_code == 2
    assert "is not in the history of the current branch" in result.output


def test_a_skipped_step_recorded_with_trailers_is_reported(imported_root):
    set_status(imported_root, "report-drafting")
    sha = commit_by_hand(imported_root, f"{CASE}: referral-received -> report-drafting\n\nFast track.\n\n"
                         + trailers(CASE, "referral-received", "report-drafting"), f"cases/{CASE}")
    code, lines = audit(imported_root)
    assert code == 1
    assert lines[0] == (
        f"{sha[:10]} {CASE}: illegal-step: referral-received -> report-drafting is not a step of the workflow "
        "(a skipped or illegal step)"
    )
    assert len(lines) == 2


def test_a_decision_by_a_role_that_may_not_make_it_is_reported(imported_root):
    set_status(imported_root, "screening")
    sha = commit_by_hand(imported_root, f"{CASE}: referral-received -> screening\n\nAccepted.\n\n"
                         + trailers(CASE, "referral-received", "screening", by="reviewer"), f"cases/{CASE}")
    assert audit(imported_root)[1][0] == (
        f"{sha[:10]} {CASE}: illegal-step: reviewer may not decide referral-received -> screening; "
        "it is decided by secretariat, lig-chair."
    )


def test_trailers_that_disagree_with_the_diff_are_reported(imported_root):
    set_status(imported_root, "screening")
    sha = commit_by_hand(imported_root, f"{CASE}: referral-received -> serious-incident-notified\n\nNotified.\n\n"
                         + trailers(CASE, "referral-received", "serious-incident-notified"), f"cases/{CASE}")
    assert audit(imported_root)[1][0] == (
        f"{sha[:10]} {CASE}: trailers-disagree: trailers say referral-received -> serious-incident-notified "
        "but case.md changed referral-received -> screening"
    )


def test_trailers_naming_another_case_are_reported(imported_root):
    set_status(imported_root, "screening")
    sha = commit_by_hand(imported_root, "LIG-2026-002: referral-received -> screening\n\nAccepted.\n\n"
                         + trailers("LIG-2026-002", "referral-received", "screening"), f"cases/{CASE}")
    assert audit(imported_root)[1][:2] == [
        f"{sha[:10]} LIG-2026-002: trailers-disagree: a decision on LIG-2026-002 also changes cases/{CASE}/case.md; "
        "a decision commit holds only its case's folder",
        f"{sha[:10]} {CASE}: trailers-disagree: trailers name case LIG-2026-002 but the commit changes {CASE}",
    ]


def test_a_decision_that_changes_no_status_is_reported(imported_root):
    with open(imported_root / "cases" / CASE / "referral.md", "a", encoding="utf-8") as referral:
        referral.write("\nA note.\n")
    sha = commit_by_hand(imported_root, f"{CASE}: referral-received -> screening\n\nAccepted.\n\n"
                         + trailers(CASE, "referral-received", "screening"), f"cases/{CASE}")
    assert audit(imported_root)[1][0] == (
        f"{sha[:10]} {CASE}: trailers-disagree: a advance commit that changes no case's status"
    )


def test_a_decision_that_also_changes_files_outside_its_case_is_reported(imported_root):
    set_status(imported_root, "screening")
    toml = imported_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    sha = commit_by_hand(imported_root, f"{CASE}: referral-received -> screening\n\nAccepted.\n\n"
                         + trailers(CASE, "referral-received", "screening"), f"cases/{CASE}", "lcspr.toml")
    assert audit(imported_root)[1][:2] == [
        f"{sha[:10]} {CASE}: trailers-disagree: a decision on {CASE} also changes lcspr.toml; "
        "a decision commit holds only its case's folder",
        f"Audited {count(imported_root)} commit(s), 4 decision(s): 1 finding(s).",
    ]


def test_one_commit_deciding_for_two_cases_is_reported(imported_root):
    set_status(imported_root, "screening")
    set_status(imported_root, "on-hold", case="LIG-2026-002")
    sha = commit_by_hand(imported_root, f"{CASE}: referral-received -> screening\n\nAccepted.\n\n"
                         + trailers(CASE, "referral-received", "screening"), "cases")
    code, lines = audit(imported_root)
    assert code == 1
    assert lines == [
        f"{sha[:10]} {CASE}: trailers-disagree: a decision on {CASE} also changes cases/LIG-2026-002/case.md; "
        "a decision commit holds only its case's folder",
        f"{sha[:10]} LIG-2026-002,{CASE}: several-cases: one decision commit changes the status of "
        f"LIG-2026-002, {CASE}; a decision records one case",
        f"Audited {count(imported_root)} commit(s), 4 decision(s): 2 finding(s).",
    ]


def test_a_recorded_at_earlier_than_the_parents_is_reported(imported_root):
    parent_at = git(imported_root, "log", "-1", "--format=%(trailers:key=Lcspr-Recorded-At,valueonly,separator=)").strip()
    set_status(imported_root, "screening")
    sha = commit_by_hand(imported_root, f"{CASE}: referral-received -> screening\n\nAccepted.\n\n"
                         + trailers(CASE, "referral-received", "screening", at="2020-01-01T00:00:00Z"),
                         f"cases/{CASE}")
    code, lines = audit(imported_root)
    assert code == 1
    assert lines == [
        f"{sha[:10]} {CASE}: date-order: decided on {ON}, after it was recorded (2020-01-01T00:00:00Z)",
        f"{sha[:10]} {CASE}: time-order: Lcspr-Recorded-At 2020-01-01T00:00:00Z is earlier than its parent's ({parent_at})",
        f"Audited {count(imported_root)} commit(s), 4 decision(s): 2 finding(s).",
    ]


def test_broken_trailers_are_reported(imported_root):
    set_status(imported_root, "screening")
    message = trailers(CASE, "referral-received", "screening", at="26/11/2026 09:00")
    message = message.replace("Lcspr-Decided-By: secretariat\n", "")
    sha = commit_by_hand(imported_root, f"{CASE}: referral-received -> screening\n\nAccepted.\n\n" + message,
                         f"cases/{CASE}")
    assert audit(imported_root)[1][:2] == [
        f"{sha[:10]} {CASE}: broken-trailers: Lcspr-Recorded-At '26/11/2026 09:00' is not a UTC time like "
        "2026-11-26T14:03:11Z",
        f"{sha[:10]} {CASE}: broken-trailers: advance commit lacks Lcspr-Decided-By",
    ]


@pytest.mark.parametrize("remove", ["case.md", "."])
def test_a_case_whose_files_vanished_is_reported(imported_root, remove):
    git(imported_root, "rm", "-q", "-r", f"cases/{CASE}/{remove}")
    sha = commit_by_hand(imported_root, "Tidy up\n", "cases")
    code, lines = audit(imported_root)
    assert code == 1
    assert lines == [
        f"{sha[:10]} {CASE}: vanished: cases/{CASE}/case.md was deleted; a case's files must stay in the record",
        f"Audited {count(imported_root)} commit(s), 3 decision(s): 1 finding(s).",
    ]


def test_audit_as_json(imported_root):
    set_status(imported_root, "screening")
    sha = commit_by_hand(imported_root, "Move it on\n", f"cases/{CASE}")
    result = run(imported_root, "audit", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.output) == {
        "commits": count(imported_root), "decisions": 3, "ok": False, "strict": False, "open": 1, "corrected": 0,
        "findings": [{"commit": sha, "case": CASE, "kind": "hand-edit",
                      "message": "status changed from referral-received to screening without a decision "
                                 "(no Lcspr trailers)", "corrected_by": "", "correction": ""}],
    }


def test_a_resume_to_a_state_the_case_was_not_held_from_is_reported(imported_root):
    assert run(imported_root, *SCREENING).exit_code == 0
    assert run(imported_root, "advance", CASE, "on-hold", "--reason", "Trial.", "--on", ON).exit_code == 0
    # Resume to a later state, rewriting the state it was held from in the same commit.
    path = case_md(imported_root)
    path.write_text(path.read_text(encoding="utf-8").replace("previous: screening", "previous: report-drafting"),
                    encoding="utf-8")
    set_status(imported_root, "report-drafting")
    sha = commit_by_hand(imported_root, f"{CASE}: on-hold -> report-drafting\n\nResumed.\n\n"
                         + trailers(CASE, "on-hold", "report-drafting"), f"cases/{CASE}")
    code, lines = audit(imported_root)
    assert code == 1
    assert lines == [
        f"{sha[:10]} {CASE}: illegal-step: on-hold -> report-drafting is not a step of the workflow "
        "(a skipped or illegal step)",
        f"Audited {count(imported_root)} commit(s), 6 decision(s): 1 finding(s).",
    ]


def test_a_case_folder_made_by_hand_is_imported_where_it_is(records_root):
    folder = records_root / "cases" / CASE
    folder.mkdir()
    (folder / "case.md").write_text(
        (EXAMPLES / CASE / "case.md").read_text(encoding="utf-8"), encoding="utf-8")
    result = run(records_root, *SCREENING)
    assert result.exit_code == 1
    assert "bring the case in with `lcspr import`" in result.output
    result = run(records_root, "import", str(folder), "--reason", "Made by hand before lcspr.")
    assert result.exit_code == 0, result.output
    assert result.output == f"Imported {CASE} into cases/{CASE} (commit {head(records_root)[:10]}).\n"
    assert git(records_root, "show", "--name-only", "--format=", "HEAD") == f"cases/{CASE}/case.md\n"
    assert run(records_root, *SCREENING).exit_code == 0
    assert audit(records_root) == (0, ["Audited 3 commit(s), 2 decision(s): the trail is whole."])
    # Once in the record, it cannot be imported again.
    result = run(records_root, "import", str(folder), "--reason", "Again.")
    assert (result.exit_code, result.output) == (2, f"Error: cases/{CASE} already exists; nothing was imported.\n")


def test_an_import_that_does_not_validate_leaves_nothing(records_root, tmp_path):
    source = tmp_path / "old-system" / CASE
    shutil.copytree(EXAMPLES / CASE, source)
    text = (source / "case.md").read_text(encoding="utf-8")
    (source / "case.md").write_text(text.replace("status: referral-received", "status: limbo"), encoding="utf-8")
    before = head(records_root)
    result = run(records_root, "import", str(source), "--reason", "From the old system.")
    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: {CASE} does not validate, so it was not imported:\ncases/{CASE}/case.md:5: status: 'limbo' is not a known status"
    )
    assert head(records_root) == before
    assert not (records_root / "cases" / CASE).exists()
    assert git(records_root, "status", "--porcelain", "--untracked-files=all") == ""


def test_a_reason_in_any_script_reads_back_unchanged(imported_root):
    reason = "Children’s Services and the école agreed — «urgent» review."
    assert run(imported_root, "advance", CASE, "screening", "--reason", reason,
               "--set", "agencies_involved=[police]", "--on", ON).exit_code == 0
    entries = json.loads(run(imported_root, "history", CASE, "--format", "json").output)
    assert entries[-1]["reason"] == reason
    assert f"    {reason}" in run(imported_root, "history", CASE).output.splitlines()


# --- the verified point: later audits walk only what is new -----------------------------------


@pytest.fixture
def walked(monkeypatch):
    """The revisions each audit walks."""
    from lcspr import audit as audit_module

    seen: list[str] = []
    real = audit_module.history.walk

    def recording(root, *args, revisions="HEAD", **kwargs):
        if kwargs.get("changes"):
            seen.append(revisions)
        return real(root, *args, revisions=revisions, **kwargs)

    monkeypatch.setattr(audit_module.history, "walk", recording)
    return seen


def verified_point(state: Path) -> str:
    """The commit the verified point saved in `state` reached."""
    with closing(sqlite3.connect(state)) as db:
        return db.execute("select commit_id from point").fetchone()[0]


def test_a_later_audit_walks_only_what_is_new_and_finds_the_same(imported_root, walked):
    first = run(imported_root, "audit", "--format", "json").output
    assert walked == [head(imported_root)]
    assert (imported_root / ".git" / "lcspr" / "audit-state.sqlite").is_file()
    before = head(imported_root)
    assert run(imported_root, *SCREENING).exit_code == 0
    set_status(imported_root, "on-hold", case="LIG-2026-002")
    edit = commit_by_hand(imported_root, "Hold it\n", "cases/LIG-2026-002")
    walked.clear()
    later = run(imported_root, "audit", "--format", "json")
    assert walked == [f"{before}..{head(imported_root)}"]
    assert json.loads(later.output) == json.loads(run(imported_root, "audit", "--full", "--format", "json").output)
    assert json.loads(later.output)["findings"][0]["commit"] == edit
    assert json.loads(first)["findings"] == []
    # A correction of an old commit is seen by the next incremental audit.
    assert run(imported_root, "correct", edit, "--by", "secretariat", "--reason", "Examined.").exit_code == 0
    walked.clear()
    assert run(imported_root, "audit").exit_code == 0
    assert len(walked) == 1 and ".." in walked[0]


def test_each_decision_walks_only_what_was_committed_since_the_last_and_moves_the_point_on(imported_root, walked):
    state = imported_root / ".git" / "lcspr" / "audit-state.sqlite"
    assert run(imported_root, "audit").exit_code == 0
    verified = head(imported_root)
    set_status(imported_root, "on-hold", case="LIG-2026-002")
    edit = commit_by_hand(imported_root, "Hold it\n", "cases/LIG-2026-002")  # another case, by hand: a finding
    walked.clear()
    assert run(imported_root, *SCREENING).exit_code == 0
    # Every commit since the verified point is walked, not only the case's, and the point moves on to
    # what the decision was built on.
    assert walked == [f"{verified}..{edit}"]
    assert verified_point(state) == edit
    screened = head(imported_root)
    walked.clear()
    assert run(imported_root, "advance", CASE, "on-hold", "--reason", "Police investigation.", "--by", "lig",
               "--on", ON).exit_code == 0
    assert walked == [f"{edit}..{screened}"]  # the last decision alone
    # What the decisions saved is what a whole audit finds: the hand edit, and nothing else.
    walked.clear()
    later = json.loads(run(imported_root, "audit", "--format", "json").output)
    assert walked == [f"{screened}..{head(imported_root)}"]
    assert later == json.loads(run(imported_root, "audit", "--full", "--format", "json").output)
    assert [f["commit"] for f in later["findings"]] == [edit]


def test_a_rewritten_history_or_changed_settings_are_walked_whole(imported_root, walked):
    assert run(imported_root, *SCREENING).exit_code == 0
    assert run(imported_root, "audit").exit_code == 0
    git(imported_root, "reset", "-q", "--hard", "HEAD~1")
    walked.clear()
    assert run(imported_root, "audit").exit_code == 0
    assert walked == [head(imported_root)]
    toml = imported_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    walked.clear()
    run(imported_root, "audit")
    assert walked == [head(imported_root)]
    with closing(sqlite3.connect(imported_root / ".git" / "lcspr" / "audit-state.sqlite")) as db, db:
        db.execute("update point set commit_id = '--output=elsewhere'")  # not a commit: not used
    walked.clear()
    run(imported_root, "audit")
    assert walked == [head(imported_root)]
    (imported_root / ".git" / "lcspr" / "audit-state.sqlite").write_text("{broken", encoding="utf-8")
    walked.clear()
    run(imported_root, "audit")
    assert walked == [head(imported_root)]
    walked.clear()  # the damaged file was replaced by a new point
    run(imported_root, "audit")
    assert walked == [f"{head(imported_root)}..{head(imported_root)}"]


def saved_rows(root: Path) -> dict[str, str]:
    """Each case's saved record in the verified point, as its row holds it."""
    with closing(sqlite3.connect(root / ".git" / "lcspr" / "audit-state.sqlite")) as db:
        return dict(db.execute("select case_id, data from trail"))


def test_a_decision_reads_and_rewrites_the_record_of_its_own_case_alone(imported_root, monkeypatch):
    from lcspr import audit_state

    assert run(imported_root, "audit").exit_code == 0
    before = saved_rows(imported_root)
    cases = sorted(p.name for p in (imported_root / "cases").iterdir() if p.is_dir())
    assert sorted(before) == cases and len(cases) > 2
    asked: list[str] = []
    real = audit_state.State.read_trail

    def recording(self, case):
        asked.append(case)
        return real(self, case)

    monkeypatch.setattr(audit_state.State, "read_trail", recording)
    assert run(imported_root, *SCREENING).exit_code == 0
    assert asked == [CASE]
    # The decision moved the point to what it was built on: nothing new to keep yet.
    assert saved_rows(imported_root) == before
    asked.clear()
    assert run(imported_root, "audit").exit_code == 0  # walks the decision's commit
    assert asked == [CASE]
    after = saved_rows(imported_root)
    assert sorted(after) == cases
    assert {case for case in cases if after[case] != before[case]} == {CASE}
    assert json.loads(after[CASE])["decided_on"] == ON
    # Only what differs from a case with no record yet is kept in a row.
    assert "approved" not in json.loads(after[CASE]) and "sent" not in json.loads(after[CASE])
    assert (imported_root / ".git" / "lcspr" / "audit-state.sqlite").stat().st_mode & 0o777 == 0o600
    whole = json.loads(run(imported_root, "audit", "--full", "--format", "json").output)
    assert saved_rows(imported_root) == after  # what the decision saved is what a whole walk saves
    assert whole["findings"] == []


@pytest.mark.parametrize("damage", ['[1, 2]', '{"approved": "none"}', '{"unknown": 1}', "not json"])
def test_a_damaged_record_in_the_point_is_walked_again_whole(imported_root, walked, damage):
    assert run(imported_root, "audit").exit_code == 0
    set_status(imported_root, "on-hold", case="LIG-2026-002")
    edit = commit_by_hand(imported_root, "Hold it\n", "cases/LIG-2026-002")
    with closing(sqlite3.connect(imported_root / ".git" / "lcspr" / "audit-state.sqlite")) as db, db:
        db.execute("update trail set data = ? where case_id = ?", (damage, "LIG-2026-002"))
    walked.clear()
    report = json.loads(run(imported_root, "audit", "--format", "json").output)
    assert walked[-1] == head(imported_root)  # the damage was met, and everything walked again
    assert report == json.loads(run(imported_root, "audit", "--full", "--format", "json").output)
    assert [f["commit"] for f in report["findings"]] == [edit]
    assert "LIG-2026-002" in saved_rows(imported_root)  # and a sound point saved in its place


def test_a_decision_on_a_damaged_record_is_judged_from_its_own_commits(imported_root, walked):
    assert run(imported_root, "audit").exit_code == 0
    with closing(sqlite3.connect(imported_root / ".git" / "lcspr" / "audit-state.sqlite")) as db, db:
        db.execute("update trail set data = 'not json' where case_id = ?", (CASE,))
    built_on = head(imported_root)
    walked.clear()
    assert run(imported_root, *SCREENING).exit_code == 0
    # Nothing new since the point, but its record of the case is damaged: the point is
    # forgotten and the case judged from a walk of its own commits.
    assert walked == [f"{built_on}..{built_on}", built_on]
    assert not (imported_root / ".git" / "lcspr" / "audit-state.sqlite").exists()
    walked.clear()
    assert json.loads(run(imported_root, "audit", "--format", "json").output)["findings"] == []
    assert walked == [head(imported_root)]  # a whole walk makes a new point
    assert CASE in saved_rows(imported_root)


def test_a_point_being_read_is_not_replaced_under_its_reader(imported_root, monkeypatch):
    from lcspr import audit_state
    from lcspr.audit import _Auditor
    from lcspr.repository import open_repository

    monkeypatch.setattr(audit_state, "WAIT_SECONDS", 0.2)
    assert run(imported_root, "audit").exit_code == 0
    repo = open_repository(imported_root)
    at = head(imported_root)
    ident = audit_state.identity(imported_root, repo.config.workflow_file, False)
    rows = saved_rows(imported_root)
    with audit_state.State(imported_root) as reading:
        saved = reading.load(ident, at)  # an audit that has begun reading this point
        assert saved is not None and saved["commit"] == at
        set_status(imported_root, "on-hold", case="LIG-2026-002")
        edit = commit_by_hand(imported_root, "Hold it\n", "cases/LIG-2026-002")
        # The decision walks the hand edit, but its save, which would move the point on to
        # the edit, must wait for the reader, and gives up.
        assert run(imported_root, *SCREENING).exit_code == 0
        assert verified_point(imported_root / ".git" / "lcspr" / "audit-state.sqlite") == at
        assert saved_rows(imported_root) == rows
        with gitops.ObjectReader(imported_root) as reader:
            auditor = _Auditor(repo, reader, datetime.now(timezone.utc))
            reading.restore(saved, auditor)
            assert auditor.cases[CASE] is not None  # read from the point it began with
            reading.save(ident, at, auditor)
    assert saved_rows(imported_root) == rows
    walked_from = verified_point(imported_root / ".git" / "lcspr" / "audit-state.sqlite")
    assert walked_from == at
    # The next audit walks the edit and the decision from there, and finds the edit.
    later = json.loads(run(imported_root, "audit", "--format", "json").output)
    assert [f["commit"] for f in later["findings"]] == [edit]
    assert later == json.loads(run(imported_root, "audit", "--full", "--format", "json").output)
