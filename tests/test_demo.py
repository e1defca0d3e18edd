"""The README's walk-through runs as written: `make demo` and this test run its blocks
(lcspr/demo.py reads them from README.md), so the README and the demo are one story."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import PROJECT, git
from lcspr import demo

README = PROJECT / "README.md"


def test_the_readme_walkthrough_runs_as_written(tmp_path):
    folder = tmp_path / "demo"
    done = subprocess.run([sys.executable, "-m", "lcspr.demo", str(folder), str(README)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    records = folder / "lcspr-records"  # `lcspr init ~/lcspr-records`, with HOME in the demo folder
    subjects = git(records, "log", "--format=%s", "--", "cases/LIG-2026-001/case.md").splitlines()
    assert subjects[0] == "LIG-2026-001: pre-publication -> published"
    documents = sorted(p.name for p in (records / "cases/LIG-2026-001/documents").iterdir())
    assert documents == [
        "LIG-2026-001-review-report-board-approval-2.docx",
        "LIG-2026-001-review-report-board-approval.docx",
        "LIG-2026-001-review-report-pre-publication.docx",
    ]
    # The reviewer's files were written as the README shows them, and committed by hand.
    referral = (records / "cases/LIG-2026-001/referral.md").read_text(encoding="utf-8")
    assert referral in README.read_text(encoding="utf-8")
    # The edit after approval was refused, with the way back.
    assert "the report changed since it was approved" in done.stdout
    assert git(records, "status", "--porcelain") == ""


def test_the_walkthrough_is_read_from_the_readme():
    steps = demo.steps(README.read_text(encoding="utf-8"))
    commands = [s.line for s in steps if isinstance(s, demo.Command)]
    files = [s.path for s in steps if isinstance(s, demo.File)]
    assert commands[0].startswith("lcspr init ~/lcspr-records")
    assert any(c.startswith("lcspr advance LIG-2026-001 published") for c in commands)
    assert files[0] == "cases/LIG-2026-001/referral.md" and "cases/LIG-2026-001/report.md" in files
    refused = [s for s in steps if isinstance(s, demo.Command) and s.refused]
    assert len(refused) == 1 and "pre-publication" in refused[0].line


def test_a_readme_that_says_otherwise_stops_the_demo(tmp_path):
    text = f"""{demo.SECTION}

```sh
git init -q here
#> Initialized a repository that says something else
```
"""
    readme = tmp_path / "README.md"
    readme.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit, match="did not print: Initialized a repository"):
        demo.run(tmp_path / "demo", readme, out=lambda text: None)
