"""new-case against the shared remote, lcspr reallocate and lcspr sync, with real Git
over the file protocol and the gate installed on the "server"."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from conftest import git, head, run
from test_team import RECEIVED, attempt, lcspr, open_case, team  # noqa: F401  (team: the fixture)


def trailers(root: Path, rev: str = "HEAD") -> str:
    return git(root, "log", "-1", "--format=%(trailers:only)", rev)


def advance_screening(clone: Path, case_id: str) -> subprocess.CompletedProcess[str]:
    return lcspr(clone, "advance", case_id, "screening", "--by", "secretariat", "--set", "agencies_involved=[police]",
                 "--reason", "Forms requested from the police.")


# --- new-case with a remote ---------------------------------------------------------------


def test_new_case_catches_up_and_pushes(team):
    first = open_case(team.secretariat, "Child A")
    second = open_case(team.reviewer, "Child B")  # the reviewer's clone had not seen the first
    assert (first, second) == ("LIG-2026-001", "LIG-2026-002")
    assert git(team.server, "rev-parse", "main").strip() == head(team.reviewer)
    done = lcspr(team.secretariat, "new-case", "--title", "Child C", "--referred-by", "police", "--received", RECEIVED)
    assert done.stdout.startswith("Opened LIG-2026-003 in cases/LIG-2026-003 (commit ")
    assert done.stdout.rstrip().endswith("and pushed it to origin/main.")


def test_new_case_offline_and_without_a_remote_stays_in_the_clone(team, records_root):
    git(records_root, "branch", "--unset-upstream")
    done = lcspr(records_root, "new-case", "--title", "Child A", "--referred-by", "police", "--received", RECEIVED)
    assert done.returncode == 0 and "pushed" not in done.stdout
    done = lcspr(team.secretariat, "new-case", "--offline", "--title", "Child A", "--referred-by", "police",
                 "--received", RECEIVED)
    assert done.returncode == 0 and "pushed" not in done.stdout
    assert git(team.server, "ls-tree", "--name-only", "main", "cases/").split() == ["cases/.gitkeep"]


def _nothing_written(clone: Path, before: str) -> None:
    assert head(clone) == before
    assert not (clone / "cases" / "LIG-2026-001").exists()
    assert git(clone, "status", "--porcelain") == ""


def test_new_case_with_an_unreachable_remote_writes_nothing(team):
    before = head(team.secretariat)
    git(team.secretariat, "remote", "set-url", "origin", str(team.server.parent / "gone.git"))
    done = lcspr(team.secretariat, "new-case", "--title", "Child A", "--referred-by", "police", "--received", RECEIVED)
    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: could not reach the remote origin ({team.server.parent / 'gone.git'}): ")
    assert "Nothing was changed" in done.stderr
    _nothing_written(team.secretariat, before)


def test_new_case_refused_by_the_server_shows_its_message_and_keeps_local_work(team):
    # An earlier hand commit of the secretariat's, not pushed yet, that the gate refuses.
    open_case(team.secretariat, "Child A")
    case_md = team.secretariat / "cases" / "LIG-2026-001" / "case.md"
    case_md.write_text(case_md.read_text(encoding="utf-8").replace("status: referral-received", "status: screening"),
                       encoding="utf-8")
    git(team.secretariat, "commit", "-qam", "Screened")
    forged = head(team.secretariat)
    done = lcspr(team.secretariat, "new-case", "--title", "Child B", "--referred-by", "police", "--received", RECEIVED)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: origin/main refused the push; LIG-2026-002 was not opened (nothing was "
                                  "written here). The remote said:\n  lcspr refused this push to main:\n")
    assert f"{forged[:10]} LIG-2026-001: hand-edit: status changed" in done.stderr
    assert head(team.secretariat) == forged  # the forged commit is still here; the new case is not
    assert not (team.secretariat / "cases" / "LIG-2026-002").exists()
    assert git(team.secretariat, "status", "--porcelain") == ""


def test_new_case_refuses_a_detached_head_and_a_diverged_branch(team):
    before = head(team.secretariat)
    git(team.secretariat, "switch", "--quiet", "--detach")
    done = lcspr(team.secretariat, "new-case", "--title", "Child A", "--referred-by", "police", "--received", RECEIVED)
    assert (done.returncode, done.stderr) == (1, "Error: HEAD is detached; check out a branch (e.g. `git switch "
                                                 "main`) before lcspr records anything.\n")
    git(team.secretariat, "switch", "--quiet", "main")
    open_case(team.reviewer, "Child B")
    git(team.secretariat, "commit", "--quiet", "--allow-empty", "-m", "A note of our own")
    mine = head(team.secretariat)
    done = lcspr(team.secretariat, "new-case", "--title", "Child A", "--referred-by", "police", "--received", RECEIVED)
    assert done.returncode == 1
    assert done.stderr == ("Error: main and origin/main have diverged (1 commit(s) here, 1 there); nothing was "
                           "written. Run `lcspr sync` to bring them together, then open the case again.\n")
    assert head(team.secretariat) == mine and mine != before


def test_new_case_with_a_dirty_tree_in_the_way_writes_nothing(team):
    open_case(team.reviewer, "Child B")
    # An edit here to a file the remote changed: catching up would overwrite it.
    git(team.reviewer, "commit", "--quiet", "--allow-empty", "-m", "x")  # keep the reviewer ahead of nothing
    (team.secretariat / "cases" / "LIG-2026-001").mkdir(parents=True)
    (team.secretariat / "cases" / "LIG-2026-001" / "case.md").write_text("my notes\n", encoding="utf-8")
    before = head(team.secretariat)
    done = lcspr(team.secretariat, "new-case", "--title", "Child A", "--referred-by", "police", "--received", RECEIVED)
    assert done.returncode == 1
    assert "could not bring main up to date with origin/main" in done.stderr
    assert "nothing was written" in done.stderr
    assert head(team.secretariat) == before
    assert (team.secretariat / "cases" / "LIG-2026-001" / "case.md").read_text(encoding="utf-8") == "my notes\n"


# --- reallocate ---------------------------------------------------------------------------


def test_a_case_opened_offline_under_a_taken_id_is_reallocated_and_synced(team):
    mine = lcspr(team.secretariat, "new-case", "--offline", "--title", "Child D", "--referred-by", "police",
                 "--received", RECEIVED)
    assert mine.returncode == 0
    assert open_case(team.reviewer, "Child E") == "LIG-2026-001"
    stopped = lcspr(team.secretariat, "sync")
    assert stopped.returncode == 1
    assert ("LIG-2026-001 was opened both here (not yet shared) and on origin/main: two different cases under one "
            "ID. Move yours to a free ID with `lcspr reallocate LIG-2026-001 --reason \"...\"`") in stopped.stderr
    before = head(team.secretariat)
    moved = lcspr(team.secretariat, "reallocate", "LIG-2026-001", "--reason", "Opened offline; the ID was taken.")
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.startswith("Moved LIG-2026-001 to LIG-2026-002 in cases/LIG-2026-002 (commit ")
    assert git(team.secretariat, "rev-parse", "HEAD~1").strip() == before
    said = trailers(team.secretariat)
    assert "Lcspr-Case: LIG-2026-001\nLcspr-Action: reallocate\n" in said
    assert "Lcspr-Moved-To: LIG-2026-002\n" in said
    # Only the ID lines changed.
    diff = git(team.secretariat, "diff", "-M", "HEAD~1", "HEAD", "--", "cases")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-id: LIG-2026-001", "+id: LIG-2026-002", "-case: LIG-2026-001", "+case: LIG-2026-002",
                       "-case: LIG-2026-001", "+case: LIG-2026-002"]
    synced = lcspr(team.secretariat, "sync")
    assert synced.returncode == 0, synced.stderr
    assert "(merge)" in synced.stdout and "Sent 3 commit(s) to origin/main." in synced.stdout
    for clone in (team.secretariat, team.reviewer):
        git(clone, "pull", "--quiet")
        assert lcspr(clone, "validate").stdout == "2 case(s) valid.\n"
        audited = lcspr(clone, "audit", "--full")
        assert audited.returncode == 0, audited.stdout
    titles = {c: yaml.safe_load((team.reviewer / "cases" / c / "case.md").read_text().split("---")[1])["title"]
              for c in ("LIG-2026-001", "LIG-2026-002")}
    assert titles == {"LIG-2026-001": "Child E", "LIG-2026-002": "Child D"}
    # The moved case goes on under its new ID, and its history shows the move.
    assert advance_screening(team.secretariat, "LIG-2026-002").returncode == 0
    shown = lcspr(team.secretariat, "history", "LIG-2026-002").stdout.splitlines()
    assert [line.split("  ")[1] for line in shown if not line.startswith(" ")] == [
        "moved from LIG-2026-001 to LIG-2026-002", "referral-received -> screening"]


def test_audit_finds_a_reallocation_that_changes_more_than_the_id(records_root):
    assert run(records_root, "new-case", "--title", "Child D", "--referred-by", "police",
               "--received", RECEIVED).exit_code == 0
    git(records_root, "mv", "cases/LIG-2026-001", "cases/LIG-2026-007")
    case_md = records_root / "cases" / "LIG-2026-007" / "case.md"
    case_md.write_text(case_md.read_text(encoding="utf-8").replace("id: LIG-2026-001", "id: LIG-2026-007")
                       .replace("status: referral-received", "status: screening"), encoding="utf-8")
    git(records_root, "commit", "-qam", "Moved", "--trailer", "Lcspr-Case: LIG-2026-001",
        "--trailer", "Lcspr-Action: reallocate", "--trailer", "Lcspr-Moved-To: LIG-2026-007")
    result = run(records_root, "audit")
    assert result.exit_code == 1
    assert (f"{head(records_root)[:10]} LIG-2026-001: hand-edit: changed without a decision: `status` "
            "'referral-received' -> 'screening'; a reallocation to LIG-2026-007 changes only the ID") in result.output


def test_reallocate_refuses_uncommitted_changes_and_an_unknown_case(records_root):
    assert run(records_root, "new-case", "--title", "Child D", "--referred-by", "police",
               "--received", RECEIVED).exit_code == 0
    note = records_root / "cases" / "LIG-2026-001" / "referral.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    result = run(records_root, "reallocate", "LIG-2026-001", "--reason", "Taken.")
    assert result.exit_code == 2
    assert "cases/LIG-2026-001/referral.md has changes not committed" in result.output
    assert (records_root / "cases" / "LIG-2026-001").is_dir()
    result = run(records_root, "reallocate", "LIG-2026-01", "--reason", "Taken.")
    assert result.exit_code == 2 and "did you mean LIG-2026-001?" in result.output


# --- sync ----------------------------------------------------------------------------------


def test_sync_rebases_unpushed_decisions_keeping_their_trailers(team):
    case_id = open_case(team.secretariat, "Child A")
    git(team.reviewer, "pull", "--quiet")
    done = advance_screening(team.secretariat, case_id)
    assert done.returncode == 0, done.stderr
    decision = head(team.secretariat)
    recorded = trailers(team.secretariat)
    # Meanwhile a reviewer shares a note on the referral (a hand commit: no recorded time).
    referral = team.reviewer / "cases" / case_id / "referral.md"
    referral.write_text(referral.read_text(encoding="utf-8") + "\nThe school called first.\n", encoding="utf-8")
    git(team.reviewer, "commit", "-qam", "What the school said")
    assert attempt(team.reviewer, "push", "--quiet").returncode == 0
    synced = lcspr(team.secretariat, "sync")
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout == (f"Received 1 commit(s) from origin/main (rebase), touching {case_id}; validated and "
                             "audited.\nSent 1 commit(s) to origin/main.\n")
    assert head(team.secretariat) != decision  # rebased: a new commit ...
    assert trailers(team.secretariat) == recorded  # ... with the record exactly as it was
    assert git(team.server, "rev-parse", "main").strip() == head(team.secretariat)
    assert lcspr(team.secretariat, "sync").stdout == "Up to date with origin/main.\n"
    assert lcspr(team.secretariat, "audit", "--full").returncode == 0


def test_sync_merges_when_a_rebase_would_put_a_decision_after_a_later_one(team):
    first = open_case(team.secretariat, "Child A")
    second = open_case(team.secretariat, "Child B")
    git(team.reviewer, "pull", "--quiet")
    assert advance_screening(team.secretariat, first).returncode == 0  # recorded first, not pushed
    mine = head(team.secretariat)
    import time

    time.sleep(1.1)
    assert advance_screening(team.reviewer, second).returncode == 0  # recorded later, pushed first
    assert attempt(team.reviewer, "push", "--quiet").returncode == 0
    synced = lcspr(team.secretariat, "sync")
    assert synced.returncode == 0, synced.stderr
    assert "(merge)" in synced.stdout
    assert git(team.secretariat, "rev-parse", "HEAD^1").strip() == mine  # nothing rewritten
    assert lcspr(team.secretariat, "audit", "--full").returncode == 0


def test_sync_stops_at_a_conflict_and_says_where(team):
    case_id = open_case(team.secretariat, "Child A")
    git(team.reviewer, "pull", "--quiet")
    for clone, words in ((team.reviewer, "The school called first."), (team.secretariat, "The GP called first.")):
        referral = clone / "cases" / case_id / "referral.md"
        referral.write_text(referral.read_text(encoding="utf-8") + f"\n{words}\n", encoding="utf-8")
        git(clone, "commit", "-qam", words)
    assert attempt(team.reviewer, "push", "--quiet").returncode == 0
    shared = git(team.server, "rev-parse", "main")
    stopped = lcspr(team.secretariat, "sync")
    assert stopped.returncode == 1
    assert stopped.stderr.startswith(
        "Error: lcspr sync stopped: your commits and origin/main changed the same lines of\n"
        f"  cases/{case_id}/referral.md (case {case_id})\n"
        "The repository is as Git left it, in the middle of a rebase.")
    assert "`git rebase --continue`" in stopped.stderr and "`git rebase --abort`" in stopped.stderr
    assert (Path(git(team.secretariat, "rev-parse", "--absolute-git-dir").strip()) / "rebase-merge").is_dir()
    assert git(team.server, "rev-parse", "main") == shared
    # Resolved as Git asks, sync finishes the job.
    referral = team.secretariat / "cases" / case_id / "referral.md"
    text = referral.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))]
    referral.write_text("\n".join(kept) + "\n", encoding="utf-8")
    git(team.secretariat, "add", "--", f"cases/{case_id}/referral.md")
    done = subprocess.run(["git", "-C", str(team.secretariat), "-c", "core.editor=true", "rebase", "--continue"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    synced = lcspr(team.secretariat, "sync")
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout == "Sent 1 commit(s) to origin/main.\n"


def test_sync_refuses_without_a_remote_with_a_dirty_tree_and_when_unreachable(team, records_root):
    git(records_root, "branch", "--unset-upstream")
    git(records_root, "remote", "remove", "origin")
    done = lcspr(records_root, "sync")
    assert (done.returncode, done.stderr) == (1, "Error: this repository has no remote, so there is nothing to sync "
                                                 "with. Add the shared repository once: git remote add origin URL && "
                                                 "git push -u origin main\n")
    (team.secretariat / "lcspr.toml").write_text("# my edit\n" + (team.secretariat / "lcspr.toml").read_text())
    done = lcspr(team.secretariat, "sync")
    assert done.returncode == 1
    assert "you have changes not committed (lcspr.toml); commit them, or put them aside with `git stash`" in done.stderr
    git(team.secretariat, "checkout", "--", "lcspr.toml")
    git(team.secretariat, "remote", "set-url", "origin", str(team.server.parent / "gone.git"))
    done = lcspr(team.secretariat, "sync")
    assert done.returncode == 1 and "could not reach the remote origin" in done.stderr


def test_sync_does_not_push_a_commit_the_audit_finds_and_never_forces(team):
    case_id = open_case(team.secretariat, "Child A")
    case_md = team.secretariat / "cases" / case_id / "case.md"
    case_md.write_text(case_md.read_text(encoding="utf-8").replace("status: referral-received", "status: screening"),
                       encoding="utf-8")
    git(team.secretariat, "commit", "-qam", "Screened")
    shared = git(team.server, "rev-parse", "main")
    done = lcspr(team.secretariat, "sync")
    assert done.returncode == 1
    assert done.stderr.startswith("Error: lcspr sync brought the branch together with origin/main but did not "
                                  "push, because of:\n")
    assert f"{head(team.secretariat)[:10]} {case_id}: hand-edit" in done.stderr
    assert git(team.server, "rev-parse", "main") == shared
