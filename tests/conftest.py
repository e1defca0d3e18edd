"""Every test runs with its own HOME and Git configuration in tmp_path, so no
test can touch the real home directory, the real Git settings, or this
project's own history."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.repository import Repository

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLES = PROJECT / "cases"
#: The example cases the behaviour tests start from: this year's three, at the
#: stages decisions are still made from. The closed and completed examples of
#: 2025 are checked by the tests that validate, import and render every example.
WORKING_EXAMPLES = sorted(EXAMPLES.glob("LIG-2026-*"))


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test Secretariat\n\temail = secretariat@example.org\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # An empty identity register in the test's own home: the publishing moves' gate
    # refuses without one. Tests of the register itself point elsewhere.
    register = home / ".config" / "lcspr" / "identities.toml"
    register.parent.mkdir(parents=True, exist_ok=True)
    register.write_text("", encoding="utf-8")
    monkeypatch.setenv("LCSPR_IDENTITIES", str(register))
    # A fault in lcspr itself surfaces as its traceback in tests, not as the
    # friendly message users get.
    monkeypatch.setenv("LCSPR_DEBUG", "1")
    for var in (
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "EMAIL",
    ):
        monkeypatch.delenv(var, raising=False)
    return home


def git(root: Path, *args: str) -> str:
    """Run git in a test repository and return its output."""
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def records_root(tmp_path: Path) -> Path:
    """A new, empty records repository."""
    from lcspr.repository import init

    return init(tmp_path / "records", "Example Safeguarding Children Partnership", "LIG")


@pytest.fixture
def examples_root(records_root: Path) -> Path:
    """A records repository holding the fictional example cases, committed."""
    for folder in WORKING_EXAMPLES:
        shutil.copytree(folder, records_root / "cases" / folder.name)
        commit_import(records_root, folder.name)
    return records_root


def commit_import(root: Path, case_id: str) -> str:
    """Commit a case folder written into cases/ as `lcspr import` records it: one
    commit, trailers saying the case entered the record at the status it holds."""
    from lcspr import gitops, mdfile, trail

    status = mdfile.read(root / "cases" / case_id / "case.md").data.get("status")
    message = trail.Decision(action=trail.IMPORT, case=case_id, target=str(status), recorded_at=gitops.now_utc(),
                             subject=f"{case_id}: import case at {status}", reason="A fictional example case.").message()
    git(root, "add", "--", f"cases/{case_id}")
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-F", "-", "--", f"cases/{case_id}"],
                   input=message, text=True, check=True, capture_output=True)
    return head(root)


@pytest.fixture
def repo(records_root: Path) -> Repository:
    from lcspr.repository import open_repository

    return open_repository(records_root)


@pytest.fixture
def examples(examples_root: Path) -> Repository:
    from lcspr.repository import open_repository

    return open_repository(examples_root)


def run(root: Path | None, *args: str, input: str | None = None) -> Result:
    """Invoke the CLI as a user would (errors become messages and exit codes)."""
    from lcspr.cli import cli

    argv = (["--repo", str(root)] if root is not None else []) + list(args)
    return CliRunner().invoke(cli, argv, obj={}, input=input, catch_exceptions=False)


FIXED_TODAY = date(2026, 11, 26)


class _FixedDate(date):
    """A date whose today() is FIXED_TODAY."""

    @classmethod
    def today(cls) -> _FixedDate:
        return cls(FIXED_TODAY.year, FIXED_TODAY.month, FIXED_TODAY.day)


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> date:
    """`lcspr new-case` takes today as the default --received and refuses later
    dates: fix today at FIXED_TODAY so tests do not depend on the clock."""
    from lcspr import corrections, deadlines, decisions, intake, overview, schemas

    for module in (intake, decisions, deadlines, corrections, overview, schemas):
        monkeypatch.setattr(module, "date", _FixedDate)
    return FIXED_TODAY


def head(root: Path) -> str:
    """The commit HEAD points at."""
    return git(root, "rev-parse", "HEAD").strip()


def count(root: Path) -> int:
    """How many commits HEAD's history holds."""
    return int(git(root, "rev-list", "--count", "HEAD"))


CASE_MD = """---
id: {id}
title: Child D
status: {status}
level: {level}
referred_by: police
subjects:
  - pseudonym: Child D
dates:
  received: 2026-10-01
{extra}---
# {id}: Child D

Notes on a fictional case.
"""


def add_case(root: Path, case_id: str, status: str, extra: str = "", level: str = "null",
             files: dict[str, str] | None = None) -> Path:
    """Write a fictional case folder at `status` and commit it as an import."""
    folder = root / "cases" / case_id
    (folder / "responses").mkdir(parents=True, exist_ok=True)
    (folder / "case.md").write_text(CASE_MD.format(id=case_id, status=status, level=level, extra=extra), encoding="utf-8")
    for name, text in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    commit_import(root, case_id)
    return folder
