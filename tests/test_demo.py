"""`make demo` runs lcspr/demo.py: the whole case must keep working end to end."""

from __future__ import annotations

import subprocess
import sys

from conftest import EXAMPLES, git


def test_demo_carries_a_case_from_referral_to_publication(tmp_path):
    folder = tmp_path / "demo"
    done = subprocess.run([sys.executable, "-m", "lcspr.demo", str(folder), str(EXAMPLES)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "LIG-2026-004: pre-publication -> published" in done.stdout
    assert "the trail is whole" in done.stdout
    subjects = git(folder, "log", "--format=%s", "--", "cases/LIG-2026-004/case.md").splitlines()
    assert subjects[0] == "LIG-2026-004: pre-publication -> published"
    documents = sorted(p.name for p in (folder / "cases/LIG-2026-004/documents").iterdir())
    assert documents == [
        "LIG-2026-004-referral.docx",
        "LIG-2026-004-response-childrens-services.docx",
        "LIG-2026-004-response-education.docx",
        "LIG-2026-004-response-police.docx",
        "LIG-2026-004-review-report.docx",
    ]
    # The report sent to the board was committed with that decision.
    sent = git(folder, "show", "--name-only", "--format=%s", ":/report-drafting -> board-approval")
    assert "cases/LIG-2026-004/documents/LIG-2026-004-review-report.docx" in sent
