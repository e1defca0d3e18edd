"""The read memo: `show` of an unchanged case parses nothing, and the memo never
stands in for a file whose text changed, never hides a problem, and never breaks a
command when it is damaged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, git, head, run

from lcspr import mdfile, read_memo

CASE = "LIG-2026-001"

# `lcspr show` in a process of its own, saying which parsers it loaded.
SHOW_PROBE = """
import sys
from lcspr.cli import main
sys.argv = ["lcspr", "--repo", sys.argv[1], "show", sys.argv[2]]
code = 0
try:
    main()
except SystemExit as done:
    code = done.code
print("\\n#", code, *sorted(m for m in ("yaml", "tomllib", "jsonschema", "hashlib") if m in sys.modules))
"""


def show_in_process(root: Path, case_id: str = CASE) -> tuple[str, list[str]]:
    """What `lcspr show` printed, and the exit code and parsers it loaded."""
    env = {key: value for key, value in os.environ.items() if key != "LCSPR_DEBUG"}
    done = subprocess.run([sys.executable, "-c", SHOW_PROBE, str(root), case_id], capture_output=True, text=True,
                          env=env, check=True)
    text, _, last = done.stdout.rpartition("\n# ")
    return text + done.stderr, last.split()


def memo_file(root: Path, name: str) -> Path:
    return root / ".git" / "lcspr" / "memo" / f"{name}.json"


def test_show_of_an_unchanged_case_parses_nothing(examples_root):
    first, loaded = show_in_process(examples_root)
    assert loaded[0] == "0" and "yaml" in loaded  # the first show parses, and keeps what it parsed
    again, loaded = show_in_process(examples_root)
    assert loaded == ["0"]  # no YAML, TOML, schema or digest library loaded
    assert again == first
    assert run(examples_root, "show", CASE, "--format", "json").exit_code == 0


def test_an_edited_file_is_parsed_again(examples_root):
    show_in_process(examples_root)
    case_md = examples_root / "cases" / CASE / "case.md"
    case_md.write_text(case_md.read_text(encoding="utf-8").replace("title: Child A", "title: Child A (edited)"),
                       encoding="utf-8")
    shown, loaded = show_in_process(examples_root)
    assert f"{CASE}: Child A (edited)" in shown and "yaml" in loaded
    # A problem written after the memo was made is reported, not hidden by it.
    case_md.write_text(case_md.read_text(encoding="utf-8").replace("status: ", "status: [unclosed ", 1),
                       encoding="utf-8")
    shown, loaded = show_in_process(examples_root)
    assert loaded[0] == "1" and f"cases/{CASE}/case.md:" in shown and "not valid YAML" in shown
    # Put back as it was, the text is the one kept: parsed from the memo again.
    case_md.write_text(case_md.read_text(encoding="utf-8").replace("status: [unclosed ", "status: ", 1),
                       encoding="utf-8")
    show_in_process(examples_root)
    assert show_in_process(examples_root)[1] == ["0"]


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.md")), ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_a_file_from_the_memo_is_the_file_parsed(tmp_path, path):
    (tmp_path / ".git").mkdir()
    memo = read_memo.Memo(tmp_path, "case")
    parsed = mdfile.read(path, "case.md")
    made = read_memo.read(memo, path, "case.md")
    memo.save()
    kept = read_memo.read(read_memo.Memo(tmp_path, "case"), path, "case.md")
    for md in (made, kept):
        assert (md.text, md.data, md.lines, md.body, md.fm_offset, md.fm_first_line) == \
            (parsed.text, parsed.data, parsed.lines, parsed.body, parsed.fm_offset, parsed.fm_first_line)
    assert [type(v) for v in kept.data.values()] == [type(v) for v in parsed.data.values()]


def test_what_json_would_not_give_back_is_not_kept(tmp_path):
    (tmp_path / ".git").mkdir()
    assert read_memo.plain({"a": [1, True, None, "x", {"b": -2}]})
    assert not read_memo.plain({1: "a number as a key"}) and not read_memo.plain({"a": 1.5})
    memo = read_memo.Memo(tmp_path, "settings")
    memo.put("lcspr.toml", "text", None)  # nothing to keep
    assert not memo.changed


@pytest.mark.parametrize("damage", ["{broken", "[]", '{"basis": 1, "entries": []}', "null"])
def test_a_damaged_memo_is_not_believed(examples_root, damage):
    first, _ = show_in_process(examples_root)
    for name in (CASE, "workflow", "settings"):
        memo_file(examples_root, name).write_text(damage, encoding="utf-8")
    again, loaded = show_in_process(examples_root)
    assert again == first and loaded[0] == "0"
    assert show_in_process(examples_root)[1] == ["0"]  # and it is made afresh


def test_entries_of_the_wrong_shape_are_not_believed(examples_root):
    first, _ = show_in_process(examples_root)
    path = memo_file(examples_root, CASE)
    saved = json.loads(path.read_text(encoding="utf-8"))
    for versions in saved["entries"].values():
        versions[0][1] = {"data": "not a mapping", "lines": 3}
    path.write_text(json.dumps(saved), encoding="utf-8")
    assert show_in_process(examples_root)[0] == first


def test_a_memo_of_another_version_is_not_read(examples_root):
    first, _ = show_in_process(examples_root)
    path = memo_file(examples_root, CASE)
    saved = json.loads(path.read_text(encoding="utf-8"))
    for versions in saved["entries"].values():
        versions[0][1]["data"] = {"title": "from another version"}
    path.write_text(json.dumps({**saved, "basis": saved["basis"].replace("lcspr ", "lcspr 0.0.0-")}),
                    encoding="utf-8")
    shown, loaded = show_in_process(examples_root)
    assert shown == first and "yaml" in loaded


def test_a_file_gone_from_the_case_is_forgotten(examples_root):
    show_in_process(examples_root)
    entries = json.loads(memo_file(examples_root, CASE).read_text(encoding="utf-8"))["entries"]
    response = next(name for name in entries if "/responses/" in name)
    (examples_root / response).unlink()
    shown, _ = show_in_process(examples_root)
    assert response not in json.loads(memo_file(examples_root, CASE).read_text(encoding="utf-8"))["entries"]
    assert Path(response).stem not in shown.split("responses:")[1].splitlines()[0]


def test_a_workflow_is_kept_only_once_checked(examples_root):
    workflow = examples_root / "workflow.yaml"
    text = (Path(mdfile.__file__).parent / "workflow.yaml").read_text(encoding="utf-8")
    workflow.write_text(text, encoding="utf-8")
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[overrides]\nworkflow = "workflow.yaml"\n', encoding="utf-8")
    assert run(examples_root, "show", CASE).exit_code == 0
    kept = json.loads(memo_file(examples_root, "workflow").read_text(encoding="utf-8"))["entries"]["workflow.yaml"]
    assert [entry[0] for entry in kept] == [text]
    # A workflow that fails its check is refused each time and never kept.
    workflow.write_text(text.replace("initial:", "initial_state:", 1), encoding="utf-8")
    for _ in range(2):
        result = run(examples_root, "show", CASE)
        assert result.exit_code == 1 and "workflow.yaml" in result.output
    kept = json.loads(memo_file(examples_root, "workflow").read_text(encoding="utf-8"))["entries"]["workflow.yaml"]
    assert [entry[0] for entry in kept] == [text]


def test_nothing_is_kept_where_git_is_not_a_folder(tmp_path):
    (tmp_path / ".git").write_text("gitdir: elsewhere\n", encoding="utf-8")  # a worktree's .git
    memo = read_memo.Memo(tmp_path, "settings")
    memo.put("lcspr.toml", "text", True)
    memo.save()
    assert memo.path is None and not (tmp_path / "elsewhere").exists()
    assert read_memo.Memo(tmp_path / "no-repository", "../escape").path is None


# --- approvals: read up to a commit, then only what is new --------------------------------


def approvals_memo(root: Path) -> tuple[str, list[dict]]:
    read_to, decisions = json.loads(memo_file(root, f"{CASE}.approvals").read_text(encoding="utf-8"))["entries"][
        "commits"][0]
    return read_to, decisions


def test_show_reads_only_the_decisions_made_since_it_last_looked(examples_root, monkeypatch):
    from test_record import add_finding, approve, ok

    from lcspr import history

    approve(examples_root)
    assert "approval:" not in ok(examples_root, "show", CASE)
    read_to, decisions = approvals_memo(examples_root)
    assert read_to == head(examples_root) and [d["target"] for d in decisions] == ["approved"]
    add_finding(examples_root)
    walked: list[str] = []
    real = history.walk
    monkeypatch.setattr(history, "walk", lambda root, **kw: walked.append(kw.get("revisions", "HEAD")) or real(root, **kw))
    assert "  approval: report.md changed since approval on 2026-11-23" in ok(examples_root, "show", CASE)
    assert walked == [f"{read_to}..{head(examples_root)}"]  # the new commit only
    walked.clear()
    ok(examples_root, "show", CASE)
    assert walked == []  # nothing new: nothing read
    assert approvals_memo(examples_root)[0] == head(examples_root)


def test_a_rewritten_history_is_read_again_in_full(examples_root):
    from test_record import approve, ok

    before = head(examples_root)
    approve(examples_root)
    ok(examples_root, "show", CASE)
    first = approvals_memo(examples_root)[1][0]["commit"]
    git(examples_root, "reset", "-q", "--hard", before)  # that approval is gone from the branch
    git(examples_root, "commit", "-q", "--allow-empty", "-m", "Something else first")
    approve(examples_root)  # and made again, in other commits
    assert "approval:" not in ok(examples_root, "show", CASE)
    read_to, decisions = approvals_memo(examples_root)
    assert read_to == head(examples_root)
    assert [d["commit"] for d in decisions] == [head(examples_root)] != [first]  # the lost one is not kept


def test_kept_decisions_of_the_wrong_shape_are_read_again(examples_root):
    from test_record import add_finding, approve, ok

    approve(examples_root)
    add_finding(examples_root)
    expected = ok(examples_root, "show", CASE)
    path = memo_file(examples_root, f"{CASE}.approvals")
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["entries"]["commits"][0][1] = [{"commit": 1}]
    path.write_text(json.dumps(saved), encoding="utf-8")
    assert ok(examples_root, "show", CASE) == expected
    assert approvals_memo(examples_root)[1][0]["target"] == "approved"


def test_validate_reads_only_the_allocations_made_since_it_last_looked(examples_root, monkeypatch):
    from lcspr import history

    assert run(examples_root, "validate").exit_code == 0
    read_to = head(examples_root)
    for _ in range(2):  # the same ID opened twice, as two merged branches would leave it
        git(examples_root, "commit", "-q", "--allow-empty", "-m", "LIG-2026-002: open", "--trailer",
            "Lcspr-Case: LIG-2026-002", "--trailer", "Lcspr-Action: new-case")
    walked: list[str] = []
    real = history.walk
    monkeypatch.setattr(history, "walk", lambda root, **kw: walked.append(kw.get("revisions", "HEAD")) or real(root, **kw))
    result = run(examples_root, "validate")
    assert result.exit_code == 1 and "LIG-2026-002 was opened twice" in result.output
    assert walked == [f"{read_to}..{head(examples_root)}"]
    walked.clear()
    assert "LIG-2026-002 was opened twice" in run(examples_root, "validate").output
    assert walked == []  # nothing new: nothing read, the finding still made
