"""Fast start (issue 2, point 9), and the ways the command is started (point 1)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import PROJECT, run

HEAVY = ("git", "docxtpl", "jsonschema")

PROBE = textwrap.dedent(
    """
    import json, os, sys
    os.chdir(sys.argv[1])
    import lcspr.cli
    runs = {}
    for argv in (["lcspr", "--help"], ["lcspr", "list"]):
        sys.argv = argv
        try:
            lcspr.cli.main()
        except SystemExit as exc:
            runs[argv[1]] = exc.code
    print(json.dumps({"runs": runs, "loaded": [m for m in %r if m in sys.modules]}))
    """
    % (HEAVY,)
)


def probe(root: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1]) | {"stdout": done.stdout}


def test_help_and_list_do_not_import_heavy_modules(examples_root):
    result = probe(examples_root)
    assert result["runs"] == {"--help": 0, "list": 0}
    assert "LIG-2026-003  Baby C" in result["stdout"]
    assert result["loaded"] == []


def test_help_starts_with_nothing_beyond_click():
    """`lcspr --help` imports click, lcspr's CLI and its errors, and nothing else of
    note: no pathlib (a path option becomes a pathlib.Path only when a command runs),
    no YAML, no Git."""
    code = ("import sys, lcspr.cli; sys.argv = ['lcspr', '--help']\n"
            "try:\n    lcspr.cli.main()\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('pathlib', 'yaml', 'git', 'lcspr.config', 'lcspr.repository') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"


def test_a_path_option_is_a_pathlib_path_when_the_command_runs(tmp_path, examples_root):
    result = run(None, "init", str(tmp_path / "new"), "--partnership", "Isle of Example SCP")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "lcspr.toml").is_file()
    # click.Path's own checks and words, as before.
    result = run(examples_root, "import", str(tmp_path / "nowhere"), "--reason", "x")
    assert result.exit_code == 2
    assert f"Invalid value for 'FOLDERS...': Directory '{tmp_path / 'nowhere'}' does not exist." in result.output
    result = run(examples_root, "check-publication", "LIG-2026-001", "--document", str(tmp_path))
    assert result.exit_code == 2
    assert f"File '{tmp_path}' is a directory." in result.output
    assert "-o, --output FILE" in run(None, "register", "--help").output


def test_the_probe_would_see_a_heavy_import(examples_root):
    """The check above is only worth something if it can fail."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys, lcspr.validation, lcspr.repository as r; r.open_repository(sys.argv[1]).validator.check('case', {});"
         "print([m for m in %r if m in sys.modules])" % (HEAVY,), str(examples_root)],
        capture_output=True, text=True, check=True,
    )
    assert "jsonschema" in done.stdout


def test_python_dash_m_lcspr(examples_root):
    done = subprocess.run([sys.executable, "-m", "lcspr", "--repo", str(examples_root), "list", "--format", "json"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert [row["id"] for row in json.loads(done.stdout)] == ["LIG-2026-001", "LIG-2026-002", "LIG-2026-003"]


def test_installed_lcspr_command(examples_root):
    command = Path(sys.executable).parent / "lcspr"
    if not command.exists():
        pytest.skip("lcspr is not installed as a command next to this Python")
    done = subprocess.run([str(command), "--repo", str(examples_root), "validate"], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "3 case(s) valid.\n")


def test_errors_reach_a_user_without_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "lcspr", "list"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("Error: no lcspr.toml in ")
    assert "Traceback" not in done.stderr


def test_version():
    from lcspr import __version__

    result = run(None, "--version")
    assert (result.exit_code, result.output) == (0, f"lcspr, version {__version__}\n")


def test_every_command_has_help():
    from lcspr.cli import cli

    for name, command in cli.commands.items():
        assert command.help, f"`lcspr {name}` has no help text"
        result = run(None, name, "--help")
        assert result.exit_code == 0 and command.help.split("\n")[0] in " ".join(result.output.split())


def test_help_lists_the_commands():
    result = run(None, "--help")
    assert result.exit_code == 0
    for name in ("init", "new-case", "validate", "list", "show"):
        assert f"  {name} " in result.output
    assert "--repo" in result.output


BAD_INPUT = [
    ("new-case", "--title", "Child D", "--referred-by", "polce", "--received", "2026-01-05"),
    ("new-case", "--title", "Child D", "--referred-by", "../police", "--received", "2026-01-05"),
    ("new-case", "--title", "Child D", "--referred-by", "police", "--received", "2026-02-30"),
    ("new-case", "--title", "Child D", "--referred-by", "police", "--serious-incident", "--aware", "2026-13-01"),
    ("new-case", "--title", "Jane Smith", "--referred-by", "police", "--received", "2026-01-05"),
    ("new-case", "--referred-by", "police"),
    ("show", "LIG-2026-009"),
    ("show", "../../etc/passwd"),
    ("validate", "LIG-2026-0001"),
    ("validate", "LIG-2026-001/.."),
    ("list", "--format", "xml"),
    ("init", "."),
    ("init", "elsewhere", "--prefix", "lig"),
]


@pytest.mark.parametrize("args", BAD_INPUT, ids=lambda a: " ".join(a))
def test_bad_input_never_shows_a_traceback(examples_root, args):
    done = subprocess.run([sys.executable, "-m", "lcspr", *args], capture_output=True, text=True,
                          cwd=examples_root, stdin=subprocess.DEVNULL)
    assert done.returncode in (1, 2)
    assert done.stderr.startswith("Error: ") or "Error: " in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not (examples_root / "cases" / "LIG-2026-004").exists()


def test_no_git_identity_never_shows_a_traceback(examples_root, tmp_path, monkeypatch):
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    for args in (("new-case", "--title", "Child D", "--referred-by", "police"),
                 ("init", str(tmp_path / "new"), "--partnership", "Example SCP")):
        done = subprocess.run([sys.executable, "-m", "lcspr", *args], capture_output=True, text=True, cwd=examples_root)
        assert done.returncode == 1
        assert "git config --global user.name" in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "new").exists()
    assert not (examples_root / "cases" / "LIG-2026-004").exists()


def test_a_broken_case_file_never_shows_a_traceback(examples_root):
    (examples_root / "cases/LIG-2026-001/case.md").write_text("---\nid: [\n---\n")
    for args in (("validate",), ("list",), ("show", "LIG-2026-001")):
        done = subprocess.run([sys.executable, "-m", "lcspr", *args], capture_output=True, text=True, cwd=examples_root)
        assert "Traceback" not in done.stdout + done.stderr


def test_output_closed_early_ends_quietly(examples_root):
    """`lcspr log | head -1`: the reader goes away; lcspr stops without a word."""
    for args in (["log"], ["list"], ["show", "LIG-2026-001"]):
        process = subprocess.Popen([sys.executable, "-m", "lcspr", "--repo", str(examples_root), *args],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout is not None
        process.stdout.close()  # before lcspr writes anything: every write finds no reader
        err = process.stderr.read().decode() if process.stderr else ""
        process.wait(timeout=60)
        assert "failed unexpectedly" not in err and "Traceback" not in err, err
        assert err == "", err
        assert process.returncode == 141, (args, err)


def test_files_lcspr_creates_follow_the_umask(examples_root):
    import os
    import stat

    old = os.umask(0o027)
    try:
        result = run(examples_root, "new-case", "--title", "Child E", "--referred-by", "police",
                     "--received", "2026-11-02")
        assert result.exit_code == 0, result.output
        result = run(examples_root, "render", "LIG-2026-001", "report")
        assert result.exit_code == 0, result.output
    finally:
        os.umask(old)
    case_md = examples_root / "cases" / "LIG-2026-004" / "case.md"
    assert stat.S_IMODE(case_md.stat().st_mode) == 0o640
    docs = list((examples_root / "drafts").rglob("*.docx"))
    assert docs and all(stat.S_IMODE(p.stat().st_mode) == 0o640 for p in docs)
