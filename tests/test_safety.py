"""Safety (issue 3 point 5): one writer at a time, no writing in the middle of a
merge, rebase or cherry-pick, nothing half-written when anything fails, and no
environment variable can point lcspr at another repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import count, git, head, run
from lcspr import gitops

ON = "2026-11-25"
CASE = "LIG-2026-003"
SCREENING = ("advance", CASE, "screening", "--reason", "Referral accepted; responses requested.",
             "--set", "agencies_involved=[police, acute-trust]", "--on", ON)


def snapshot(root: Path) -> dict:
    """Everything a failed decision must leave as it was: the case folder's bytes,
    Git's index (entries and what is staged), HEAD and the work tree's status."""
    folder = root / "cases" / CASE
    return {
        "files": {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()},
        "index": git(root, "ls-files", "--stage"),
        "staged": git(root, "diff", "--cached"),
        "head": head(root),
        "status": git(root, "status", "--porcelain", "--untracked-files=all"),
    }


@pytest.fixture
def busy_case(examples_root: Path) -> Path:
    """The example repository with a reviewer's work in progress in LIG-2026-003:
    one edit staged, a later edit to the same file not, and a new file."""
    folder = examples_root / "cases" / CASE
    with open(folder / "referral.md", "a", encoding="utf-8") as referral:
        referral.write("\nStaged note.\n")
    git(examples_root, "add", f"cases/{CASE}/referral.md")
    with open(folder / "referral.md", "a", encoding="utf-8") as referral:
        referral.write("Unstaged note.\n")
    (folder / "responses/police.md").write_text(
        f"---\ncase: {CASE}\nagency: police\nrequested: 2026-11-20\n---\n## Concerns\n", encoding="utf-8")
    return examples_root


# --- rollback --------------------------------------------------------------------------


def test_validation_failing_after_writing_puts_everything_back(busy_case):
    case_md = busy_case / "cases" / CASE / "case.md"
    case_md.write_text(case_md.read_text(encoding="utf-8").replace("\nstatus:", "\ncriminal_investigation: maybe\nstatus:", 1),
                       encoding="utf-8")  # a reviewer's edit, not committed: the decision would include it
    before = snapshot(busy_case)
    result = run(busy_case, *SCREENING)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {CASE} would not validate after this decision, so nothing was recorded:\n"
        f"cases/{CASE}/case.md:5: criminal_investigation: 'maybe' should be true or false\n"
    )
    assert snapshot(busy_case) == before


def test_a_pre_commit_hook_refusing_puts_everything_back(busy_case):
    hook = Path(git(busy_case, "rev-parse", "--git-path", "hooks").strip())
    hook = (busy_case / hook if not hook.is_absolute() else hook) / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    before = snapshot(busy_case)
    result = run(busy_case, *SCREENING)
    assert result.exit_code == 1
    assert result.output == (
        "Error: git commit failed, so nothing was recorded: it exited with status 1 without saying why; "
        "a pre-commit or commit-msg hook may have refused. Fix that and try again.\n"
    )
    assert snapshot(busy_case) == before

    hook.write_text("#!/bin/sh\necho 'refused: the case folder is frozen' >&2\nexit 1\n", encoding="utf-8")
    result = run(busy_case, *SCREENING)
    assert result.output == (
        "Error: git commit failed, so nothing was recorded: refused: the case folder is frozen. Fix that and try again.\n"
    )
    assert snapshot(busy_case) == before


def test_ctrl_c_while_writing_puts_everything_back(busy_case, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("lcspr.validation.check_case", interrupted)
    before = snapshot(busy_case)
    result = run(busy_case, *SCREENING)
    assert result.exit_code == 130
    assert result.output == "\nError: Cancelled; nothing was written.\n"
    assert snapshot(busy_case) == before


def test_ctrl_c_just_after_the_commit_keeps_the_recorded_decision(examples_root, monkeypatch):
    real_git = gitops.git

    def git_then_interrupt(root, *args, **kwargs):
        done = real_git(root, *args, **kwargs)
        if args[0] == "commit":
            raise KeyboardInterrupt
        return done

    monkeypatch.setattr(gitops, "git", git_then_interrupt)
    before = count(examples_root)
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 0, result.output
    assert count(examples_root) == before + 1
    # The files are those of the commit, not put back to before it.
    assert git(examples_root, "status", "--porcelain") == ""
    assert "status: screening\n" in (examples_root / "cases" / CASE / "case.md").read_text(encoding="utf-8")


def test_a_commit_someone_else_makes_meanwhile_is_not_taken_for_the_decision(busy_case, monkeypatch):
    def commit_elsewhere_then_interrupt(*args, **kwargs):
        (busy_case / "minutes.md").write_text("Minutes.\n", encoding="utf-8")
        git(busy_case, "add", "minutes.md")
        git(busy_case, "commit", "-q", "-m", "Minutes", "--", "minutes.md")
        raise KeyboardInterrupt

    monkeypatch.setattr("lcspr.validation.check_case", commit_elsewhere_then_interrupt)
    before = snapshot(busy_case)
    result = run(busy_case, *SCREENING)
    assert result.exit_code == 130
    after = snapshot(busy_case)
    assert git(busy_case, "log", "-1", "--format=%s") == "Minutes\n"
    assert (after["files"], after["staged"]) == (before["files"], before["staged"])


# --- the state of the repository -----------------------------------------------------------


def conflicting_branch(root: Path) -> None:
    """A branch `side` and main each change notes.md differently."""
    (root / "notes.md").write_text("LIG notes\n", encoding="utf-8")
    git(root, "add", "notes.md")
    git(root, "commit", "-q", "-m", "Notes")
    git(root, "switch", "-q", "-c", "side")
    (root / "notes.md").write_text("LIG notes, side\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "Side notes")
    git(root, "switch", "-q", "main")
    (root / "notes.md").write_text("LIG notes, main\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "Main notes")


@pytest.mark.parametrize("command, what", [
    (["merge", "side"], "a merge"),
    (["rebase", "side"], "a rebase"),
    (["cherry-pick", "side"], "a cherry-pick"),
])
def test_no_decision_in_the_middle_of_a_merge_rebase_or_cherry_pick(examples_root, command, what):
    conflicting_branch(examples_root)
    stopped = subprocess.run(["git", "-C", str(examples_root), *command], capture_output=True, text=True)
    assert stopped.returncode != 0
    before = snapshot(examples_root)
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: the repository is in the middle of {what}; finish or abort it (see `git status`) "
        "before lcspr records anything.\n"
    )
    assert snapshot(examples_root) == before


def test_no_decision_on_a_detached_head(examples_root):
    git(examples_root, "checkout", "-q", "--detach")
    before = snapshot(examples_root)
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 1
    assert result.output == (
        "Error: HEAD is detached; check out a branch (e.g. `git switch main`) before lcspr records anything.\n"
    )
    assert snapshot(examples_root) == before


def test_no_decision_on_a_case_with_conflicted_files(examples_root):
    # A stash popped onto a changed case.md: a conflict with no merge under way.
    case_md = examples_root / "cases" / CASE / "case.md"
    original = case_md.read_text(encoding="utf-8")
    case_md.write_text(original.replace("level: null", "level: level-2"), encoding="utf-8")
    git(examples_root, "stash", "-q")
    case_md.write_text(original.replace("level: null", "level: level-3"), encoding="utf-8")
    git(examples_root, "commit", "-q", "-am", "Level by hand")
    popped = subprocess.run(["git", "-C", str(examples_root), "stash", "pop"], capture_output=True, text=True)
    assert popped.returncode != 0
    before = snapshot(examples_root)
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cases/{CASE}/case.md has unresolved merge conflicts; resolve them and commit first.\n"
    )
    assert snapshot(examples_root) == before
    # Other cases can still be decided.
    result = run(examples_root, "advance", "LIG-2026-002", "on-hold", "--reason", "Trial listed.", "--on", ON)
    assert result.exit_code == 0, result.output


def test_a_stale_index_lock_is_reported_and_left_alone(examples_root):
    lock = examples_root / ".git" / "index.lock"
    lock.write_bytes(b"")
    before = snapshot(examples_root)
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {lock} exists: another Git process is running, or one crashed. If no Git command is running, "
        "remove that file yourself and try again (lcspr never deletes it).\n"
    )
    assert lock.exists()
    lock.unlink()
    assert snapshot(examples_root) == before


def test_git_environment_variables_cannot_redirect_lcspr(examples_root, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    (other / "readme.txt").write_text("another repository\n", encoding="utf-8")
    git(other, "add", "readme.txt")
    git(other, "commit", "-q", "-m", "Another repository")
    other_head, other_index = head(other), (other / ".git" / "index").read_bytes()
    before = count(examples_root)

    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 0, result.output
    assert run(examples_root, "history", CASE).exit_code == 0
    assert run(examples_root, "audit").exit_code == 0
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(var)
        assert os.environ.get(var) is None

    assert head(other) == other_head
    assert (other / ".git" / "index").read_bytes() == other_index
    assert count(examples_root) == before + 1
    assert git(examples_root, "log", "-1", "--format=%s") == f"{CASE}: referral-received -> screening\n"


def test_a_missing_git_identity_is_refused_before_writing(examples_root, isolated_home):
    (isolated_home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    before = snapshot(examples_root)
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 1
    assert result.output.startswith("Error: Git does not know who you are, so the change could not be recorded")
    assert snapshot(examples_root) == before


# --- one writer at a time --------------------------------------------------------------------


def test_a_held_lock_makes_a_second_writer_fail_cleanly(examples_root, monkeypatch):
    monkeypatch.setattr(gitops, "LOCK_WAIT_SECONDS", 0.2)
    before = snapshot(examples_root)
    with gitops.repository_lock(examples_root):
        result = run(examples_root, *SCREENING)
    assert result.exit_code == 1
    assert result.output == (
        "Error: another lcspr command is changing this repository and did not finish within 0.2 seconds; "
        "try again when it has.\n"
    )
    assert snapshot(examples_root) == before


def test_the_lock_is_the_one_filelock_takes_and_is_let_go(examples_root, monkeypatch):
    """Where flock exists lcspr takes it itself, on the same file as filelock would, so
    an lcspr of an earlier release (or filelock anywhere) and this one exclude each
    other; after the command the lock is free again."""
    from filelock import FileLock, Timeout

    from lcspr.errors import RepositoryBusy

    monkeypatch.setattr(gitops, "LOCK_WAIT_SECONDS", 0.2)
    held = FileLock(str(examples_root / ".git" / "lcspr.lock"))
    with held:
        with pytest.raises(RepositoryBusy):
            with gitops.repository_lock(examples_root):
                pass
    with gitops.repository_lock(examples_root):
        with pytest.raises(Timeout):
            FileLock(str(examples_root / ".git" / "lcspr.lock")).acquire(blocking=False)
    with gitops.repository_lock(examples_root):
        pass  # let go: taken again at once


def test_two_processes_deciding_together_make_one_commit_and_one_clear_error(examples_root):
    before = count(examples_root)
    command = [sys.executable, "-m", "lcspr", "--repo", str(examples_root), *SCREENING]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outcomes = sorted((p.wait(), *p.communicate()) for p in processes)
    (ok, ok_out, ok_err), (failed, failed_out, failed_err) = outcomes
    assert (ok, failed) == (0, 1), outcomes
    assert ok_out.startswith(f"{CASE}: referral-received -> screening (commit ")
    assert failed_out == ""
    assert failed_err in (
        f"Error: {CASE} is already at screening; nothing was recorded.\n",
        "Error: another lcspr command is changing this repository and did not finish within 10 seconds; "
        "try again when it has.\n",
    )
    assert count(examples_root) == before + 1
    assert git(examples_root, "status", "--porcelain") == ""
    assert git(examples_root, "log", "-1", "--format=%s") == f"{CASE}: referral-received -> screening\n"


def test_a_new_case_refused_by_a_hook_leaves_no_folder_and_no_index_entry(records_root):
    hook = records_root / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho 'no new cases today' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    before = head(records_root)
    result = run(records_root, "new-case", "--title", "Child E", "--referred-by", "police", "--received", "2026-11-02")
    assert result.exit_code == 1
    assert result.output == (
        "Error: git commit failed, so nothing was recorded: no new cases today. Fix that and try again.\n"
    )
    assert head(records_root) == before
    assert not (records_root / "cases" / "LIG-2026-001").exists()
    assert git(records_root, "status", "--porcelain", "--untracked-files=all") == ""


def test_lcspr_starts_and_records_without_fcntl(examples_root):
    """No POSIX-only module at start-up or in the lock: Windows has no fcntl."""
    import subprocess
    import sys

    script = (
        "import sys; sys.modules['fcntl'] = None\n"  # importing it now fails, as on Windows
        "from lcspr.cli import main; sys.argv = ['lcspr', '--repo', sys.argv[1], 'advance', 'LIG-2026-003', "
        "'screening', '--set', 'agencies_involved=[police]', '--reason', 'Accepted.', '--on', '2026-11-25']; main()"
    )
    done = subprocess.run([sys.executable, "-c", script, str(examples_root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "referral-received -> screening" in done.stdout
