"""`lcspr new-case` (issue 2, point 3, and its bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import click.testing
import pytest

from conftest import FIXED_TODAY, git, run
from lcspr import intake, mdfile
from lcspr.errors import GitIdentityMissing, UnknownAgency
from lcspr.repository import init, open_repository

TODAY = FIXED_TODAY

KNOWN_AGENCIES = (
    "childrens-services, police, icb, acute-trust, community-health, mental-health, gp, ambulance, education, "
    "early-years, probation, youth-justice, housing, adult-social-care, substance-misuse, domestic-abuse"
)


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """Every test here opens cases: fix today."""


def new_case(root: Path, *args: str, input: str | None = None):
    return run(root, "new-case", *args, input=input)


def state(root: Path) -> tuple[str, str, list[str]]:
    """HEAD, `git status`, and every file under cases/: what a refused command must not change."""
    files = sorted(p.relative_to(root).as_posix() for p in (root / "cases").rglob("*"))
    return git(root, "rev-parse", "HEAD"), git(root, "status", "--porcelain", "--untracked-files=all"), files


def trailer(root: Path, key: str, rev: str = "HEAD") -> str:
    return git(root, "log", "-1", f"--format=%(trailers:key={key},valueonly)", rev).strip()


def test_new_case_opens_the_first_case(records_root):
    result = new_case(records_root, "--title", "Child A", "--referred-by", "police", "--received", "2026-11-02")
    assert result.exit_code == 0, result.output
    head = git(records_root, "rev-parse", "HEAD").strip()
    assert result.output == f"Opened LIG-2026-001 in cases/LIG-2026-001 (commit {head[:10]}).\n"

    folder = records_root / "cases" / "LIG-2026-001"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        "case.md", "referral.md", "report.md", "responses", "responses/.gitkeep",
    ]
    case = mdfile.read(folder / "case.md")
    assert case.data == {
        "id": "LIG-2026-001",
        "title": "Child A",
        "status": "referral-received",
        "level": None,
        "referred_by": "police",
        "subjects": [{"pseudonym": "Child A"}],
        "dates": {"received": "2026-11-02"},
    }
    assert case.body.startswith("# LIG-2026-001: Child A\n")
    referral = mdfile.read(folder / "referral.md").data
    assert referral["case"] == "LIG-2026-001"
    assert referral["referring_agency"] == "police"
    assert referral["date"] == "2026-11-02"
    assert referral["child"] == {"pseudonym": "Child A"}
    report = mdfile.read(folder / "report.md").data
    assert report["title"] == "Local Child Safeguarding Practice Review: Child A"

    assert run(records_root, "validate").output == "1 case(s) valid.\n"


def test_new_case_commits_only_the_case_folder_with_trailers(records_root):
    (records_root / "elsewhere.txt").write_text("staged beforehand\n")
    git(records_root, "add", "elsewhere.txt")
    (records_root / "untracked.txt").write_text("left alone\n")

    result = new_case(records_root, "--title", "Child A", "--referred-by", "police", "--received", "2026-11-02")
    assert result.exit_code == 0, result.output
    committed = git(records_root, "show", "--name-only", "--format=", "HEAD").split()
    assert committed == [
        "cases/LIG-2026-001/case.md", "cases/LIG-2026-001/referral.md",
        "cases/LIG-2026-001/report.md", "cases/LIG-2026-001/responses/.gitkeep",
    ]
    assert git(records_root, "status", "--porcelain") == "A  elsewhere.txt\n?? untracked.txt\n"
    assert trailer(records_root, "Lcspr-Case") == "LIG-2026-001"
    assert trailer(records_root, "Lcspr-Action") == "new-case"
    message = git(records_root, "log", "-1", "--format=%B")
    assert message.startswith("LIG-2026-001: open case (Child A)\n\nReferral from Police received 2026-11-02.\n")


def test_new_case_numbers_cases_per_year_and_prefix(tmp_path):
    root = init(tmp_path / "records", "Example Safeguarding Children Partnership", "CSPR")
    opened = []
    for received in ("2026-01-05", "2026-03-01", "2025-12-30", "2026-11-26"):
        result = new_case(root, "--title", "Child A", "--referred-by", "icb", "--received", received, "--format", "json")
        assert result.exit_code == 0, result.output
        opened.append(json.loads(result.output)["id"])
    assert opened == ["CSPR-2026-001", "CSPR-2026-002", "CSPR-2025-001", "CSPR-2026-003"]


def test_new_case_after_the_examples(examples_root):
    result = new_case(examples_root, "--title", "Child D", "--referred-by", "police")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Opened LIG-2026-004 in cases/LIG-2026-004 ")
    assert mdfile.read(examples_root / "cases/LIG-2026-004/case.md").data["dates"] == {"received": "2026-11-26"}


def test_new_case_json_output(records_root):
    result = new_case(records_root, "--title", "Baby Z", "--referred-by", "acute-trust", "--received", "2026-11-20",
                      "--serious-incident", "--aware", "2026-11-18", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "id": "LIG-2026-001",
        "path": "cases/LIG-2026-001",
        "commit": git(records_root, "rev-parse", "HEAD").strip(),
        "pushed_to": "",  # no remote: the case is in this clone alone
        "taken": [],
    }
    data = mdfile.read(records_root / "cases/LIG-2026-001/case.md").data
    assert data["serious_incident"] == {"aware": "2026-11-18"}
    assert run(records_root, "validate").exit_code == 0


def test_new_case_library_call(repo):
    opened = intake.new_case(repo, "Family U", "education", "2026-06-01", today=TODAY)
    assert (opened.id, opened.path) == ("LIG-2026-001", "cases/LIG-2026-001")
    assert opened.commit == git(repo.root, "rev-parse", "HEAD").strip()


# --- asking for what is missing --------------------------------------------------------


@pytest.mark.parametrize(
    "args, option",
    [((), "--title"), (("--title", "Child A"), "--referred-by"),
     (("--title", "Child A", "--referred-by", "police", "--serious-incident"), "--aware")],
)
def test_missing_options_without_a_terminal_are_a_usage_error(records_root, args, option):
    before = state(records_root)
    result = new_case(records_root, *args)
    assert (result.exit_code, result.output) == (2, f"Error: {option} is required (no terminal to ask at).\n")
    assert state(records_root) == before


def test_missing_options_are_asked_for_at_a_terminal(records_root, monkeypatch):
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True, raising=False)
    result = new_case(records_root, "--received", "2026-11-02", "--serious-incident", input="Child A\npolice\n2026-10-30\n")
    assert result.exit_code == 0, result.output
    assert "Pseudonym (e.g. Child A; never a real name): Child A\n" in result.output
    assert f"Referring agency ({KNOWN_AGENCIES}): police\n" in result.output
    assert "Day the local authority became aware (YYYY-MM-DD): 2026-10-30\n" in result.output
    data = mdfile.read(records_root / "cases/LIG-2026-001/case.md").data
    assert (data["title"], data["referred_by"], data["serious_incident"]) == ("Child A", "police", {"aware": "2026-10-30"})


# --- bad input: refused, nothing written -----------------------------------------------


@pytest.mark.parametrize(
    "args, code, message",
    [
        (("--referred-by", "polce"), 2,
         f"'polce' is not a known agency (known: {KNOWN_AGENCIES}); did you mean 'police'?"),
        (("--referred-by", "../police"), 2,
         "'../police' is not an agency ID: use lower-case words joined by hyphens, as listed in lcspr.toml "
         "[agencies] (no slashes or '..')."),
        (("--referred-by", "police/x"), 2,
         "'police/x' is not an agency ID: use lower-case words joined by hyphens, as listed in lcspr.toml "
         "[agencies] (no slashes or '..')."),
        (("--referred-by", ".."), 2,
         "'..' is not an agency ID: use lower-case words joined by hyphens, as listed in lcspr.toml "
         "[agencies] (no slashes or '..')."),
        (("--received", "2026-02-30"), 2,
         "Invalid value for '--received': '2026-02-30' is not a real date (day is out of range for month); "
         "expected YYYY-MM-DD (e.g. 2026-10-31)"),
        (("--received", "26/11/2026"), 2, "Invalid value for '--received': '26/11/2026' is not a date in the form YYYY-MM-DD (e.g. 2026-10-31)"),
        (("--received", "2026-12-01"), 2,
         "--received 2026-12-01 is in the future; give the day the referral arrived."),
        (("--serious-incident", "--aware", "2026-02-30"), 2,
         "Invalid value for '--aware': '2026-02-30' is not a real date (day is out of range for month); "
         "expected YYYY-MM-DD (e.g. 2026-10-31)"),
        (("--aware", "2026-11-01"), 2, "--aware goes with --serious-incident."),
        (("--title", "Jane Smith"), 2,
         "--title: 'Jane Smith' looks like a person's real name. Case files hold pseudonyms only ('Child A', "
         "'Baby Z', 'Family U'); real names go in the identity register (`lcspr identities add`)."),
        (("--title", "child a"), 2,
         "--title: 'child a' is not valid here: expected a pseudonym such as 'Child A', 'Baby Z' or "
         "'Family U'; never a real name."),
        (("--title", ""), 2, "--title: is empty: fill it in."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(examples_root, args, code, message):
    given = dict(zip(args[::2], args[1::2]))
    base = {"--title": "Child D", "--referred-by": "police", "--received": "2026-11-02"}
    argv = [a for k, v in base.items() if k not in given for a in (k, v)] + list(args)
    before = state(examples_root)
    result = new_case(examples_root, *argv)
    assert result.exit_code == code
    assert result.output.endswith(f"Error: {message}\n")
    assert "Traceback" not in result.output
    assert state(examples_root) == before


def test_unknown_agency_from_the_library(repo):
    with pytest.raises(UnknownAgency) as caught:
        intake.new_case(repo, "Child A", "educaton", today=TODAY)
    assert str(caught.value).endswith("; did you mean 'education'?")


def test_no_git_identity_writes_nothing(examples_root, tmp_path, monkeypatch):
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    before = state(examples_root)
    result = new_case(examples_root, "--title", "Child D", "--referred-by", "police")
    assert result.exit_code == 1
    assert result.output == (
        "Error: Git does not know who you are, so the change could not be recorded (nothing was written). "
        'Set your name and email once: git config --global user.name "Your Name" && '
        'git config --global user.email "you@example.org"\n'
    )
    assert state(examples_root) == before
    with pytest.raises(GitIdentityMissing):
        intake.new_case(open_repository(examples_root), "Child D", "police", today=TODAY)


def test_a_refused_commit_writes_nothing(examples_root):
    hook = examples_root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho refused by a hook >&2\nexit 1\n")
    hook.chmod(0o755)
    before = state(examples_root)
    result = new_case(examples_root, "--title", "Child D", "--referred-by", "police")
    assert (result.exit_code, result.output) == (
        1, "Error: git commit failed, so nothing was recorded: refused by a hook. Fix that and try again.\n"
    )
    assert state(examples_root) == before


def test_a_case_that_would_not_validate_is_not_written(records_root):
    """A partnership's own skeleton that makes an invalid case: refused, rolled back."""
    skeletons = records_root / "templates" / "case"
    skeletons.mkdir(parents=True)
    (skeletons / "case.md").write_text("---\nid: $id\ntitle: $title\nstatus: $status\n---\n# $id\n")
    with (records_root / "lcspr.toml").open("a") as handle:
        handle.write('\n[overrides]\ntemplates = "templates"\n')
    git(records_root, "add", "-A")
    git(records_root, "commit", "-q", "-m", "Our own skeletons")
    before = state(records_root)
    result = new_case(records_root, "--title", "Child A", "--referred-by", "police")
    assert result.exit_code == 1
    assert result.output == (
        "Error: the new case LIG-2026-001 would not validate (check the skeletons in templates/case/):\n"
        "cases/LIG-2026-001/case.md:2: `referred_by` is missing: add it\n"
        "cases/LIG-2026-001/case.md:2: `subjects` is missing: add it\n"
        "cases/LIG-2026-001/case.md:2: `dates` is missing: add it\n"
    )
    assert state(records_root) == before


def test_refused_during_a_merge(examples_root):
    git(examples_root, "switch", "-q", "-c", "other")
    (examples_root / "notes.txt").write_text("one\n")
    git(examples_root, "add", "notes.txt")
    git(examples_root, "commit", "-q", "-m", "one")
    git(examples_root, "switch", "-q", "main")
    (examples_root / "notes.txt").write_text("two\n")
    git(examples_root, "add", "notes.txt")
    git(examples_root, "commit", "-q", "-m", "two")
    import subprocess

    subprocess.run(["git", "-C", str(examples_root), "merge", "-q", "other"], capture_output=True)
    result = new_case(examples_root, "--title", "Child D", "--referred-by", "police")
    assert result.exit_code == 1
    assert result.output == (
        "Error: the repository is in the middle of a merge; finish or abort it (see `git status`) before "
        "lcspr records anything.\n"
    )
    assert not (examples_root / "cases" / "LIG-2026-004").exists()


# --- outside a records repository -------------------------------------------------------


def test_outside_a_records_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = new_case(None, "--title", "Child A", "--referred-by", "police")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no lcspr.toml in {tmp_path.resolve()} or any folder above it: run lcspr inside a records "
        "repository, pass --repo PATH, or create one with `lcspr init PATH`.\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_repo_option_naming_a_folder_that_is_not_a_records_repository(tmp_path):
    (tmp_path / "folder").mkdir()
    result = new_case(tmp_path / "folder", "--title", "Child A", "--referred-by", "police")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path / 'folder'} is not a records repository: it has no lcspr.toml. Create one with "
        f"`lcspr init {tmp_path / 'folder'}` or point --repo at an existing one.\n"
    )
    assert list((tmp_path / "folder").iterdir()) == []


def test_records_repository_that_is_not_a_git_repository(tmp_path):
    (tmp_path / "lcspr.toml").write_text('partnership = "Example Safeguarding Children Partnership"\n')
    result = new_case(tmp_path, "--title", "Child A", "--referred-by", "police")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path} holds lcspr.toml but is not a Git repository; run `git init` there first.\n"
    )
    assert not (tmp_path / "cases").exists()


def test_git_variables_pointing_elsewhere_are_ignored(examples_root, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    result = new_case(examples_root, "--title", "Child D", "--referred-by", "police")
    assert result.exit_code == 0, result.output
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(var)
    assert trailer(examples_root, "Lcspr-Case") == "LIG-2026-004"
    assert git(other, "rev-list", "--all") == ""
