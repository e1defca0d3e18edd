"""`lcspr validate` (issue 2, point 5)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import git, run
from lcspr import validation
from lcspr.errors import InvalidName, UnknownCase

KNOWN_AGENCIES = (
    "childrens-services, police, icb, acute-trust, community-health, mental-health, gp, ambulance, education, "
    "early-years, probation, youth-justice, housing, adult-social-care, substance-misuse, domestic-abuse"
)


def edit(root: Path, rel: str, old: str, new: str) -> Path:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, start: str) -> int:
    """1-based number of the first line of `path` starting with `start`."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(start))


def validate(root: Path, *ids: str) -> tuple[int, list[str]]:
    result = run(root, "validate", *ids)
    assert "Traceback" not in result.output
    return result.exit_code, result.output.splitlines()


def test_the_examples_are_valid(examples, examples_root):
    report = validation.validate(examples)
    assert report.ok and report.problems == []
    assert report.cases == ["LIG-2026-001", "LIG-2026-002", "LIG-2026-003"]
    assert validate(examples_root) == (0, ["3 case(s) valid."])


def test_an_empty_records_repository_is_valid(records_root):
    assert validate(records_root) == (0, ["0 case(s) valid."])


def test_misspelt_agency_in_a_list(examples_root):
    path = edit(examples_root, "cases/LIG-2026-002/referral.md",
                "agencies_involved: [education, childrens-services, police]",
                "agencies_involved:\n  - education\n  - polce\n  - police")
    line = line_of(path, "  - polce")
    assert validate(examples_root) == (1, [
        f"cases/LIG-2026-002/referral.md:{line}: agencies_involved[1]: 'polce' is not a known agency "
        f"(known: {KNOWN_AGENCIES}); did you mean 'police'?",
        "1 problem(s) in 1 of 3 case(s).",
    ])


def test_impossible_date(examples_root):
    path = edit(examples_root, "cases/LIG-2026-001/case.md", "  lig_decision: 2026-06-10", "  lig_decision: 2026-02-30")
    line = line_of(path, "  lig_decision: 2026-02-30")
    assert validate(examples_root) == (1, [
        f"cases/LIG-2026-001/case.md:{line}: dates.lig_decision: '2026-02-30' is not a real date: write it "
        "YYYY-MM-DD, e.g. 2026-11-26",
        "1 problem(s) in 1 of 3 case(s).",
    ])


def test_date_in_a_list_item(examples_root):
    path = edit(examples_root, "cases/LIG-2026-001/responses/police.md", "  - date: 2026-05-11", "  - date: 11/01/2026")
    line = line_of(path, "  - date: 11/01/2026")
    code, lines = validate(examples_root)
    assert lines[0] == (
        f"cases/LIG-2026-001/responses/police.md:{line}: chronology[1].date: '11/01/2026' is not a real date: "
        "write it YYYY-MM-DD, e.g. 2026-11-26"
    )


def test_yaml_1_1_words_are_not_booleans(examples_root):
    path = edit(examples_root, "cases/LIG-2026-002/case.md", "criminal_investigation: true", "criminal_investigation: yes")
    line = line_of(path, "criminal_investigation:")
    assert validate(examples_root, "LIG-2026-002") == (1, [
        f"cases/LIG-2026-002/case.md:{line}: criminal_investigation: 'yes' should be true or false",
        "1 problem(s) in 1 of 1 case(s).",
    ])


def test_missing_and_unknown_fields(examples_root):
    path = edit(examples_root, "cases/LIG-2026-003/case.md", "referred_by: acute-trust\n", "refered_by: acute-trust\n")
    line = line_of(path, "refered_by")
    code, lines = validate(examples_root, "LIG-2026-003")
    assert code == 1
    assert lines == [
        "cases/LIG-2026-003/case.md:2: `referred_by` is missing: add it",
        f"cases/LIG-2026-003/case.md:{line}: refered_by: `refered_by` is not a field here (fields: id, title, "
        "status, level, referred_by, subjects, agencies_involved, criminal_investigation, dates, serious_incident, "
        "lig_decision, safeguarding_leads, single_agency, workshop, reviewer, panel, practitioner_events, "
        "national_review, approval, pre_publication, publication, on_hold, publication_check, action_plan, themes, learning_shared); did you mean 'referred_by'?",
        "2 problem(s) in 1 of 1 case(s).",
    ]


def test_unknown_status_suggests_the_closest(examples_root):
    path = edit(examples_root, "cases/LIG-2026-003/case.md", "status: referral-received", "status: referal-received")
    code, lines = validate(examples_root, "LIG-2026-003")
    assert lines[0].startswith(f"cases/LIG-2026-003/case.md:{line_of(path, 'status:')}: status: 'referal-received' "
                               "is not a known status (known: referral-received, screening, ")
    assert lines[0].endswith("; did you mean 'referral-received'?")


def test_folder_name_and_id_disagree(examples_root):
    path = edit(examples_root, "cases/LIG-2026-003/case.md", "id: LIG-2026-003", "id: LIG-2026-009")
    referral = edit(examples_root, "cases/LIG-2026-003/referral.md", "case: LIG-2026-003", "case: LIG-2026-008")
    assert validate(examples_root) == (1, [
        f"cases/LIG-2026-003/case.md:{line_of(path, 'id:')}: id: says 'LIG-2026-009' but the file is in the "
        "folder of LIG-2026-003; make them agree",
        f"cases/LIG-2026-003/referral.md:{line_of(referral, 'case:')}: case: says 'LIG-2026-008' but the file is "
        "in the folder of LIG-2026-003; make them agree",
        "2 problem(s) in 1 of 3 case(s).",
    ])


def test_a_case_folder_copied_under_another_name(examples_root):
    import shutil

    shutil.copytree(examples_root / "cases/LIG-2026-003", examples_root / "cases/LIG-2026-004")
    code, lines = validate(examples_root, "LIG-2026-004")
    assert code == 1
    assert lines[0].startswith("cases/LIG-2026-004/case.md:3: id: says 'LIG-2026-003' but the file is in the folder")


def test_response_named_for_an_unknown_agency(examples_root):
    responses = examples_root / "cases/LIG-2026-002/responses"
    (responses / "education.md").rename(responses / "educaton.md")
    assert validate(examples_root) == (1, [
        "cases/LIG-2026-002/responses/educaton.md:1: the file name must be an agency ID: 'educaton' is not a "
        f"known agency (known: {KNOWN_AGENCIES}); did you mean 'education'?",
        "1 problem(s) in 1 of 3 case(s).",
    ])


def test_response_file_name_that_is_not_an_agency_id(examples_root):
    responses = examples_root / "cases/LIG-2026-002/responses"
    (responses / "education.md").rename(responses / "Education Dept.md")
    code, lines = validate(examples_root)
    assert lines[0] == (
        "cases/LIG-2026-002/responses/Education Dept.md:1: the file name must be an agency ID: 'Education Dept' "
        "is not an agency ID: use lower-case words joined by hyphens, as listed in lcspr.toml [agencies] "
        "(no slashes or '..')."
    )


def test_response_whose_agency_is_not_its_file_name(examples_root):
    path = edit(examples_root, "cases/LIG-2026-001/responses/police.md", "agency: police", "agency: icb")
    assert validate(examples_root, "LIG-2026-001") == (1, [
        f"cases/LIG-2026-001/responses/police.md:{line_of(path, 'agency:')}: agency: says 'icb' but the file is "
        "named for 'police'; make them agree",
        "1 problem(s) in 1 of 1 case(s).",
    ])


def test_a_file_that_cannot_be_parsed_does_not_stop_the_others(examples_root):
    edit(examples_root, "cases/LIG-2026-001/report.md", "title: \"Local", "title: \"Local\" x")
    edit(examples_root, "cases/LIG-2026-002/case.md", "---\n", "")
    code, lines = validate(examples_root)
    assert code == 1
    assert lines[0].startswith("cases/LIG-2026-001/report.md:3: the frontmatter is not valid YAML, column 16: ")
    assert lines[1] == (
        "cases/LIG-2026-002/case.md:1: no frontmatter: the file must start with a line `---`, then the YAML "
        "fields, then another `---` line, then the Markdown text."
    )
    assert lines[-1] == "2 problem(s) in 2 of 3 case(s)."


def test_frontmatter_that_is_a_list(examples_root):
    (examples_root / "cases/LIG-2026-003/referral.md").write_text("---\n- case: LIG-2026-003\n---\nbody\n")
    assert validate(examples_root, "LIG-2026-003") == (1, [
        "cases/LIG-2026-003/referral.md:2: the frontmatter must be a mapping of `field: value` lines, not a list.",
        "1 problem(s) in 1 of 1 case(s).",
    ])


def test_conflict_markers_left_in_a_file(examples_root):
    edit(examples_root, "cases/LIG-2026-003/case.md", "status: referral-received\n",
         "<<<<<<< HEAD\nstatus: referral-received\n=======\nstatus: screening\n>>>>>>> other\n")
    path = examples_root / "cases/LIG-2026-003/case.md"
    assert validate(examples_root) == (1, [
        f"cases/LIG-2026-003/case.md:{line_of(path, '<<<<<<<')}: holds Git conflict markers: resolve the merge "
        "conflict first",
        "1 problem(s) in 1 of 3 case(s).",
    ])


def test_a_markdown_heading_underline_is_not_a_conflict_marker(examples_root):
    edit(examples_root, "cases/LIG-2026-003/case.md", "# LIG-2026-003: Baby C\n", "Summary\n=======\n")
    assert validate(examples_root) == (0, ["3 case(s) valid."])


def test_folders_that_are_not_cases(examples_root):
    (examples_root / "cases/LIG-2026-005").mkdir()
    (examples_root / "cases/LIG-2026-005/notes.txt").write_text("x")
    (examples_root / "cases/drafts").mkdir()
    assert validate(examples_root) == (1, [
        "cases/LIG-2026-005: has no case.md: every case folder needs one",
        "cases/drafts: the folder name is not a case ID: 'drafts' is not a case ID: write it like LIG-2026-004 "
        "(prefix, year, number; no spaces, slashes or '..').",
        "2 problem(s) in 2 of 5 case(s).",
    ])


# --- naming cases ---------------------------------------------------------------------


def test_validate_one_case(examples_root):
    edit(examples_root, "cases/LIG-2026-001/case.md", "  lig_decision: 2026-06-10", "  lig_decision: 2026-02-30")
    assert validate(examples_root, "LIG-2026-002") == (0, ["1 case(s) valid."])
    assert validate(examples_root, "LIG-2026-002", "LIG-2026-003", "LIG-2026-002") == (0, ["2 case(s) valid."])
    code, lines = validate(examples_root, "LIG-2026-001", "LIG-2026-001")
    assert code == 1 and len(lines) == 2 and lines[-1] == "1 problem(s) in 1 of 1 case(s)."


@pytest.mark.parametrize(
    "case_id, message",
    [
        ("LIG-2026-004", "no case LIG-2026-004 in {cases}; did you mean LIG-2026-003?"),
        ("LIG-2026-01", "no case LIG-2026-01 in {cases}; did you mean LIG-2026-001?"),
        ("lig-2026-002", "no case lig-2026-002 in {cases}; did you mean LIG-2026-002?"),
        ("XYZ-1999-999", "no case XYZ-1999-999 in {cases}; `lcspr list` shows the cases"),
        ("../LIG-2026-001", "'../LIG-2026-001' is not a case ID: write it like LIG-2026-004 (prefix, year, number; "
                            "no spaces, slashes or '..')."),
        ("LIG-2026-001/..", "'LIG-2026-001/..' is not a case ID: write it like LIG-2026-004 (prefix, year, number; "
                            "no spaces, slashes or '..')."),
        ("nonsense", "'nonsense' is not a case ID: write it like LIG-2026-004 (prefix, year, number; "
                     "no spaces, slashes or '..')."),
    ],
)
def test_unknown_or_unsafe_case_id(examples_root, case_id, message):
    result = run(examples_root, "validate", case_id)
    assert result.exit_code == 2
    assert result.output == "Error: " + message.format(cases=examples_root / "cases") + "\n"


def test_unknown_case_from_the_library(examples):
    with pytest.raises(UnknownCase):
        validation.validate(examples, ["LIG-2026-009"])
    with pytest.raises(InvalidName):
        validation.validate(examples, ["../../etc"])


# --- two branches that opened the same ID ---------------------------------------------


def open_case(root: Path, title: str, agency: str) -> str:
    result = run(root, "new-case", "--title", title, "--referred-by", agency, "--received", "2026-11-02", "--format", "json")
    assert result.exit_code == 0, result.output
    return git(root, "rev-parse", "--short=10", "HEAD").strip()


def test_the_same_id_opened_on_two_merged_branches(examples_root, fixed_today):
    root = examples_root
    git(root, "switch", "-q", "-c", "secretariat-a")
    first = open_case(root, "Child D", "police")
    git(root, "switch", "-q", "main")
    git(root, "switch", "-q", "-c", "secretariat-b")
    second = open_case(root, "Child E", "icb")
    git(root, "switch", "-q", "main")
    git(root, "merge", "-q", "secretariat-a")
    merge = subprocess.run(["git", "-C", str(root), "merge", "secretariat-b"], capture_output=True, text=True)
    assert merge.returncode != 0  # both added cases/LIG-2026-004/*
    git(root, "checkout", "--ours", "--", "cases")
    git(root, "add", "cases")
    git(root, "commit", "-q", "--no-edit")

    code, lines = validate(root)
    assert code == 1
    commits = sorted([first, second])
    assert len(lines) == 2
    assert lines[0].startswith("cases/LIG-2026-004/case.md:2: id: LIG-2026-004 was opened twice, by commits ")
    assert sorted(lines[0].split("by commits ")[1].split(" (")[0].split(", ")) == commits
    assert lines[0].endswith(
        "(two branches allocated the same ID). Open the other case again with `lcspr new-case`, move its files "
        "to the new folder, and commit that with the trailers `git commit --trailer 'Lcspr-Case: LIG-2026-004' "
        "--trailer 'Lcspr-Action: reallocate'`."
    )
    assert lines[1] == "1 problem(s) in 1 of 4 case(s)."
    assert validate(root, "LIG-2026-003") == (0, ["1 case(s) valid."])

    # Following the advice clears the problem.
    open_case(root, "Child E", "icb")
    git(root, "commit", "-q", "--allow-empty", "-m", "Child E's case was opened twice: its files are in LIG-2026-005",
        "--trailer", "Lcspr-Case: LIG-2026-004", "--trailer", "Lcspr-Action: reallocate")
    assert validate(root) == (0, ["5 case(s) valid."])


# --- results kept between runs ---------------------------------------------------------------


@pytest.fixture
def checked(monkeypatch):
    """The case IDs `check_case` actually reads, run by run."""
    from lcspr import validation

    seen: list[str] = []
    real = validation.check_case

    def counting(repo, case_id):
        seen.append(case_id)
        return real(repo, case_id)

    monkeypatch.setattr(validation, "check_case", counting)
    return seen


def test_an_unchanged_case_is_not_read_again(examples_root, checked):
    from lcspr.repository import open_repository
    from lcspr.validation import validate as validate_cases

    first = validate_cases(open_repository(examples_root))
    assert sorted(checked) == ["LIG-2026-001", "LIG-2026-002", "LIG-2026-003"]
    checked.clear()
    assert validate_cases(open_repository(examples_root)).problems == first.problems
    assert checked == []
    # An edit (uncommitted) re-checks that case alone, and its problem is reported.
    path = examples_root / "cases" / "LIG-2026-002" / "case.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: partnership-workshop", "status: limbo"),
                    encoding="utf-8")
    report = validate_cases(open_repository(examples_root))
    assert checked == ["LIG-2026-002"]
    assert [p.message.split(" (")[0] for p in report.problems] == ["'limbo' is not a known status"]
    checked.clear()
    again = validate_cases(open_repository(examples_root))
    assert checked == [] and again.problems == report.problems  # a problem is kept too
    # A new file in a case (a stray one here) is part of its key.
    (examples_root / "cases" / "LIG-2026-003" / "notes.txt").write_text("x\n", encoding="utf-8")
    validate_cases(open_repository(examples_root))
    assert checked == ["LIG-2026-003"]


def test_any_change_to_the_shared_inputs_checks_every_case_again(examples_root, checked):
    from lcspr.repository import open_repository
    from lcspr.validation import validate as validate_cases

    validate_cases(open_repository(examples_root))
    checked.clear()
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    validate_cases(open_repository(examples_root))
    assert len(checked) == 3
    checked.clear()
    validate_cases(open_repository(examples_root), cache=False)
    assert len(checked) == 3


def _on_day(monkeypatch, day):
    """Make `day` today for validation and for the schemas' `past-date` check."""
    from datetime import date

    from lcspr import schemas, validation

    class Day(date):
        @classmethod
        def today(cls) -> date:
            return day

    monkeypatch.setattr(validation, "date", Day)
    monkeypatch.setattr(schemas, "date", Day)


def test_a_valid_case_stays_valid_on_later_days_and_a_problem_is_looked_at_again(examples_root, checked,
                                                                                 monkeypatch):
    from datetime import date

    from lcspr.repository import open_repository
    from lcspr.validation import validate as validate_cases

    # LIG-2026-002 received on a day that is still in the future on the 1st.
    path = examples_root / "cases" / "LIG-2026-002" / "case.md"
    path.write_text(path.read_text(encoding="utf-8").replace("received: 2026-08-03", "received: 2026-12-02"),
                    encoding="utf-8")
    _on_day(monkeypatch, date(2026, 12, 1))
    first = validate_cases(open_repository(examples_root))
    assert len(checked) == 3
    assert [(p.file, p.where) for p in first.problems] == [("cases/LIG-2026-002/case.md", "dates.received")]
    assert "today is 2026-12-01" in first.problems[0].message
    checked.clear()
    assert validate_cases(open_repository(examples_root)).problems == first.problems  # the same day: all kept
    assert checked == []

    # The next day the date is today: only the case that had a problem is read again, and it has none now;
    # the two found valid yesterday are valid today without being read.
    _on_day(monkeypatch, date(2026, 12, 2))
    assert validate_cases(open_repository(examples_root)).problems == []
    assert checked == ["LIG-2026-002"]
    checked.clear()
    _on_day(monkeypatch, date(2027, 6, 30))
    assert validate_cases(open_repository(examples_root)).problems == []
    assert checked == []

    # Should the clock go back, no verdict made on a later day is trusted: LIG-2026-002's of the 2nd
    # on the 1st, and then all three on the 30th.
    _on_day(monkeypatch, date(2026, 12, 1))
    again = validate_cases(open_repository(examples_root))
    assert checked == ["LIG-2026-002"]
    assert again.problems == first.problems
    checked.clear()
    _on_day(monkeypatch, date(2026, 11, 30))
    validate_cases(open_repository(examples_root))
    assert sorted(checked) == ["LIG-2026-001", "LIG-2026-002", "LIG-2026-003"]


def test_a_damaged_verdict_is_no_verdict(examples_root, checked):
    import json

    from lcspr.repository import open_repository
    from lcspr.validation import validate as validate_cases

    validate_cases(open_repository(examples_root))
    cache = examples_root / ".git" / "lcspr" / "validate-cache.json"
    saved = json.loads(cache.read_text(encoding="utf-8"))
    results = [entry["result"] for entry in saved["cases"].values()]
    assert all(result["problems"] == [] for result in results)
    wrong = [None, [], {"problems": []}, {"day": "yesterday", "problems": []}, {"day": "2026-11-26"},
             {"day": "2026-11-26", "problems": [["case.md", "one", "", "x"]]}]
    for damaged in wrong:
        checked.clear()
        for entry in saved["cases"].values():
            entry["result"] = damaged
        cache.write_text(json.dumps(saved), encoding="utf-8")
        assert validate_cases(open_repository(examples_root)).problems == [], damaged
        assert len(checked) == 3, damaged


def test_validate_no_cache_and_a_broken_cache_file(examples_root):
    assert run(examples_root, "validate").exit_code == 0
    cache = examples_root / ".git" / "lcspr" / "validate-cache.json"
    assert cache.is_file()
    assert "validate-cache" not in git(examples_root, "status", "--porcelain", "--ignored")
    cache.write_text("{not json", encoding="utf-8")
    result = run(examples_root, "validate")
    assert (result.exit_code, result.output) == (0, "3 case(s) valid.\n")
    assert run(examples_root, "validate", "--no-cache").output == "3 case(s) valid.\n"


def test_two_validations_at_once_leave_a_whole_cache(examples_root):
    import json
    import subprocess
    import sys

    command = [sys.executable, "-m", "lcspr", "--repo", str(examples_root), "validate"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    saved = json.loads((examples_root / ".git" / "lcspr" / "validate-cache.json").read_text(encoding="utf-8"))
    assert sorted(saved["cases"]) == ["LIG-2026-001", "LIG-2026-002", "LIG-2026-003"]
