"""Settings read one way, always checked (the check remembered by the file's content),
and lcspr working where fcntl does not exist (Windows)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tomllib

import pytest

from conftest import run


def settings_line(root, key: str) -> int:
    return next(i for i, line in enumerate((root / "lcspr.toml").read_text().splitlines(), 1) if line.startswith(key))


@pytest.mark.parametrize("args", [("list",), ("due",), ("show", "LIG-2026-001"), ("validate",), ("log",)])
def test_every_command_reports_bad_settings_at_their_line(examples_root, args):
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text().replace('rapid_review_day0 = "awareness"', 'rapid_review_day0 = "bogus"'))
    result = run(examples_root, *args)
    assert result.exit_code == 1, result.output
    line = settings_line(examples_root, "rapid_review_day0")
    assert f"lcspr.toml:{line}: calendar.rapid_review_day0: 'bogus' is not one of the allowed values" in result.output
    assert "unexpectedly" not in result.output


def test_the_check_is_remembered_by_content_not_skipped(examples_root):
    memo = examples_root / ".git" / "lcspr" / "memo" / "settings.json"
    assert run(examples_root, "list").exit_code == 0

    def texts() -> list[str]:
        """The texts kept as checked; each with what it parsed to (JSON gives TOML's data back exactly)."""
        kept = json.loads(memo.read_text())["entries"]["lcspr.toml"]
        assert all(parsed == tomllib.loads(text) for text, parsed in kept)
        return [text for text, _ in kept]

    remembered = texts()
    assert remembered == [(examples_root / "lcspr.toml").read_text()]  # the whole text, not a digest of it
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text().replace('division = "england"', 'division = "wales"'))
    assert run(examples_root, "list").exit_code == 0
    assert texts() == [toml.read_text(), *remembered]  # the new text was checked once
    toml.write_text(toml.read_text().replace('division = "wales"', 'division = "atlantis"'))
    result = run(examples_root, "list")
    assert result.exit_code == 1 and "calendar.division" in result.output
    assert len(texts()) == 2  # a failed check is not remembered


def test_each_default_is_written_once():
    """The defaults live in the Config model; the new lcspr.toml is rendered from the same values."""
    import dataclasses
    import tomllib

    from lcspr import config

    written = tomllib.loads(config.render_default("Example SCP", "LIG"))
    defaults = {f.name: f.default for f in dataclasses.fields(config.Config) if f.default is not dataclasses.MISSING}
    assert written["calendar"]["rapid_review_day0"] == defaults["rapid_review_day0"]
    assert written["calendar"]["response_working_days"] == defaults["response_working_days"]
    assert written["default_role"] == defaults["default_role"]
    assert written["health_commissioner"] == defaults["health_commissioner"]


WITHOUT_FCNTL = textwrap.dedent(
    """
    import sys
    class NoFcntl:
        def find_spec(self, name, path=None, target=None):
            if name == "fcntl":
                raise ModuleNotFoundError("No module named 'fcntl'", name="fcntl")
            return None
    sys.modules.pop("fcntl", None)
    sys.meta_path.insert(0, NoFcntl())
    import filelock
    filelock.FileLock = filelock.SoftFileLock   # what filelock uses where fcntl is missing
    from lcspr.cli import main
    sys.argv = ["lcspr", *sys.argv[1:]]
    main()
    """
)


def test_commands_work_without_fcntl(examples_root):
    """As on Windows: no fcntl anywhere; the lock, the writes and the reads still work."""
    def lcspr(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", WITHOUT_FCNTL, "--repo", str(examples_root), *args],
                              capture_output=True, text=True)

    probe = subprocess.run([sys.executable, "-c", WITHOUT_FCNTL.split("import filelock")[0] + "import fcntl"],
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "No module named 'fcntl'" in probe.stderr  # the simulation holds
    for args in (["--help"], ["list"], ["validate"], ["show", "LIG-2026-001"]):
        done = lcspr(*args)
        assert done.returncode == 0, (args, done.stderr)
    done = lcspr("new-case", "--title", "Child E", "--referred-by", "police", "--received", "2026-11-02")
    assert done.returncode == 0, done.stderr
    assert "Opened LIG-2026-004" in done.stdout
    done = lcspr("advance", "LIG-2026-004", "screening", "--reason", "Forms requested.", "--on", "2026-11-03",
                 "--set", "agencies_involved=[police]")
    assert done.returncode == 0, done.stderr
    assert not (examples_root / ".git" / "lcspr.lock").exists()


def test_sigterm_while_recording_leaves_nothing_half_written(examples_root):
    """`kill` lcspr while it commits (held in a slow pre-commit hook): the case is put back."""
    import os
    import signal
    import time

    from conftest import git, head

    hooks = examples_root / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    started = examples_root.parent / "hook-started"
    (hooks / "pre-commit").write_text(f"#!/bin/sh\ntouch '{started}'\nsleep 5\n", encoding="utf-8")
    (hooks / "pre-commit").chmod(0o755)
    before = head(examples_root)
    process = subprocess.Popen(
        [sys.executable, "-m", "lcspr", "--repo", str(examples_root), "advance", "LIG-2026-003", "screening",
         "--set", "agencies_involved=[police]", "--reason", "Accepted.", "--on", "2026-11-25"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "LCSPR_DEBUG": ""})
    for _ in range(600):
        if started.exists():
            break
        time.sleep(0.05)
    assert started.exists(), "the commit never started"
    assert git(examples_root, "diff", "HEAD", "--stat", "--", "cases/LIG-2026-003")  # written, not committed
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Cancelled; nothing was written." in err and "Traceback" not in err
    assert head(examples_root) == before
    assert git(examples_root, "diff", "HEAD", "--stat", "--", "cases/LIG-2026-003") == ""
    assert not list((examples_root / "cases" / "LIG-2026-003").rglob("*.tmp"))
    assert not (examples_root / "cases" / "LIG-2026-003" / "responses" / "police.md").exists()
