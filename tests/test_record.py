"""The record proves what was decided on: approvals pin their content, sent documents
stay as sent, dates make sense, the deciding role's holder is on record, a crash
never enters the record, and `next`, `advance` and `audit` give one verdict."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import add_case, commit_import, count, git, head, run
from lcspr import decisions, gitops, mdfile, trail
from lcspr.repository import open_repository

ON = "2026-11-25"
CASE = "LIG-2026-001"  # the example at report-drafting, with its report and three responses
REPORT = f"cases/{CASE}/report.md"


def ok(root: Path, *args: str) -> str:
    result = run(root, *args)
    assert result.exit_code == 0, result.output
    return result.output


def refused(root: Path, *args: str, code: int = 1) -> str:
    before = head(root)
    result = run(root, *args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert head(root) == before  # nothing recorded
    return result.output


def commit_by_hand(root: Path, message: str, *paths: str) -> str:
    git(root, "add", "-A", "--", *paths)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "--cleanup=verbatim", "-F", "-"],
                   input=message, text=True, check=True)
    return head(root)


def add_finding(root: Path) -> None:
    """A reviewer adds a line to the report and commits it by hand."""
    path = root / REPORT
    path.write_text(path.read_text(encoding="utf-8") + "\nA finding added after approval.\n", encoding="utf-8")
    commit_by_hand(root, "Add a finding\n", REPORT)


def approve(root: Path) -> None:
    ok(root, "advance", CASE, "board-approval", "--by", "secretariat", "--on", "2026-11-20", "--reason", "To the Board.")
    ok(root, "advance", CASE, "approved", "--by", "board", "--on", "2026-11-23", "--reason", "Approved.")


def audit_lines(root: Path) -> tuple[int, list[str]]:
    result = run(root, "audit")
    return result.exit_code, result.output.splitlines()


# --- approvals pin their content --------------------------------------------------------


def test_an_approval_pins_the_blob_of_each_file_it_approves(examples_root):
    approve(examples_root)
    message = git(examples_root, "log", "-1", "--format=%B")
    for name in ("report.md", "responses/childrens-services.md", "responses/community-health.md",
                 "responses/police.md"):
        blob = git(examples_root, "rev-parse", f"HEAD:cases/{CASE}/{name}").strip()
        assert f"\nLcspr-Approved: {name} {blob}\n" in message
    # Git's own trailer parsing reads the same record.
    parsed = git(examples_root, "log", "-1", "--format=%(trailers:key=Lcspr-Approved,valueonly)").split("\n")
    assert parsed[0] == f"report.md {git(examples_root, 'rev-parse', f'HEAD:{REPORT}').strip()}"
    entry = json.loads(ok(examples_root, "history", CASE, "--format", "json"))[-1]
    assert [a["file"] for a in entry["approved"]][0] == "report.md"


def test_approve_edit_refuse_reapprove_send(examples_root):
    """The whole story: approved, edited, refused at pre-publication, back to the Board,
    approved again, sent; rendering afterwards leaves what was sent untouched."""
    approve(examples_root)
    add_finding(examples_root)

    assert "  approval: report.md changed since approval on 2026-11-23" in ok(examples_root, "show", CASE)
    assert "report.md changed since approval on 2026-11-23; re-approve it first" in ok(examples_root, "next", CASE)

    output = refused(examples_root, "advance", CASE, "pre-publication", "--set", "dates.planned_publication=2026-12-20",
                     "--reason", "Sent to the Panel.", "--on", ON)
    assert output.startswith(
        f"Error: {CASE} cannot move to pre-publication: the report changed since it was approved, and what is sent "
        "must be what was approved:\n  - report.md changed since approval on 2026-11-23\n"
    )
    assert f" cases/{CASE}/report.md | 2 ++" in output  # git diff --stat
    approval = git(examples_root, "log", "-1", "--format=%H", "--grep=-> approved").strip()
    assert f"See the whole change with `git diff {approval[:10]} -- cases/{CASE}`." in output
    assert f"`lcspr advance {CASE} board-approval --reason ...`, then approve it again." in output

    ok(examples_root, "advance", CASE, "board-approval", "--on", ON, "--reason", "Changed after approval.")
    ok(examples_root, "advance", CASE, "approved", "--by", "board", "--on", ON, "--reason", "Approved again.")
    assert "approval:" not in ok(examples_root, "show", CASE)
    text = (examples_root / "cases" / CASE / "case.md").read_text(encoding="utf-8")
    assert f"  date: {ON}\n" in text  # the approval records its own day again
    output = ok(examples_root, "advance", CASE, "pre-publication", "--set", "dates.planned_publication=2026-12-20",
                "--reason", "Sent to the Panel.", "--on", ON)
    sent = f"cases/{CASE}/documents/{CASE}-review-report-pre-publication.docx"
    assert f"Sent and recorded: {sent}" in output
    before = (examples_root / sent).read_bytes()

    rendered = ok(examples_root, "render", CASE, "report")
    assert rendered == f"Wrote {examples_root / 'drafts' / CASE / f'{CASE}-review-report.docx'}\n"
    assert (examples_root / sent).read_bytes() == before
    assert git(examples_root, "status", "--porcelain", "--", "cases") == ""
    ok(examples_root, "advance", CASE, "published", "--set", "publication.url=https://example.org/child-a",
       "--reason", "Published.", "--on", ON)
    assert audit_lines(examples_root)[0] == 0
    names = sorted(p.name for p in (examples_root / "cases" / CASE / "documents").iterdir())
    assert names == [f"{CASE}-review-report-board-approval-2.docx", f"{CASE}-review-report-board-approval.docx",
                     f"{CASE}-review-report-pre-publication.docx"]


def test_a_forged_send_of_a_changed_report_is_an_audit_finding(examples_root):
    approve(examples_root)
    add_finding(examples_root)
    path = examples_root / "cases" / CASE / "case.md"
    md = mdfile.read(path)
    path.write_text(mdfile.set_fields(md, {("status",): "pre-publication", ("pre_publication", "sent"): ON,
                                           ("dates", "planned_publication"): "2026-12-20"}), encoding="utf-8")
    record = trail.Decision(action=trail.ADVANCE, case=CASE, source="approved", target="pre-publication",
                            decided_by="secretariat", decided_on=ON, recorded_at=gitops.now_utc(),
                            subject=f"{CASE}: approved -> pre-publication", reason="Sent.")
    sha = commit_by_hand(examples_root, record.message(), f"cases/{CASE}")
    code, lines = audit_lines(examples_root)
    assert code == 1
    assert lines[0].startswith(f"{sha[:10]} {CASE}: changed-after-approval: report.md changed since the approval on "
                               "2026-11-23")


def test_an_approved_file_deleted_is_reported_at_the_next_send(examples_root):
    approve(examples_root)
    git(examples_root, "rm", "-q", f"cases/{CASE}/responses/police.md")
    git(examples_root, "commit", "-q", "-m", "Remove a response")
    output = refused(examples_root, "advance", CASE, "pre-publication", "--set", "dates.planned_publication=2026-12-20",
                     "--reason", "Sent.", "--on", ON)
    assert "responses/police.md was removed since approval on 2026-11-23" in output


# --- sent documents are immutable ---------------------------------------------------------


def test_a_sent_document_changed_by_hand_is_refused_and_reported(examples_root):
    ok(examples_root, "advance", CASE, "board-approval", "--on", ON, "--reason", "To the Board.")
    sent = f"cases/{CASE}/documents/{CASE}-review-report-board-approval.docx"
    (examples_root / sent).write_bytes(b"not what was sent")
    output = refused(examples_root, "advance", CASE, "report-drafting", "--by", "board", "--on", ON,
                     "--reason", "Needs work.")
    assert output == (f"Error: {sent} was sent by an earlier decision and has been changed; a sent document stays as "
                      f"it was sent, so nothing was recorded. Put it back with `git restore -- {sent}`.\n")
    sha = commit_by_hand(examples_root, "Tidy the document\n", sent)
    sender = git(examples_root, "log", "-1", "--format=%H", "--grep=-> board-approval").strip()
    code, lines = audit_lines(examples_root)
    assert code == 1
    assert lines[0] == (f"{sha[:10]} {CASE}: sent-document-changed: changes {sent}, which {sender[:10]} sent; "
                        "a sent document stays as it was sent (restore it from that commit)")
    git(examples_root, "rm", "-q", sent)
    git(examples_root, "commit", "-q", "-m", "Remove it")
    deleted = head(examples_root)
    assert f"{deleted[:10]} {CASE}: sent-document-changed: deletes {sent}" in "\n".join(audit_lines(examples_root)[1])


# --- dates make sense -----------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["--on", "2025-01-01"], "Error: --on 2025-01-01 is before LIG-2026-003's referral was received (2026-11-24)"),
    (["--on", "2099-01-01"], "Error: --on 2099-01-01 is in the future"),
])
def test_a_decision_day_before_the_referral_or_in_the_future_is_refused(examples_root, args, message):
    output = refused(examples_root, "advance", "LIG-2026-003", "screening", "--set", "agencies_involved=[police]",
                     "--reason", "Accepted.", *args, code=2)
    assert output.startswith(message)


def test_a_decision_day_before_the_previous_decision_is_refused(examples_root):
    ok(examples_root, "advance", "LIG-2026-003", "screening", "--set", "agencies_involved=[police]",
       "--reason", "Accepted.", "--on", ON)
    output = refused(examples_root, "advance", "LIG-2026-003", "on-hold", "--reason", "Trial.", "--on", "2026-11-24",
                     code=2)
    assert output.startswith("Error: --on 2026-11-24 is before LIG-2026-003's previous decision (2026-11-25)")


def test_a_date_in_the_future_is_a_validation_problem_at_its_line(examples_root):
    path = examples_root / "cases" / "LIG-2026-003" / "case.md"
    md = mdfile.read(path)
    path.write_text(mdfile.set_fields(md, {("serious_incident", "aware"): "2099-03-01"}), encoding="utf-8")
    line = mdfile.read(path).line_of(("serious_incident", "aware"))
    result = run(examples_root, "validate", "LIG-2026-003")
    assert result.exit_code == 1
    assert re.match(rf"cases/LIG-2026-003/case.md:{line}: serious_incident.aware: '2099-03-01' is in the future "
                    r"\(today is \d{4}-\d{2}-\d{2}\): this date records something that has happened; correct it",
                    result.output), result.output


def test_findings_shared_after_closing_is_refused(records_root):
    add_case(records_root, "LIG-2026-010", "single-agency-review", level="level-1",
             extra="single_agency:\n  lead_agency: police\n  findings_shared: 2026-11-25\n  signed_off_by: Head of PPU\n")
    output = refused(records_root, "advance", "LIG-2026-010", "closed", "--by", "lig", "--on", "2026-11-24",
                     "--reason", "Closed.")
    assert ("`single_agency.findings_shared` (2026-11-25) is after `dates.closed` (2026-11-24): the findings are "
            "shared with the LIG before the case closes") in output


def test_a_forged_decision_dated_after_its_recording_and_in_the_future_is_reported(examples_root):
    path = examples_root / "cases" / "LIG-2026-003" / "case.md"
    md = mdfile.read(path)
    path.write_text(mdfile.set_fields(md, {("status",): "screening", ("agencies_involved",): ["police"],
                                           ("dates", "responses_requested"): ON}), encoding="utf-8")
    record = trail.Decision(action=trail.ADVANCE, case="LIG-2026-003", source="referral-received", target="screening",
                            decided_by="secretariat", decided_on="2030-01-02", recorded_at="2030-01-01T09:00:00Z",
                            subject="LIG-2026-003: referral-received -> screening", reason="Accepted.")
    forged = commit_by_hand(examples_root, record.message(), "cases/LIG-2026-003")
    # The honest decision after it is not the one blamed.
    ok(examples_root, "advance", "LIG-2026-002", "on-hold", "--by", "lig", "--reason", "Trial.", "--on", ON)
    code, lines = audit_lines(examples_root)
    assert code == 1
    assert lines[:-1] == [
        f"{forged[:10]} LIG-2026-003: date-order: decided on 2030-01-02, after it was recorded (2030-01-01T09:00:00Z)",
        f"{forged[:10]} LIG-2026-003: time-order: Lcspr-Recorded-At 2030-01-01T09:00:00Z is in the future",
    ]


def test_a_time_out_of_line_is_blamed_on_the_commit_that_claims_it(examples_root):
    honest_now = gitops.now_utc()
    ok(examples_root, "advance", "LIG-2026-003", "screening", "--set", "agencies_involved=[police]",
       "--reason", "Accepted.", "--on", ON)
    # Rewrite that decision's Recorded-At to a time after its child will be committed:
    # an hour ahead of now, which is not yet "in the future" for an audit run an hour later.
    message = git(examples_root, "log", "-1", "--format=%B")
    later = f"{honest_now[:11]}23:59:59Z"
    subprocess.run(["git", "-C", str(examples_root), "commit", "-q", "--amend", "--cleanup=verbatim", "-F", "-"],
                   input=re.sub(r"Lcspr-Recorded-At: .*", f"Lcspr-Recorded-At: {later}", message), text=True,
                   check=True)
    out_of_line = head(examples_root)
    ok(examples_root, "advance", "LIG-2026-002", "on-hold", "--by", "lig", "--reason", "Trial.", "--on", ON)
    honest = head(examples_root)
    result = run(examples_root, "audit")
    from datetime import datetime, timedelta, timezone

    from lcspr.audit import audit

    report = audit(open_repository(examples_root), now=datetime.now(timezone.utc) + timedelta(days=1))
    kinds = [(f.commit, f.kind) for f in report.findings]
    assert (out_of_line, "time-order") in kinds
    assert (honest, "time-order") not in kinds
    assert result.exit_code == 1


# --- who decided -----------------------------------------------------------------------------


def test_the_holder_of_the_deciding_role_is_on_record(examples_root):
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[holders]\nlig-chair = "Chair of the LIG, 2026"\n',
                    encoding="utf-8")
    git(examples_root, "commit", "-q", "-am", "Name the LIG chair")
    ok(examples_root, "advance", "LIG-2026-002", "on-hold", "--by", "lig-chair", "--reason", "Trial.", "--on", ON)
    assert "\nLcspr-Holder: Chair of the LIG, 2026\n" in git(examples_root, "log", "-1", "--format=%B")
    assert "decided by lig-chair (Chair of the LIG, 2026)" in ok(examples_root, "history", "LIG-2026-002")
    ok(examples_root, "advance", "LIG-2026-002", "partnership-workshop", "--by", "secretariat", "--reason", "Resumed.",
       "--on", ON)
    assert "Lcspr-Holder" not in git(examples_root, "log", "-1", "--format=%B")


def test_a_holder_of_an_unknown_role_is_refused(examples_root):
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[holders]\nchair = "Chair"\n', encoding="utf-8")
    output = refused(examples_root, "advance", "LIG-2026-002", "on-hold", "--reason", "x", "--on", ON)
    assert "holders.chair: 'chair' is not one of the [roles]" in output


# --- decision-owned fields -------------------------------------------------------------------


def test_a_decision_owned_field_edited_by_hand_is_reported_and_blocks_the_next_decision(examples_root):
    path = examples_root / "cases" / "LIG-2026-002" / "case.md"
    md = mdfile.read(path)
    path.write_text(mdfile.set_fields(md, {("level",): "level-3"}), encoding="utf-8")
    sha = commit_by_hand(examples_root, "Change the route\n", "cases/LIG-2026-002")
    code, lines = audit_lines(examples_root)
    assert code == 1
    assert lines[0] == f"{sha[:10]} LIG-2026-002: hand-edit: changed without a decision: `level` 'level-2' -> 'level-3'"
    output = refused(examples_root, "advance", "LIG-2026-002", "on-hold", "--by", "lig", "--reason", "x", "--on", ON)
    assert f"  - {sha[:10]} LIG-2026-002: hand-edit: changed without a decision: `level`" in output


def test_set_may_not_write_a_field_the_decision_owns(examples_root):
    output = refused(examples_root, "advance", "LIG-2026-003", "screening", "--set", "agencies_involved=[police]",
                     "--set", "dates.responses_requested=2026-11-01", "--reason", "x", "--on", ON, code=2)
    assert output == ("Error: --set dates.responses_requested: `dates.responses_requested` is written by the decision "
                      "itself (its day is --on); leave it out.\n")


# --- a crash never enters the record ---------------------------------------------------------


def test_a_temporary_file_left_by_a_killed_run_is_never_committed(examples_root):
    folder = examples_root / "cases" / "LIG-2026-003"
    leftover = folder / ".case.md.k3j2h1g0.tmp"
    leftover.write_text("half a file\n", encoding="utf-8")
    result = run(examples_root, "validate", "LIG-2026-003")
    assert result.exit_code == 1
    assert ("cases/LIG-2026-003/.case.md.k3j2h1g0.tmp: a temporary file left by an interrupted lcspr command: "
            "delete it (the next `lcspr advance` does)") in result.output
    ok(examples_root, "advance", "LIG-2026-003", "screening", "--set", "agencies_involved=[police]",
       "--reason", "Accepted.", "--on", ON)
    assert not leftover.exists()
    assert ".tmp" not in git(examples_root, "show", "--name-only", "--format=", "HEAD")


def test_a_stray_file_in_a_case_folder_is_named_by_validate(examples_root):
    (examples_root / "cases" / "LIG-2026-003" / "notes.txt").write_text("x\n", encoding="utf-8")
    (examples_root / "cases" / "LIG-2026-003" / "extra").mkdir()
    (examples_root / "cases" / "LIG-2026-003" / "extra" / "a.md").write_text("x\n", encoding="utf-8")
    result = run(examples_root, "validate", "LIG-2026-003")
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        "cases/LIG-2026-003/extra: is not a file of a case (case.md, referral.md, report.md, actions.md, "
        "responses/<agency>.md, the form responses/<agency>.docx it was received as, documents/*.docx): move it "
        "out of the case folder or delete it",
        "cases/LIG-2026-003/notes.txt: is not a file of a case (case.md, referral.md, report.md, actions.md, "
        "responses/<agency>.md, the form responses/<agency>.docx it was received as, documents/*.docx): move it "
        "out of the case folder or delete it",
    ]


def test_kill_9_during_advance_never_puts_lcspr_files_in_the_record(examples_root):
    """Kill `lcspr advance` at many points; the next decision commits no file of lcspr's own."""
    import os
    import signal
    import sys
    import time

    case = "LIG-2026-003"
    command = [sys.executable, "-m", "lcspr", "--repo", str(examples_root), "advance", case, "screening",
               "--set", "agencies_involved=[police, acute-trust]", "--reason", "Accepted.", "--on", ON]
    env = {**os.environ}
    for delay in (0.15, 0.25, 0.35, 0.45, 0.6):
        if git(examples_root, "log", "-1", "--format=%s").endswith("-> screening\n"):
            break
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        (Path(gitops.git_dir(examples_root)) / "index.lock").unlink(missing_ok=True)
        if git(examples_root, "status", "--porcelain", "--", f"cases/{case}/case.md"):
            # Killed between writing (or staging) the case's files and the commit: what was
            # written is not the record. Put the tracked files and the index back as HEAD has
            # them (a `git checkout --` would restore the staged version) and keep only
            # lcspr's temporary files, which the next decision must leave out of the record.
            git(examples_root, "reset", "-q", "--hard", "HEAD")
            git(examples_root, "clean", "-q", "-f", "-e", "*.tmp", "--", f"cases/{case}")
    # Whatever the kills left, the next decision records only the case's own files.
    (examples_root / "cases" / case / ".case.md.a1b2c3d4.tmp").write_text("killed\n", encoding="utf-8")
    if not git(examples_root, "log", "-1", "--format=%s").endswith("-> screening\n"):
        ok(examples_root, *command[5:])
    ok(examples_root, "advance", case, "on-hold", "--reason", "Trial.", "--on", ON)
    changed = git(examples_root, "log", "--name-only", "--format=", "-2").split()
    assert not [name for name in changed if name.endswith(".tmp")]
    assert run(examples_root, "validate", case).exit_code == 0


# --- next, advance and audit give one verdict ------------------------------------------------

#: A case.md rich enough to meet most requirements of most moves: every field that a
#: requirement or rule of the default workflow reads, valid against the schema.
RICH = """  responses_requested: 2026-10-02
  lig_decision: 2026-10-10
  planned_publication: 2026-12-20
agencies_involved: [police, childrens-services, icb]
serious_incident:
  aware: 2026-10-01
  notified: 2026-10-05
  rapid_review: 2026-10-20
safeguarding_leads:
  meeting: 2026-10-12
  outcome: Learning taken forward through the leads' own agencies.
single_agency:
  lead_agency: icb
  health_review: true
  findings_shared: 2026-11-01
  signed_off_by: Director of Nursing
lig_decision:
  criteria: [c]
workshop:
  date: 2026-10-30
  lead:
    role: Head of Service, Probation
    agency: probation
    independent_of_case: true
  practitioners:
    - role: Social Worker
      agency: childrens-services
reviewer:
  kind: independent
  independent_of_case: true
panel:
  - agency: icb
  - agency: childrens-services
  - agency: police
practitioner_events:
  - date: 2026-10-28
    kind: multi-agency-workshop
national_review:
  criteria: [a]
  decision: {decision}
approval:
  body: board
  date: 2026-11-05
pre_publication:
  sent: 2026-11-10
publication:
  url: https://example.org/lcspr/child-d
  reason_not_published: Parallel proceedings.
  improvements_published: https://example.org/lcspr/improvements
action_plan:
  started: 2026-11-20
{hold}"""


def _files(case_id: str, examples: Path) -> dict[str, str]:
    files = {}
    for name in ("report.md", "responses/police.md", "responses/childrens-services.md"):
        text = (examples / "LIG-2026-001" / name).read_text(encoding="utf-8")
        files[name] = text.replace("case: LIG-2026-001", f"case: {case_id}")
    files["responses/icb.md"] = files["responses/police.md"].replace("agency: police", "agency: icb")
    return files


def test_next_advance_and_audit_give_one_verdict_for_every_move(records_root):
    from conftest import EXAMPLES

    repo = open_repository(records_root)
    workflow = repo.workflow
    moves = []
    for transition in workflow.transitions:
        for n, source in enumerate(transition.sources):
            targets = [transition.target] if not transition.resume else ["screening", "report-drafting"]
            for target in targets:
                # Each move by a role that may make it; the first of each also by one that may not.
                roles = (transition.by[0], "reviewer") if n == 0 else (transition.by[0],)
                moves.extend((source, target, by) for by in dict.fromkeys(roles))
    moves += [("referral-received", "published", "secretariat"), ("screening", "approved", "board")]
    number = 100
    cases = []
    for source, target, by in moves:
        # The National Panel's decision decides the moves out of a national review.
        for decision in ("declined", "commissioned") if source == "national-review" else ("declined",):
            case_id = f"LIG-2026-{number}"
            number += 1
            hold = "on_hold:\n  since: 2026-11-01\n  reason: Trial.\n  previous: screening\n" if source == "on-hold" else ""
            add_case(records_root, case_id, source, extra=RICH.format(decision=decision, hold=hold),
                     files=_files(case_id, EXAMPLES))
            cases.append((case_id, source, target, by))
    agreed = {"legal": 0, "refused": 0}
    for case_id, source, target, by in cases:
        options = {o.state: o for o in decisions.options(open_repository(records_root), case_id, on=ON)}
        ready = target in options and not options[target].missing and by in options[target].by
        result = run(records_root, "advance", case_id, target, "--by", by, "--on", ON, "--reason", "Decided.")
        assert result.exit_code in (0, 1, 2), result.output
        assert (result.exit_code == 0) == ready, (case_id, source, target, by, result.output,
                                                  options.get(target))
        if result.exit_code == 0:
            agreed["legal"] += 1
            assert run_audit(records_root, case_id) == []
            continue
        agreed["refused"] += 1
        # The same move made by hand with every trailer: the audit refuses it too.
        forge(records_root, case_id, source, target, by)
        assert run_audit(records_root, case_id), (case_id, source, target, by)
    assert agreed["legal"] >= 20 and agreed["refused"] >= 15, agreed


def run_audit(root: Path, case_id: str) -> list[str]:
    from lcspr.audit import audit

    return [f"{f.kind}: {f.message}" for f in audit(open_repository(root), case_id=case_id).open]


def forge(root: Path, case_id: str, source: str, target: str, by: str) -> None:
    path = root / "cases" / case_id / "case.md"
    md = mdfile.read(path)
    path.write_text(mdfile.set_fields(md, {("status",): target}), encoding="utf-8")
    record = trail.Decision(action=trail.ADVANCE, case=case_id, source=source, target=target, decided_by=by,
                            decided_on=ON, recorded_at=gitops.now_utc(), subject=f"{case_id}: {source} -> {target}",
                            reason="Forged.")
    commit_by_hand(root, record.message(), f"cases/{case_id}")


def test_this_projects_own_checkout_audits_whole(tmp_path):
    """A newcomer's first `lcspr audit` in a fresh clone of the project passes: the
    example cases' entry into the record is answered by corrections, not rewritten."""
    from conftest import PROJECT

    if git(PROJECT, "rev-parse", "--is-shallow-repository").strip() == "true":
        pytest.skip("a shallow clone holds only part of the history")
    clone = tmp_path / "lcspr"
    git(tmp_path, "clone", "-q", str(PROJECT), str(clone))
    result = run(clone, "audit")
    assert result.exit_code == 0, result.output
    assert re.search(r": the trail is whole, with \d+ corrected finding\(s\)\.$", result.output.splitlines()[-1])
    assert run(clone, "audit", "--strict").exit_code == 1
    assert run(clone, "validate").exit_code == 0


def test_next_says_which_moves_check_for_identifying_details(examples_root):
    approve(examples_root)
    output = ok(examples_root, "next", CASE)
    assert (f"pre-publication (Final report sent to the National Panel and the DfE before publication); decided by "
            in output)
    assert f"  checks the report for identifying details when it is made (see now: lcspr check-publication {CASE})" \
        in output
