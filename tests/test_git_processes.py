"""How many Git processes a decision costs, and that cutting them kept every check."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import git, head, run

SCREENING = ("advance", "LIG-2026-003", "screening", "--reason", "Referral accepted; responses requested.",
             "--set", "agencies_involved=[police, acute-trust]", "--on", "2026-11-25")


def git_commands(trace: Path) -> list[str]:
    """The Git commands GIT_TRACE logged, one per process Git ran (its own included)."""
    return [m.group(1) for m in re.finditer(r"trace: built-in: git (\S+(?: \S+)?)", trace.read_text(encoding="utf-8"))]


def test_advance_asks_git_for_the_root_and_the_git_folder_in_one_process(examples_root, tmp_path, monkeypatch):
    trace = tmp_path / "git-trace.log"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    result = run(examples_root, *SCREENING)
    assert result.exit_code == 0, result.output
    commands = git_commands(trace)
    assert [c for c in commands if c.startswith("rev-parse --show-toplevel")] == ["rev-parse --show-toplevel"]
    assert "rev-parse --absolute-git-dir" not in commands
    # 18 with `git commit`'s own `maintenance run --auto`: a new Git call per decision is
    # looked at, not let slip in.
    assert len(commands) <= 18, commands


def test_a_records_repository_inside_another_git_repository_is_refused(tmp_path):
    outer = tmp_path / "outer"
    outer.mkdir()
    subprocess.run(["git", "init", "-q", str(outer)], check=True)
    inner = outer / "records"
    inner.mkdir()
    (inner / "lcspr.toml").write_text('partnership = "Example Safeguarding Children Partnership"\n',
                                      encoding="utf-8")
    result = run(inner, "new-case", "--title", "Child A", "--referred-by", "police")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {inner} holds lcspr.toml but the Git repository's root is {outer.resolve()}; a records "
        "repository must be the root of its own Git repository.\n"
    )
    assert not (inner / "cases").exists()


def test_a_decision_in_a_linked_worktree_commits_there(examples_root, tmp_path):
    linked = tmp_path / "linked"
    git(examples_root, "worktree", "add", "-q", "-b", "second", str(linked))
    main_head = head(examples_root)
    result = run(linked, *SCREENING)
    assert result.exit_code == 0, result.output
    assert head(examples_root) == main_head  # the main worktree's branch did not move
    assert git(linked, "log", "-1", "--format=%s").startswith("LIG-2026-003: referral-received -> screening")


@pytest.mark.parametrize("busy", ["MERGE_HEAD", "index.lock"])
def test_the_busy_checks_look_in_the_linked_worktrees_own_git_folder(examples_root, tmp_path, busy):
    linked = tmp_path / "linked"
    git(examples_root, "worktree", "add", "-q", "-b", "second", str(linked))
    own = Path(git(linked, "rev-parse", "--absolute-git-dir").strip())
    assert own.parent.name == "worktrees"
    (own / busy).write_text(head(linked) + "\n", encoding="utf-8")
    before = head(linked)
    result = run(linked, *SCREENING)
    assert result.exit_code == 1, result.output
    assert ("a merge" if busy == "MERGE_HEAD" else "index.lock exists") in result.output
    assert head(linked) == before


def test_reads_run_together_give_each_result_and_fail_as_one_would(tmp_path):
    from lcspr import gitops
    from lcspr.errors import GitError

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.md").write_text("a\n", encoding="utf-8")
    listed, untracked = gitops.git_together(tmp_path, ["ls-files", "-z"], ["ls-files", "-o", "-z"])
    assert (listed.stdout, untracked.stdout) == ("", "a.md\0")
    with pytest.raises(GitError, match=r"^git rev-parse failed: fatal: "):
        gitops.git_together(tmp_path, ["ls-files"], ["rev-parse", "--verify", "nowhere"])
