"""`lcspr list` and `lcspr show` (issue 2, point 6)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import PROJECT, run
from lcspr import listing

TABLE = (
    "ID            TITLE    STATUS                LEVEL    REFERRED BY         RECEIVED    NEXT DEADLINE\n"
    "LIG-2026-001  Child A  report-drafting       level-3  childrens-services  2026-05-14  2026-12-01 pre-publication (open)\n"
    "LIG-2026-002  Child B  partnership-workshop  level-2  education           2026-08-03  2027-03-08 publication (open)\n"
    "LIG-2026-003  Baby C   referral-received              acute-trust         2026-11-24  2026-11-30 notification (open)\n"
)

ROWS = [
    {"id": "LIG-2026-001", "title": "Child A", "status": "report-drafting", "level": "level-3",
     "referred_by": "childrens-services", "received": "2026-05-14",
     "next_deadline": "2026-12-01 pre-publication (open)"},
    {"id": "LIG-2026-002", "title": "Child B", "status": "partnership-workshop", "level": "level-2",
     "referred_by": "education", "received": "2026-08-03", "next_deadline": "2027-03-08 publication (open)"},
    {"id": "LIG-2026-003", "title": "Baby C", "status": "referral-received", "level": "",
     "referred_by": "acute-trust", "received": "2026-11-24", "next_deadline": "2026-11-30 notification (open)"},
]


@pytest.fixture(autouse=True)
def _today(fixed_today):
    """The next deadline in each row depends on today: fix it."""


def ok(root: Path | None, *args: str) -> str:
    result = run(root, *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_list_table(examples_root):
    assert ok(examples_root, "list") == TABLE


def test_list_json(examples_root):
    assert json.loads(ok(examples_root, "list", "--format", "json")) == ROWS


def test_list_csv(examples_root):
    out = ok(examples_root, "list", "--format", "csv")
    assert out.splitlines()[0] == "id,title,status,level,referred_by,received,next_deadline"
    assert list(csv.DictReader(io.StringIO(out))) == ROWS


def test_list_filters(examples_root):
    assert json.loads(ok(examples_root, "list", "--status", "partnership-workshop", "--format", "json")) == [ROWS[1]]
    assert json.loads(ok(examples_root, "list", "--level", "level-3", "--format", "json")) == [ROWS[0]]
    assert ok(examples_root, "list", "--status", "report-drafting", "--level", "level-2") == "(none)\n"
    assert ok(examples_root, "list", "--status", "referral-received") == (
        "ID            TITLE   STATUS             LEVEL  REFERRED BY  RECEIVED    NEXT DEADLINE\n"
        "LIG-2026-003  Baby C  referral-received         acute-trust  2026-11-24  2026-11-30 notification (open)\n"
    )


def test_list_of_no_cases(records_root):
    assert ok(records_root, "list") == "(none)\n"
    assert ok(records_root, "list", "--format", "json") == "[]\n"
    assert ok(records_root, "list", "--format", "csv") == "id,title,status,level,referred_by,received,next_deadline\n"


def test_list_bad_format(examples_root):
    result = run(examples_root, "list", "--format", "xml")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.output


def test_list_shows_a_case_it_cannot_read(examples_root):
    (examples_root / "cases/LIG-2026-002/case.md").write_text("no frontmatter\n")
    rows = json.loads(ok(examples_root, "list", "--format", "json"))
    assert rows[1] == {
        "id": "LIG-2026-002", "title": "", "status": "(unreadable)", "level": "", "referred_by": "", "received": "",
        "next_deadline": "", "problem": "cases/LIG-2026-002/case.md:1: no frontmatter: the file must start with a line `---`, then the "
                   "YAML fields, then another `---` line, then the Markdown text.",
    }
    assert "\nLIG-2026-002           (unreadable)\n" in ok(examples_root, "list")


def test_list_and_show_survive_fields_of_the_wrong_kind(examples_root):
    path = examples_root / "cases/LIG-2026-003/case.md"
    path.write_text(path.read_text().replace("dates:\n  received: 2026-11-24\n", "dates: [2026-11-24]\n"))
    rows = json.loads(ok(examples_root, "list", "--format", "json"))
    assert rows[2]["received"] == "" and rows[2]["status"] == "referral-received"
    out = ok(examples_root, "show", "LIG-2026-003")
    assert "  received:" not in out and "  folder:      cases/LIG-2026-003\n" in out


def test_list_from_a_subfolder(examples_root, monkeypatch):
    monkeypatch.chdir(examples_root / "cases" / "LIG-2026-001" / "responses")
    assert ok(None, "list") == TABLE


def test_list_in_the_project_checkout():
    out = ok(PROJECT, "list")
    assert out.startswith("ID ")
    for case_id in ("LIG-2026-001", "LIG-2026-002", "LIG-2026-003"):
        assert f"\n{case_id} " in out


def test_show_text(examples_root):
    assert ok(examples_root, "show", "LIG-2026-001") == (
        "LIG-2026-001: Child A\n"
        "  status:              report-drafting\n"
        "  level:               level-3\n"
        "  referred by:         childrens-services\n"
        "  received:            2026-05-14\n"
        "  responses requested: 2026-05-15\n"
        "  lig decision:        2026-06-10\n"
        "  planned publication: 2026-12-10\n"
        "  folder:              cases/LIG-2026-001\n"
        "  responses:           childrens-services, community-health, police\n"
        "  deadlines:\n"
        "    2026-12-01  Send the final report to the National Panel and the DfE: open, 3 working day(s) left\n"
        "    2026-12-10  Complete and publish the LCSPR: open, 10 working day(s) left\n"
    )
    assert ok(examples_root, "show", "LIG-2026-003") == (
        "LIG-2026-003: Baby C\n"
        "  status:      referral-received\n"
        "  level:       (not decided)\n"
        "  referred by: acute-trust\n"
        "  received:    2026-11-24\n"
        "  folder:      cases/LIG-2026-003\n"
        "  responses:   (none yet)\n"
        "  deadlines:\n"
        "    2026-11-30  Notify the National Panel of the serious incident: open, 2 working day(s) left\n"
        "    2026-12-14  Complete the rapid review and send it to the National Panel: open, 12 working day(s) left\n"
    )


def test_show_json(examples_root, examples):
    data = json.loads(ok(examples_root, "show", "LIG-2026-002", "--format", "json"))
    assert list(data) == ["id", "path", "case", "referral", "responses", "report", "deadlines",
                          "changed_since_approval"]
    assert data["id"] == "LIG-2026-002"
    assert data["path"] == "cases/LIG-2026-002"
    assert data["case"]["workshop"]["lead"]["agency"] == "adult-social-care"
    assert data["case"]["dates"]["received"] == "2026-08-03"  # a string, never a date object
    assert data["referral"]["referring_agency"] == "education"
    assert list(data["responses"]) == ["childrens-services", "education", "police"]
    assert data["report"] is None
    assert data == listing.show(examples, "LIG-2026-002")


def test_show_json_of_a_full_case(examples_root):
    data = json.loads(ok(examples_root, "show", "LIG-2026-001", "--format", "json"))
    assert sorted(data["responses"]) == ["childrens-services", "community-health", "police"]
    assert [r["id"] for r in data["report"]["recommendations"]] == ["R1", "R2", "R3"]


@pytest.mark.parametrize(
    "case_id, message",
    [
        ("LIG-2026-004", "no case LIG-2026-004 in {cases}; did you mean LIG-2026-003?"),
        ("LIG-2026-0001", "no case LIG-2026-0001 in {cases}; did you mean LIG-2026-001?"),
        ("../../etc", "'../../etc' is not a case ID: write it like LIG-2026-004 (prefix, year, number; no spaces, "
                      "slashes or '..')."),
        ("LIG-2026-001/../LIG-2026-002", "'LIG-2026-001/../LIG-2026-002' is not a case ID: write it like "
                                          "LIG-2026-004 (prefix, year, number; no spaces, slashes or '..')."),
    ],
)
def test_show_unknown_or_unsafe_case(examples_root, case_id, message):
    result = run(examples_root, "show", case_id)
    assert result.exit_code == 2
    assert result.output == "Error: " + message.format(cases=examples_root / "cases") + "\n"


def test_show_a_case_with_a_broken_file(examples_root):
    (examples_root / "cases/LIG-2026-001/report.md").write_text("---\ntitle: [a\n---\n")
    result = run(examples_root, "show", "LIG-2026-001")
    assert result.exit_code == 1
    assert result.output.startswith("Error: cases/LIG-2026-001/report.md:2: the frontmatter is not valid YAML, column 8: this `[` is never closed")
    assert "Traceback" not in result.output


def test_list_and_show_outside_a_records_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (("list",), ("show", "LIG-2026-001")):
        result = run(None, *args)
        assert result.exit_code == 1
        assert "`lcspr init PATH`" in result.output and "--repo" in result.output
        assert "Traceback" not in result.output


def test_list_and_due_read_only_the_files_they_need(examples_root, monkeypatch):
    from lcspr import mdfile

    read: list[str] = []
    real = mdfile.read
    monkeypatch.setattr(mdfile, "read", lambda path, display=None: read.append(path.name) or real(path, display))
    ok(examples_root, "list")
    assert read and "referral.md" not in read and "report.md" not in read
    assert {"case.md", "police.md"} <= set(read)  # responses: each agency's deadline stops on its reply
    read.clear()
    for kept in ("overview-cache.json", "overview-inputs.json"):  # else nothing is read again
        (examples_root / ".git" / "lcspr" / kept).unlink()
    run(examples_root, "due")
    assert read and "referral.md" not in read and "report.md" not in read


