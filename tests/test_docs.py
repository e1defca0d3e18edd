"""The README is the manual's front door: every command has help and is documented,
and what it tells auditors to type works."""

from __future__ import annotations

import shlex
import subprocess

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, WORKING_EXAMPLES, PROJECT, run
from lcspr.cli import cli

README = (PROJECT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(name):
    command = cli.commands[name]
    assert command.help and command.help.strip(), f"lcspr {name} has no help text"
    assert f"| `lcspr {name}" in README, f"lcspr {name} is missing from the README's table of commands"
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output


def test_the_readme_shows_both_set_up_commands():
    assert "make demo" in README and "make test" in README


def test_the_auditors_git_one_liner_works(records_root):
    for folder in WORKING_EXAMPLES:
        assert run(records_root, "import", str(folder), "--reason", "Fictional examples.").exit_code == 0
    result = run(records_root, "advance", "LIG-2026-003", "screening", "--reason", "Forms requested.",
                 "--set", "agencies_involved=[gp]", "--on", "2026-11-25")
    assert result.exit_code == 0, result.output
    line = next(l for l in README.splitlines() if l.startswith("git log --reverse --grep='^Lcspr-Case: '"))
    argv = shlex.split(line)
    out = subprocess.run(["git", "-C", str(records_root), *argv[1:]], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert len(lines) == 4  # three imports and one decision; the init commit is not a case's
    assert lines[-1].split(" ", 1)[1].startswith(
        "LIG-2026-003: referral-received -> screening (advance, decided by secretariat on 2026-11-25, "
        "recorded by Test Secretariat at 2026-"
    )


def test_the_readme_command_table_is_made_from_the_commands():
    """`cog -r README.md` regenerates it; this fails while the README and the CLI differ."""
    import sys

    done = subprocess.run([sys.executable, "-m", "cogapp", "--check", "--diff", str(PROJECT / "README.md")],
                          capture_output=True, text=True)
    assert done.returncode == 0, "the README's command table is out of date; run `cog -r README.md`\n" + done.stdout


def test_the_readme_names_no_file_the_project_lacks():
    import re

    for name in sorted(set(re.findall(r"`([\w./-]+\.(?:md|py|toml|yaml|docx))`", README))):
        if "/" in name and not name.startswith(("cases/", "templates/", "docs/", "lcspr/", "benchmarks/", "tests/")):
            continue
        if name.startswith(("cases/LIG", "cases/…", "responses/")) or "<" in name or "ID" in name:
            continue
        if "/" in name and not (PROJECT / name).exists():
            raise AssertionError(f"the README names {name}, which the project does not have")
    assert "DESIGN.md" not in README
