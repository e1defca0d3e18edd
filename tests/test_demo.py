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
    assert "| Notifications made within 5 working days of becoming aware | 66.7% (2 of 3) |" in done.stdout
    subjects = git(folder, "log", "--format=%s", "--", "cases/LIG-2026-004/case.md").splitlines()
    assert subjects[0] == "LIG-2026-004: pre-publication -> published"
    documents = sorted(p.name for p in (folder / "cases/LIG-2026-004/documents").iterdir())
    assert documents == [
        "LIG-2026-004-review-report-board-approval-2.docx",
        "LIG-2026-004-review-report-board-approval.docx",
        "LIG-2026-004-review-report-pre-publication.docx",
    ]
    # The report sent to the board was committed with that decision.
    sent = git(folder, "show", "--name-only", "--format=%s", ":/report-drafting -> board-approval")
    assert "cases/LIG-2026-004/documents/LIG-2026-004-review-report-board-approval.docx" in sent
    # The edit after approval was refused at pre-publication, with the way back.
    assert "the report changed since it was approved" in done.stderr
    assert "report.md changed since approval on 2026-11-03" in done.stderr
    # Drafts went to drafts/ and the record is exactly as committed.
    drafts = sorted(p.name for p in (folder / "drafts/LIG-2026-004").iterdir())
    assert "LIG-2026-004-review-report.docx" in drafts and "LIG-2026-004-referral.docx" in drafts
    assert git(folder, "status", "--porcelain") == ""
