"""`list` and `due` read a case again only when it changed (lcspr.overview)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conftest import run
from lcspr import overview, records, results_cache
from lcspr.repository import open_repository

IDS = ["LIG-2026-001", "LIG-2026-002", "LIG-2026-003"]


@pytest.fixture
def read(monkeypatch, fixed_today) -> list[str]:
    """The case IDs whose files are actually read, run by run."""
    seen: list[str] = []
    real = records.read_case

    def counting(config, case_id, kinds=None, memo=False):
        seen.append(case_id)
        return real(config, case_id, kinds, memo)

    monkeypatch.setattr(records, "read_case", counting)
    return seen


@pytest.fixture
def counted(monkeypatch) -> list[str]:
    """The case IDs whose deadlines are actually counted, run by run."""
    seen: list[str] = []
    real = overview.open_deadlines

    def counting(config, workflow, case, **options):
        seen.append(case.id)
        return real(config, workflow, case, **options)

    monkeypatch.setattr(overview, "open_deadlines", counting)
    return seen


def out(root: Path, *args: str) -> str:
    result = run(root, *args)
    assert result.exit_code in (0, 3), result.output
    return result.output


def test_an_unchanged_case_is_read_once(examples_root, read, counted):
    listed = out(examples_root, "list", "--format", "json")
    assert read == IDS == counted
    read.clear(), counted.clear()
    assert out(examples_root, "list", "--format", "json") == listed
    due = out(examples_root, "due", "--format", "json")
    assert read == [] == counted  # the same day: due shares what list kept
    assert json.loads(due) and "git" not in json.dumps(json.loads(listed))  # nothing of the cache shows
    assert "overview-cache" not in run(examples_root, "validate").output
    # What was kept is what reading every case gives, today and on any other day.
    repo = open_repository(examples_root)
    assert overview.overviews(repo) == overview.overviews(repo, cache=False)
    for day in (date(2026, 12, 24), date(2027, 6, 1), date(2028, 1, 3)):
        assert overview.overviews(repo, day) == overview.overviews(repo, day, cache=False)


def test_an_edit_reads_that_case_alone_and_shows(examples_root, read):
    out(examples_root, "list")
    read.clear()
    path = examples_root / "cases" / "LIG-2026-002" / "case.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Child B", "title: Child B2"), encoding="utf-8")
    rows = json.loads(out(examples_root, "list", "--format", "json"))
    assert read == ["LIG-2026-002"] and rows[1]["title"] == "Child B2"
    read.clear()
    path.write_text("no frontmatter\n", encoding="utf-8")
    rows = json.loads(out(examples_root, "list", "--format", "json"))
    assert read == ["LIG-2026-002"] and rows[1]["status"] == "(unreadable)"
    read.clear()
    assert json.loads(out(examples_root, "list", "--format", "json")) == rows and read == []  # kept, broken too
    result = run(examples_root, "due")
    assert result.exit_code == 1 and "LIG-2026-002" in result.output and read == []


def test_a_file_gitignore_hides_is_still_part_of_the_key(examples_root, read):
    out(examples_root, "list")
    read.clear()
    (examples_root / ".git" / "info" / "exclude").write_text("stray.md\n", encoding="utf-8")
    (examples_root / "cases" / "LIG-2026-001" / "responses" / "stray.md").write_text("no frontmatter\n",
                                                                                        encoding="utf-8")
    keys = results_cache.case_keys(examples_root)
    stray = [entry for entry in keys["LIG-2026-001"] if entry[0] == "responses/stray.md"]
    assert stray and stray[0][1] == "file" and len(stray[0][2]) == 64  # SHA-256 of what is on disk
    rows = json.loads(out(examples_root, "list", "--format", "json"))
    assert read == ["LIG-2026-001"] and rows[0]["status"] == "(unreadable)"
    assert "stray.md" in rows[0]["problem"]


def test_another_day_counts_again_without_reading(examples_root, read, counted, monkeypatch):
    from lcspr import calendar

    today = json.loads(out(examples_root, "due", "--format", "json"))
    read.clear(), counted.clear()
    later = json.loads(out(examples_root, "due", "--on", "2026-12-02", "--format", "json"))
    assert read == [] and counted == IDS  # what the files said is kept; the days left are counted anew
    assert later != today and later == json.loads(run(examples_root, "due", "--on", "2026-12-02",
                                                      "--format", "json").output)
    for name in (overview.CACHE_NAME, overview.INPUTS_NAME):
        (examples_root / ".git" / "lcspr" / name).unlink()
    assert json.loads(out(examples_root, "due", "--on", "2026-12-02", "--format", "json")) == later
    read.clear(), counted.clear()
    monkeypatch.setattr(calendar, "holidays_release", lambda: "another release")  # may add a bank holiday
    out(examples_root, "due", "--on", "2026-12-02")
    assert read == [] and counted == IDS
    read.clear()
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    out(examples_root, "due", "--on", "2026-12-02")
    assert read == IDS


def test_of_a_response_only_the_fields_the_deadlines_read_are_kept(examples_root, read):
    out(examples_root, "list")
    saved = json.loads((examples_root / ".git" / "lcspr" / overview.INPUTS_NAME).read_text(encoding="utf-8"))
    inputs = saved["cases"]["LIG-2026-001"]["result"]
    responses = {kind: data for kind, data in inputs.items() if kind.startswith("response:")}
    assert responses and all(list(data) == ["date"] for data in responses.values())
    assert "chronology" not in json.dumps(saved) and inputs["case"]["id"] == "LIG-2026-001"


@pytest.mark.parametrize("damage", [
    "{not json",
    '{"identity": 1, "cases": []}',
    "SAME",  # the right identity, entries of the wrong shape
])
def test_a_damaged_cache_only_costs_a_reading(examples_root, read, damage):
    listed = out(examples_root, "list", "--format", "json")
    due = out(examples_root, "due", "--format", "json")
    for name, wrong in ((overview.CACHE_NAME, [None, {"case": {}, "due": [{"case": "LIG-2026-999"}], "problem": ""},
                                              {"case": {}, "due": "x", "problem": ""}]),
                        (overview.INPUTS_NAME, [{"case": "not a mapping"}, {"response:police": {}}, 7])):
        path = examples_root / ".git" / "lcspr" / name
        if damage == "SAME":
            saved = json.loads(path.read_text(encoding="utf-8"))
            for case_id, entry in zip(IDS, wrong):
                saved["cases"][case_id]["result"] = entry
            path.write_text(json.dumps(saved), encoding="utf-8")
        else:
            path.write_text(damage, encoding="utf-8")
    read.clear()
    assert out(examples_root, "list", "--format", "json") == listed
    assert out(examples_root, "due", "--format", "json") == due
    assert read == IDS


def test_outside_the_root_of_a_work_tree_nothing_is_kept(examples_root, read, tmp_path):
    import shutil

    repo = open_repository(examples_root)
    results_cache_open = results_cache.open_cache(repo, overview.CACHE_NAME)
    assert results_cache_open is not None and sorted(results_cache_open[1]) == IDS
    copy = tmp_path / "plain"
    shutil.copytree(examples_root, copy, ignore=shutil.ignore_patterns(".git"))
    assert results_cache.open_cache(open_repository(copy), overview.CACHE_NAME) is None
    out(copy, "list")
    out(copy, "list")
    assert read.count("LIG-2026-001") == 2  # no keys outside Git: read every time


def test_every_example_case_kept_counts_as_read_afresh(records_root, fixed_today):
    """Action plans, responses, serious incidents, holds: the kept inputs give every
    deadline that reading the files gives, on days across the cases' lives."""
    import shutil

    from conftest import PROJECT, git

    for folder in sorted((PROJECT / "cases").iterdir()):
        shutil.copytree(folder, records_root / "cases" / folder.name)
    git(records_root, "add", "-A")
    git(records_root, "commit", "-q", "-m", "the example cases")
    repo = open_repository(records_root)
    first = overview.overviews(repo)
    assert any(d.deadline.startswith("action ") for seen in first for d in seen.due)
    for day in (date(2025, 3, 3), date(2026, 12, 24), date(2027, 6, 1), date(2029, 1, 2)):
        kept = overview.overviews(repo, day)
        assert kept == overview.overviews(repo, day, cache=False)
        assert [seen.id for seen in kept] == sorted(p.name for p in (PROJECT / "cases").iterdir())


def test_a_clone_whose_git_folder_cannot_be_written_still_lists_and_validates(examples_root, read):
    """An auditor's read-only copy: nothing can be kept, and every command still answers."""
    import shutil

    shutil.rmtree(examples_root / ".git" / "lcspr", ignore_errors=True)
    (examples_root / ".git" / "lcspr").write_text("not a folder\n", encoding="utf-8")  # mkdir fails, as read-only
    listed = out(examples_root, "list", "--format", "json")
    assert json.loads(listed)[0]["id"] == IDS[0] and read == IDS
    assert run(examples_root, "due").exit_code in (0, 3)
    result = run(examples_root, "validate")
    assert (result.exit_code, result.output) == (0, "3 case(s) valid.\n")
