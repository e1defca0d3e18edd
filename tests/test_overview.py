"""`list` and `due` read a case again only when it changed (lcspr.overview)."""

from __future__ import annotations

import json
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


def out(root: Path, *args: str) -> str:
    result = run(root, *args)
    assert result.exit_code in (0, 3), result.output
    return result.output


def cache_file(root: Path) -> Path:
    return root / ".git" / "lcspr" / overview.CACHE_NAME


def test_an_unchanged_case_is_read_once_a_day(examples_root, read):
    listed = out(examples_root, "list", "--format", "json")
    assert read == IDS
    read.clear()
    assert out(examples_root, "list", "--format", "json") == listed
    due = out(examples_root, "due", "--format", "json")
    assert read == []  # due shares what list kept
    assert json.loads(due) and "git" not in json.dumps(json.loads(listed))  # nothing of the cache shows
    assert "overview-cache" not in run(examples_root, "validate").output
    # What was kept is what reading every case gives.
    repo = open_repository(examples_root)
    assert overview.overviews(repo) == overview.overviews(repo, cache=False)


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


def test_the_day_the_settings_and_the_holidays_release_are_part_of_the_key(examples_root, read, monkeypatch):
    from lcspr import calendar

    out(examples_root, "due")
    read.clear()
    out(examples_root, "due", "--on", "2026-12-02")
    assert read == IDS
    read.clear()
    monkeypatch.setattr(calendar, "holidays_release", lambda: "another release")
    out(examples_root, "due", "--on", "2026-12-02")
    assert read == IDS
    read.clear()
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    out(examples_root, "due", "--on", "2026-12-02")
    assert read == IDS


@pytest.mark.parametrize("damage", [
    "{not json",
    '{"identity": 1, "cases": []}',
    "SAME",  # the right identity, entries of the wrong shape
])
def test_a_damaged_cache_only_costs_a_reading(examples_root, read, damage):
    listed = out(examples_root, "list", "--format", "json")
    due = out(examples_root, "due", "--format", "json")
    saved = json.loads(cache_file(examples_root).read_text(encoding="utf-8"))
    if damage == "SAME":
        wrong = [{"key": [], "result": None}, {"case": {}, "due": [{"case": "LIG-2026-999"}], "problem": ""},
                 {"case": {}, "due": "x", "problem": ""}]
        for case_id, entry in zip(IDS, wrong):
            key = saved["cases"][case_id]["key"]
            saved["cases"][case_id] = entry if "key" in entry else {"key": key, "result": entry}
        damage = json.dumps(saved)
    cache_file(examples_root).write_text(damage, encoding="utf-8")
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
