"""Working together: hooks in a clone, the gate on the shared bare repository, and the
CI templates. Real Git over the file protocol, so Git itself runs every hook."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from conftest import PROJECT, git, head, run

RECEIVED = "2026-01-05"


def lcspr(cwd: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """lcspr as a person runs it in a clone: its own process, in that folder."""
    return subprocess.run([sys.executable, "-m", "lcspr", *args], cwd=cwd, capture_output=True, text=True,
                          input=input)


def attempt(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A git command that may fail (a push the server refuses)."""
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)


def open_case(clone: Path, title: str = "Child D") -> str:
    done = lcspr(clone, "new-case", "--title", title, "--referred-by", "police", "--received", RECEIVED,
                 "--format", "json")
    assert done.returncode == 0, done.stderr
    return str(yaml.safe_load(done.stdout)["id"])


@pytest.fixture
def team(tmp_path: Path, records_root: Path) -> SimpleNamespace:
    """A bare "server" repository with the gate installed, holding a records repository,
    and two clones of it: the secretariat's and a reviewer's."""
    server = tmp_path / "server.git"
    git(tmp_path, "init", "--quiet", "--bare", str(server))
    result = run(None, "hooks", "install", "--server", str(server))
    assert result.exit_code == 0, result.output
    git(records_root, "remote", "add", "origin", str(server))
    git(records_root, "push", "--quiet", "-u", "origin", "main")
    clones = {}
    for name in ("secretariat", "reviewer"):
        git(tmp_path, "clone", "--quiet", str(server), str(tmp_path / name))
        clones[name] = tmp_path / name
    return SimpleNamespace(server=server, **clones)


# --- the pre-commit hook ------------------------------------------------------------


def test_the_plain_pre_commit_hook_refuses_a_bad_edit_and_commits_a_good_one(records_root):
    assert run(records_root, "new-case", "--title", "Child D", "--referred-by", "police",
               "--received", RECEIVED).exit_code == 0
    result = run(records_root, "hooks", "install")
    assert result.exit_code == 0, result.output
    hook = Path(git(records_root, "rev-parse", "--git-path", "hooks/pre-commit").strip())
    hook = hook if hook.is_absolute() else records_root / hook
    assert "lcspr hooks run pre-commit" in hook.read_text(encoding="utf-8")
    case_md = records_root / "cases" / "LIG-2026-001" / "case.md"
    good = case_md.read_text(encoding="utf-8")
    case_md.write_text(good.replace("referred_by: police", "referred_by: polce"), encoding="utf-8")
    before = head(records_root)
    refused = attempt(records_root, "commit", "-qam", "Referred by the police")
    assert refused.returncode == 1
    assert "cases/LIG-2026-001/case.md:6: referred_by: 'polce' is not a known agency" in refused.stderr
    assert "did you mean 'police'?" in refused.stderr
    assert "The commit was not made" in refused.stderr
    assert head(records_root) == before
    # A good edit commits; the hook checks only the cases a commit touches.
    case_md.write_text(good + "\nThe referral came by phone first.\n", encoding="utf-8")
    done = attempt(records_root, "commit", "-qam", "A note")
    assert done.returncode == 0, done.stderr
    assert head(records_root) != before


def test_install_leaves_a_hook_it_did_not_write(records_root):
    hook = records_root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    result = run(records_root, "hooks", "install")
    assert result.exit_code == 2
    assert f"{hook} exists and was not written by lcspr; nothing was changed" in result.output
    assert hook.read_text(encoding="utf-8") == "#!/bin/sh\nexit 0\n"
    assert run(records_root, "hooks", "install", "--force").exit_code == 0
    assert "lcspr hooks run pre-commit" in hook.read_text(encoding="utf-8")


def test_validate_files_checks_the_cases_the_files_belong_to(examples_root):
    (examples_root / "cases" / "LIG-2026-002" / "case.md").write_text("---\nid: [\n---\n", encoding="utf-8")
    result = run(examples_root, "validate", "--files", str(examples_root / "cases" / "LIG-2026-001" / "report.md"),
                 str(examples_root / "README.md"))
    assert result.exit_code == 0, result.output
    assert result.output == "1 case(s) valid.\n"
    result = run(examples_root, "validate", "--files", str(examples_root / "cases" / "LIG-2026-002" / "case.md"))
    assert result.exit_code == 1
    assert result.output.startswith("cases/LIG-2026-002/case.md:")
    # lcspr.toml is what every case is checked against: all of them are checked.
    result = run(examples_root, "validate", "--files", str(examples_root / "lcspr.toml"))
    assert result.output.endswith("1 problem(s) in 1 of 3 case(s).\n")
    result = run(examples_root, "validate", "--files", str(examples_root / "notes.txt"))
    assert (result.exit_code, result.output) == (0, "No case files among the files given: nothing to check.\n")


def test_the_pre_commit_framework_runs_the_shipped_hook(tmp_path, records_root, monkeypatch):
    """The real pre-commit package installs lcspr from a copy of this project and runs
    `lcspr-validate` as .pre-commit-hooks.yaml defines it."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    source = tmp_path / "lcspr-project"
    source.mkdir()
    for name in ("lcspr", "schemas", "templates"):
        shutil.copytree(PROJECT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(PROJECT / name, source / name)
    git(source, "init", "--quiet")
    git(source, "add", "-A")
    git(source, "commit", "--quiet", "-m", "lcspr")
    (records_root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {source.as_posix()}\n    rev: {head(source)}\n    hooks:\n      - id: lcspr-validate\n",
        encoding="utf-8")
    git(records_root, "add", ".pre-commit-config.yaml")
    git(records_root, "commit", "--quiet", "-m", "Check case files before each commit")
    assert run(records_root, "new-case", "--title", "Child D", "--referred-by", "police",
               "--received", RECEIVED).exit_code == 0
    installed = subprocess.run([str(Path(sys.executable).with_name("pre-commit")), "install"], cwd=records_root,
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    case_md = records_root / "cases" / "LIG-2026-001" / "case.md"
    good = case_md.read_text(encoding="utf-8")
    case_md.write_text(good.replace("referred_by: police", "referred_by: polce"), encoding="utf-8")
    before = head(records_root)
    refused = attempt(records_root, "commit", "-qam", "Referred by the police")
    assert refused.returncode == 1
    said = refused.stdout + refused.stderr
    assert "lcspr validate" in said and "Failed" in said
    assert "cases/LIG-2026-001/case.md:6: referred_by: 'polce' is not a known agency" in said
    assert head(records_root) == before
    case_md.write_text(good + "\nThe referral came by phone first.\n", encoding="utf-8")
    done = attempt(records_root, "commit", "-qam", "A note")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lcspr validate" in done.stdout + done.stderr and "Passed" in done.stdout + done.stderr
    assert head(records_root) != before


# --- the gate on the shared repository ---------------------------------------------------


def test_a_reviewers_forged_status_edit_is_refused_at_push(team):
    case_id = open_case(team.secretariat)
    assert attempt(team.secretariat, "push", "--quiet").returncode == 0
    git(team.reviewer, "pull", "--quiet")
    case_md = team.reviewer / "cases" / case_id / "case.md"
    case_md.write_text(case_md.read_text(encoding="utf-8").replace("status: referral-received", "status: screening"),
                       encoding="utf-8")
    git(team.reviewer, "commit", "--quiet", "-am", "Screened")
    forged = head(team.reviewer)
    server_before = git(team.server, "rev-parse", "main")
    refused = attempt(team.reviewer, "push")
    assert refused.returncode != 0
    assert "remote: lcspr refused this push to main:" in refused.stderr
    assert (f"remote:   {forged[:10]} {case_id}: hand-edit: status changed from referral-received to screening "
            "without a decision (no Lcspr trailers)") in refused.stderr
    assert "pre-receive hook declined" in refused.stderr
    assert git(team.server, "rev-parse", "main") == server_before
    # The reviewer's clone keeps the commit: nothing is lost locally.
    assert head(team.reviewer) == forged


def test_a_push_leaving_a_case_invalid_is_refused_and_a_good_one_accepted(team):
    case_id = open_case(team.secretariat)
    assert attempt(team.secretariat, "push", "--quiet").returncode == 0
    git(team.reviewer, "pull", "--quiet")
    referral = team.reviewer / "cases" / case_id / "referral.md"
    text = referral.read_text(encoding="utf-8")
    referral.write_text(text.replace("---\n", "---\nbogus_field: 1\n", 1), encoding="utf-8")
    git(team.reviewer, "commit", "--quiet", "-am", "A field of my own")
    refused = attempt(team.reviewer, "push")
    assert refused.returncode != 0
    assert f"remote:   cases/{case_id}/referral.md:2: " in refused.stderr
    assert "bogus_field" in refused.stderr
    git(team.reviewer, "reset", "--quiet", "--hard", "origin/main")
    referral.write_text(text + "\nThe school raised the first concern.\n", encoding="utf-8")
    git(team.reviewer, "commit", "--quiet", "-am", "What happened, from the school")
    done = attempt(team.reviewer, "push")
    assert done.returncode == 0, done.stderr
    assert git(team.server, "rev-parse", "main").strip() == head(team.reviewer)
    # The gate keeps its verified point in the bare repository, private to the server's account.
    state = team.server / "lcspr" / "audit-state.sqlite"
    with closing(sqlite3.connect(state)) as db:
        assert db.execute("select commit_id from point").fetchone()[0] == head(team.reviewer)
        assert case_id in dict(db.execute("select case_id, data from trail"))
    assert state.stat().st_mode & 0o777 == 0o600


def test_forged_trailers_and_a_settings_change_that_breaks_a_case_are_refused(team):
    done = lcspr(team.secretariat, "new-case", "--title", "Child D", "--referred-by", "housing", "--received", RECEIVED)
    assert done.returncode == 0, done.stderr
    case_id = "LIG-2026-001"
    assert attempt(team.secretariat, "push", "--quiet").returncode == 0
    git(team.reviewer, "pull", "--quiet")
    case_md = team.reviewer / "cases" / case_id / "case.md"
    case_md.write_text(case_md.read_text(encoding="utf-8").replace("status: referral-received",
                                                                   "status: report-drafting"), encoding="utf-8")
    git(team.reviewer, "commit", "--quiet", "-am", f"{case_id}: referral-received -> report-drafting",
        "--trailer", f"Lcspr-Case: {case_id}", "--trailer", "Lcspr-Action: advance",
        "--trailer", "Lcspr-From: referral-received", "--trailer", "Lcspr-To: report-drafting",
        "--trailer", "Lcspr-Decided-By: secretariat", "--trailer", "Lcspr-Decided-On: 2026-01-06",
        "--trailer", "Lcspr-Recorded-At: 2026-01-06T10:00:00Z")
    refused = attempt(team.reviewer, "push")
    assert refused.returncode != 0
    assert f"remote:   {head(team.reviewer)[:10]} {case_id}: illegal-step: " in refused.stderr
    git(team.reviewer, "reset", "--quiet", "--hard", "origin/main")
    # lcspr.toml is what every case is checked against: a change to it checks them all.
    toml = team.reviewer / "lcspr.toml"
    text = toml.read_text(encoding="utf-8")
    housing = next(line for line in text.splitlines() if line.startswith("housing ="))
    toml.write_text(text.replace(housing + "\n", ""), encoding="utf-8")
    git(team.reviewer, "commit", "--quiet", "-am", "No housing")
    refused = attempt(team.reviewer, "push")
    assert refused.returncode != 0
    assert f"remote:   cases/{case_id}/case.md:" in refused.stderr
    assert "referred_by: 'housing' is not a known agency" in refused.stderr


def test_a_force_push_and_a_deletion_are_refused(team):
    open_case(team.secretariat)
    assert attempt(team.secretariat, "push", "--quiet").returncode == 0
    shared = git(team.server, "rev-parse", "main")
    git(team.secretariat, "reset", "--quiet", "--hard", "HEAD~1")
    git(team.secretariat, "commit", "--quiet", "--allow-empty", "-m", "Something else")
    refused = attempt(team.secretariat, "push", "--force")
    assert refused.returncode != 0
    assert f"remote:   this push rewrites main ({shared[:10]} is not in the history of" in refused.stderr
    deleted = attempt(team.secretariat, "push", "origin", ":main")
    assert deleted.returncode != 0
    assert "remote:   main is the shared record and cannot be deleted." in deleted.stderr
    assert git(team.server, "rev-parse", "main") == shared
    # Another branch is work in progress: it may be pushed and rewritten.
    assert attempt(team.secretariat, "push", "--quiet", "origin", "HEAD:refs/heads/drafts").returncode == 0
    assert attempt(team.secretariat, "push", "--quiet", "--force", "origin", "HEAD~1:refs/heads/drafts").returncode == 0


def test_install_server_needs_a_bare_repository(records_root, tmp_path):
    result = run(None, "hooks", "install", "--server", str(records_root))
    assert result.exit_code == 2
    assert "is a clone with a work tree, not a bare repository" in result.output
    result = run(None, "hooks", "install", "--server", str(tmp_path))
    assert result.exit_code == 1
    assert "is not a Git repository" in result.output


# --- CI templates -----------------------------------------------------------------------


def _run_lines(data: object) -> list[str]:
    """Every shell line of a CI file: GitLab's script lists, Actions' run steps."""
    lines: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("script", "before_script") and isinstance(value, list):
                lines += [str(v) for v in value]
            elif key == "run" and isinstance(value, str):
                lines += value.splitlines()
            else:
                lines += _run_lines(value)
    elif isinstance(data, list):
        for value in data:
            lines += _run_lines(value)
    return lines


@pytest.mark.parametrize("name", ["gitlab-ci.yml", "actions.yml"])
def test_the_ci_templates_validate_and_audit_every_push(name):
    from lcspr.cli import cli

    data = yaml.safe_load((PROJECT / "docs" / "ci" / name).read_text(encoding="utf-8"))
    commands = [line.split() for line in _run_lines(data) if line.startswith("lcspr ")]
    assert [c[:2] for c in commands] == [["lcspr", "validate"], ["lcspr", "audit"]]
    for argv in commands:
        command = cli.commands[argv[1]]
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        assert set(argv[2:]) <= options, argv
    if name == "actions.yml":
        assert "push" in data[True]  # YAML 1.1 reads the key `on` as true
        checkout = next(s for s in data["jobs"]["record"]["steps"] if "checkout" in s.get("uses", ""))
        assert checkout["with"]["fetch-depth"] == 0
    else:
        assert data["lcspr"]["variables"]["GIT_DEPTH"] == "0"


# --- IDs that cannot collide ---------------------------------------------------------------


def test_twenty_rounds_of_two_clones_opening_a_case_at_once_give_forty_ids(team):
    import threading

    clones = [team.secretariat, team.reviewer]
    said: list[str] = []
    for round_ in range(20):
        barrier = threading.Barrier(2)
        results: dict[int, subprocess.CompletedProcess[str]] = {}

        def opening(i: int) -> None:
            barrier.wait()
            results[i] = lcspr(clones[i], "new-case", "--title", f"Child {chr(65 + round_)}{i + 1}", "--referred-by", "police",
                               "--received", RECEIVED, "--format", "json")

        threads = [threading.Thread(target=opening, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i in range(2):
            assert results[i].returncode == 0, results[i].stderr
            said.append(results[i].stdout)
    opened = [yaml.safe_load(out) for out in said]
    ids = [o["id"] for o in opened]
    assert len(set(ids)) == 40
    assert sorted(ids) == [f"LIG-2026-{n:03d}" for n in range(1, 41)]
    assert all(o["pushed_to"] == "origin/main" for o in opened)
    # Each case the user was told of is on the server, under that ID, as its own commit.
    server_cases = git(team.server, "ls-tree", "--name-only", "main", "cases/").split()
    assert sorted(server_cases) == sorted(["cases/.gitkeep"] + [f"cases/{i}" for i in ids])
    for o in opened:
        assert git(team.server, "log", "-1", "--format=%(trailers:key=Lcspr-Case,valueonly)", o["commit"]).strip() == o["id"]
    assert any(o["taken"] for o in opened)  # the two did collide, and one allocated again
    for clone in clones:
        git(clone, "pull", "--quiet")
        assert lcspr(clone, "validate").returncode == 0
        audited = lcspr(clone, "audit")
        assert audited.returncode == 0, audited.stdout
