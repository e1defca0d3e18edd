"""`lcspr init` and lcspr.toml (issue 2, point 2)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import git, run
from lcspr import config
from lcspr.errors import ConfigError, GitIdentityMissing, NotARecordsRepository
from lcspr.repository import init, open_repository

NO_IDENTITY = (
    "Error: Git does not know who you are, so the change could not be recorded (nothing was written). "
    'Set your name and email once: git config --global user.name "Your Name" && '
    'git config --global user.email "you@example.org"\n'
)


@pytest.fixture
def no_identity(tmp_path, monkeypatch):
    """Git with no user.name / user.email anywhere."""
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))


def tree(root: Path) -> list[str]:
    """Every path under root except Git's own folder, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if ".git" not in p.relative_to(root).parts)


def test_init_creates_git_config_cases_and_one_commit(tmp_path):
    result = run(None, "init", str(tmp_path / "records"), "--partnership", 'Isle "Example" SCP', "--prefix", "CSPR")
    root = tmp_path / "records"
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Created the records repository {root}\n"
        f"Edit {root / 'lcspr.toml'} to list your agencies and roles, then run `lcspr new-case`.\n"
    )
    assert (root / ".git").is_dir()
    assert tree(root) == [".gitignore", "cases", "cases/.gitkeep", "lcspr.toml"]
    assert (root / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "/drafts/"
    assert git(root, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [".gitignore", "cases/.gitkeep", "lcspr.toml"]
    message = git(root, "log", "-1", "--format=%B")
    assert message.startswith('Start the records repository of Isle "Example" SCP\n')
    assert "\nLcspr-Action: init\n" in message
    assert git(root, "status", "--porcelain") == ""

    loaded = config.load(root)
    assert loaded.partnership == 'Isle "Example" SCP'
    assert loaded.prefix == "CSPR"
    for agency in ("childrens-services", "police", "icb", "education", "probation"):
        assert agency in loaded.agencies
    assert {"secretariat", "lig-chair", "board"} <= set(loaded.roles)
    assert loaded.health_commissioner == "icb"


def test_default_lcspr_toml_is_valid_and_matches_the_defaults():
    raw = tomllib.loads(config.render_default("Example Safeguarding Children Partnership", "LIG"))
    from lcspr import schemas

    assert schemas.check_config(raw) == []
    assert raw["agencies"] == config.DEFAULT_AGENCIES
    assert raw["roles"] == config.DEFAULT_ROLES
    assert raw["sectors"] == config.DEFAULT_SECTORS


def test_init_in_an_existing_git_repository_commits_only_its_own_files(tmp_path):
    root = tmp_path / "existing"
    root.mkdir()
    git(root, "init", "-q")
    (root / "notes.txt").write_text("first\n")
    git(root, "add", "notes.txt")
    git(root, "commit", "-q", "-m", "An earlier commit")
    (root / "staged.txt").write_text("staged\n")
    git(root, "add", "staged.txt")

    assert init(root, "Example Safeguarding Children Partnership", "LIG") == root.resolve()
    assert git(root, "rev-list", "--count", "HEAD").strip() == "2"
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == [".gitignore", "cases/.gitkeep", "lcspr.toml"]
    assert git(root, "status", "--porcelain") == "A  staged.txt\n"


def test_init_refuses_a_folder_that_has_lcspr_toml(records_root):
    before = (records_root / "lcspr.toml").read_bytes()
    head = git(records_root, "rev-parse", "HEAD")
    result = run(None, "init", str(records_root), "--partnership", "Example SCP")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {records_root} already has lcspr.toml: it is a records repository already; nothing was changed.\n"
    )
    assert (records_root / "lcspr.toml").read_bytes() == before
    assert git(records_root, "rev-parse", "HEAD") == head


@pytest.mark.parametrize("prefix", ["lig", "", "LIG-1", "L/G", "1LIG", "ABCDEFGHIJKLM"])
def test_init_refuses_a_bad_prefix(tmp_path, prefix):
    result = run(None, "init", str(tmp_path / "records"), "--prefix", prefix, "--partnership", "Example SCP")
    assert result.exit_code == 2
    assert result.output == (
        f"Error: --prefix {prefix!r} must be capital letters and digits, starting with a letter (e.g. LIG).\n"
    )
    assert not (tmp_path / "records").exists()


def test_init_refuses_an_empty_partnership(tmp_path):
    result = run(None, "init", str(tmp_path / "records"), "--partnership", "  ")
    assert (result.exit_code, result.output) == (2, "Error: --partnership must not be empty.\n")
    assert not (tmp_path / "records").exists()


def test_init_refuses_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    result = run(None, "init", str(tmp_path / "file"), "--partnership", "Example SCP")
    assert (result.exit_code, result.output) == (2, f"Error: {tmp_path / 'file'} is a file, not a folder.\n")


def test_init_refuses_a_folder_of_another_git_repository(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "tracked.txt").write_text("x\n")
    result = run(None, "init", str(tmp_path / "sub"), "--partnership", "Example SCP")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path / 'sub'} is inside the Git repository {tmp_path}; make the records repository "
        "at its root or in its own folder.\n"
    )
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["tracked.txt"]


def test_init_of_a_new_folder_inside_a_git_repository_gives_it_its_own(tmp_path):
    git(tmp_path, "init", "-q")
    root = init(tmp_path / "records", "Example Safeguarding Children Partnership", "LIG")
    assert git(root, "rev-parse", "--show-toplevel").strip() == str(root)
    assert git(root, "rev-list", "--count", "HEAD").strip() == "1"


def test_init_without_git_identity_leaves_nothing_behind(tmp_path, no_identity):
    result = run(None, "init", str(tmp_path / "new" / "records"), "--partnership", "Example SCP")
    assert (result.exit_code, result.output) == (1, NO_IDENTITY)
    assert not (tmp_path / "new").exists()


def test_init_without_git_identity_in_an_existing_folder(tmp_path, no_identity):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "readme.txt").write_text("kept\n")
    with pytest.raises(GitIdentityMissing):
        init(root, "Example Safeguarding Children Partnership", "LIG")
    assert sorted(p.name for p in root.iterdir()) == ["readme.txt"]


def test_init_whose_commit_is_refused_leaves_nothing_staged(tmp_path):
    root = tmp_path / "existing"
    root.mkdir()
    git(root, "init", "-q")
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho refused by a hook >&2\nexit 1\n")
    hook.chmod(0o755)
    result = run(None, "init", str(root), "--partnership", "Example SCP")
    assert (result.exit_code, result.output) == (1, "Error: git commit failed: refused by a hook\n")
    assert sorted(p.name for p in root.iterdir()) == [".git"]
    assert git(root, "status", "--porcelain") == ""


def test_a_refused_init_keeps_files_that_were_there_before(tmp_path):
    root = tmp_path / "existing"
    (root / "cases").mkdir(parents=True)
    (root / "cases" / ".gitkeep").touch()
    git(root, "init", "-q")
    git(root, "add", "cases/.gitkeep")
    git(root, "commit", "-q", "-m", "An empty cases folder")
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    assert run(None, "init", str(root), "--partnership", "Example SCP").exit_code == 1
    assert tree(root) == ["cases", "cases/.gitkeep"]
    assert git(root, "status", "--porcelain") == ""


# --- finding and reading lcspr.toml ---------------------------------------------------


def test_find_root_walks_up(records_root, monkeypatch):
    (records_root / "cases" / "deep").mkdir()
    monkeypatch.chdir(records_root / "cases" / "deep")
    assert config.find_root() == records_root
    assert open_repository().root == records_root


def test_find_root_outside_a_records_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NotARecordsRepository) as caught:
        config.find_root()
    assert str(caught.value) == (
        f"no lcspr.toml in {tmp_path.resolve()} or any folder above it: run lcspr inside a records repository, "
        "pass --repo PATH, or create one with `lcspr init PATH`."
    )


def edit_config(root: Path, old: str, new: str) -> None:
    path = root / "lcspr.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_lcspr_toml_problems_point_at_their_lines(records_root):
    edit_config(records_root, 'police = "Police"\n', 'police = "Police"\nPolice-Dept = "x"\n')
    edit_config(records_root, 'division = "england"', 'division = "englnd"')
    result = run(records_root, "validate")
    assert result.exit_code == 1
    lines = (records_root / "lcspr.toml").read_text().splitlines()
    bad = lines.index('Police-Dept = "x"') + 1
    division = lines.index('division = "englnd"') + 1
    assert result.output == (
        "Error: lcspr.toml is not valid:\n"
        f"lcspr.toml:{bad}: agencies.Police-Dept: 'Police-Dept' is not valid here: expected lower-case words "
        "joined by hyphens, e.g. childrens-services.\n"
        f"lcspr.toml:{division}: calendar.division: 'englnd' is not one of the allowed values (known: england, "
        "wales, scotland, northern-ireland); did you mean 'england'?\n"
    )


def test_lcspr_toml_that_is_not_toml(records_root):
    (records_root / "lcspr.toml").write_text('partnership = "x"\nagencies = [\n')
    result = run(records_root, "list")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {records_root / 'lcspr.toml'}: not valid TOML: ")
    assert result.output.endswith("Fix the file and try again.\n")
    assert "Traceback" not in result.output


def test_lcspr_toml_sector_naming_an_unknown_agency(records_root):
    edit_config(records_root, 'health = ["icb"', 'health = ["icbb"')
    with pytest.raises(ConfigError) as caught:
        config.load(records_root)
    line = (records_root / "lcspr.toml").read_text().splitlines().index(
        next(l for l in (records_root / "lcspr.toml").read_text().splitlines() if l.startswith("health ="))
    ) + 1
    assert str(caught.value).startswith(f"lcspr.toml:{line}: sectors.health: 'icbb' is not one of the [agencies] (")
    assert str(caught.value).endswith("). Add it to [agencies] or correct the name.")


def test_lcspr_toml_without_partnership(records_root):
    edit_config(records_root, 'partnership = "Example Safeguarding Children Partnership"\n', "")
    result = run(records_root, "list")
    assert (result.exit_code, result.output) == (
        1, "Error: lcspr.toml is not valid:\nlcspr.toml:1: (top level): `partnership` is missing: add it\n"
    )


@pytest.mark.parametrize(
    "old, new, problem",
    [
        ('health = ["icb"', 'health = "icb" #', "sectors.health: 'icb' should be a list"),
        ('health_commissioner = "icb"', 'health_commissioner = ["icb"]', "health_commissioner: ['icb'] should be text"),
        ("[agencies]\n", 'agencies = "police"\n[more-agencies]\n', "agencies: 'police' should be a mapping of fields"),
    ],
)
def test_list_reports_settings_of_the_wrong_kind(records_root, old, new, problem):
    """list reads lcspr.toml without the schema; a wrong kind of value still gets the schema's message."""
    edit_config(records_root, old, new)
    result = run(records_root, "list")
    assert result.exit_code == 1
    assert result.output.startswith("Error: lcspr.toml is not valid:\n")
    assert problem in result.output
    assert "Traceback" not in result.output


def test_an_unknown_table_points_at_its_header(records_root):
    edit_config(records_root, "[calendar]", "[calender]")
    result = run(records_root, "validate")
    line = (records_root / "lcspr.toml").read_text().splitlines().index("[calender]") + 1
    assert f"lcspr.toml:{line}: calender: `calender` is not a field here" in result.output
    assert result.output.rstrip().endswith("did you mean 'calendar'?")


def test_a_settings_check_passed_before_is_not_redone_until_the_file_changes(records_root, monkeypatch):
    from lcspr import config, schemas

    calls = []
    real = schemas.check_config
    monkeypatch.setattr(schemas, "check_config", lambda raw: calls.append(1) or real(raw))
    config.load(records_root)
    config.load(records_root)
    assert len(calls) <= 1  # init's own run may already have remembered it
    calls.clear()
    toml = records_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("sign = false", "sign = \"maybe\""), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"lcspr.toml:\d+: sign"):
        config.load(records_root)
    with pytest.raises(ConfigError):  # a failed check is never remembered
        config.load(records_root)
    assert len(calls) == 2
