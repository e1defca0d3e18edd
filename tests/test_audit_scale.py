"""What keeps `lcspr audit` near Git's own cost and its memory flat gives the same
verdicts as the plain way: the case folders known from the walk, the watermarks
kept out of memory, the data kept between audits."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import git, run
from test_history_audit import CASE, SCREENING, commit_by_hand, imported_root, set_status  # noqa: F401

from lcspr import audit as audit_module
from lcspr import audit_state, gitops


def _history(root: Path) -> None:
    """Decisions, a hand edit, a reviewer's note and a merge of a side branch."""
    git(root, "switch", "-q", "-c", "side")
    assert run(root, *SCREENING).exit_code == 0
    git(root, "switch", "-q", "main")
    assert run(root, "advance", "LIG-2026-002", "on-hold", "--reason", "Trial.", "--on", "2026-11-25").exit_code == 0
    git(root, "merge", "-q", "--no-edit", "side")
    with open(root / "cases" / CASE / "referral.md", "a", encoding="utf-8") as referral:
        referral.write("\nA note.\n")
    commit_by_hand(root, "A reviewer's note\n", f"cases/{CASE}")
    set_status(root, "screening", case="LIG-2026-002")
    commit_by_hand(root, "Status by hand\n", "cases/LIG-2026-002")


def test_a_whole_walk_knows_the_case_folders_without_asking_git(imported_root, monkeypatch):  # noqa: F811
    _history(imported_root)
    asked: list[list[str]] = []
    real = gitops.ObjectReader.trees

    def trees(self, names):
        asked.append(names)
        return real(self, names)

    monkeypatch.setattr(gitops.ObjectReader, "trees", trees)
    walked = json.loads(run(imported_root, "audit", "--full", "--format", "json").output)
    from_walk = len(asked)
    # The same audit, each case folder read from Git's trees instead.
    real_follow = audit_module._Auditor.follow

    def follow(self, commit):
        real_follow(self, commit)
        self.complete = False
        self.files_of.clear()

    monkeypatch.setattr(audit_module._Auditor, "follow", follow)
    read = json.loads(run(imported_root, "audit", "--full", "--format", "json").output)
    assert len(asked) > from_walk  # the second audit did read trees, so the comparison means something
    assert walked == read
    assert [f["kind"] for f in walked["findings"]] == ["hand-edit"]
    # Up to the merge the walk is one line from the first commit: no tree is read there.
    assert from_walk < len(asked) - from_walk


def test_old_watermarks_leave_memory_and_come_back():
    marks = audit_module._Watermarks(size=4)
    for n in range(3000):
        marks[f"{n:040x}"] = (f"2026-01-01T00:00:{n % 60:02d}Z", f"{n:040x}", "LIG-2026-001") if n % 2 else audit_module._NO_TIME
    assert len(marks.recent) == 4 and marks.db is not None  # the rest went to the scratch database
    assert marks.get(f"{7:040x}", audit_module._NO_TIME) == ("2026-01-01T00:00:07Z", f"{7:040x}", "LIG-2026-001")
    assert f"{8:040x}" in marks  # seen, with no time on its ancestry
    assert marks.get(f"{8:040x}", ("x", "", "")) == ("", "", "")
    assert f"{5000:040x}" not in marks
    marks.close()


def test_kept_blob_data_round_trips_and_a_damaged_row_is_read_again(tmp_path):
    git(tmp_path, "init", "-q")
    data = {"status": "screening", "dates": {"received": "2026-11-02"}, "agencies": ["police"], "level": None, "n": 3}
    with audit_state.BlobData(tmp_path) as store:
        store.put("data abc", data)
        store.put("data bad", {"when": object()})  # not plain data: not kept
    with audit_state.BlobData(tmp_path) as store:
        assert store.get("data abc") == data
        assert store.get_many(["data abc", "data bad", "data none"]) == {"data abc": data}
        store.db.execute("update blob set data = ? where id = 'data abc'", (b"\xff\x00broken",))
        store.db.commit()
        assert store.get("data abc") is None
        assert store.get_many(["data abc"]) == {}


def test_git_output_is_read_whole_across_chunks_and_a_caller_that_stops_leaves_no_git(tmp_path, monkeypatch):
    """Git's output read in chunks: records split across chunks (a character of several
    bytes among them) arrive whole, Git is asked not to flush per record, and a caller
    that stops early leaves no Git process behind."""
    import subprocess

    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    for n in range(40):
        (root / "f.txt").write_text(f"{n}\n", encoding="utf-8")
        git(root, "add", "f.txt")
        git(root, "commit", "-q", "-m", f"Étape {n} — {'ü' * 50}")
    expected = git(root, "log", "--format=%x1e%s").split("\x1e")[1:]
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    found = list(gitops.records(root, ["log", "--format=%x1e%s"], "\x1e", chunk=7))
    assert found == expected and len(found) == 40
    assert "--format=%x1e%s" in started[-1].args
    assert started[-1].returncode == 0
    partial = gitops.records(root, ["log", "--format=%x1e%s"], "\x1e", chunk=5)
    assert next(partial).startswith("Étape 39")
    partial.close()
    assert started[-1].returncode is not None  # killed and waited for, not left running


def test_a_record_longer_than_many_chunks_arrives_whole(tmp_path):
    """A commit message of megabytes (anyone can write one) is read whole, in time
    that grows with its length: its end is looked for in each new chunk only."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    long = "word " * 600_000
    message = tmp_path / "message.txt"
    for n in range(3):
        message.write_text(f"{n} {long}" if n == 1 else f"{n} short", encoding="utf-8")
        git(root, "commit", "-q", "--allow-empty", "-F", str(message))
    found = list(gitops.records(root, ["log", "--reverse", "--format=%x1e%s"], "\x1e", chunk=4096))
    assert [r[:7] for r in found] == ["0 short", "1 word ", "2 short"]
    assert found[1].strip() == f"1 {long}".strip()


def test_git_is_asked_not_to_flush_per_record(tmp_path, monkeypatch):
    """GIT_FLUSH=0: a long log is written in full buffers, not one write per commit."""
    import subprocess

    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "commit", "-q", "--allow-empty", "-m", "one")
    seen: list[dict] = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        seen.append(kwargs.get("env") or {})
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    assert list(gitops.records(root, ["log", "--format=%x1e%s"], "\x1e")) == ["one\n"]
    assert seen[-1].get("GIT_FLUSH") == "0"


def test_an_audit_that_reads_no_reasons_still_reads_each_corrections_reason(imported_root):  # noqa: F811
    set_status(imported_root, "screening")
    commit_by_hand(imported_root, "Status by hand\n", f"cases/{CASE}")
    bad = git(imported_root, "rev-parse", "HEAD").strip()
    result = run(imported_root, "correct", bad, "--reason", "Examined: the status was restored.\n\nBy the LIG.",
                 "--on", "2026-11-26")
    assert result.exit_code == 0, result.output
    result = run(imported_root, "audit", "--full")
    assert result.exit_code == 0, result.output
    assert "Examined: the status was restored. By the LIG." in result.output


def test_changed_fields_grouped_by_top_field_agrees_with_the_plain_way():
    """The audit groups the fields a move must not change by their top-level field and
    looks only into those that changed; every pair of example case files gives what
    comparing each field on its own gives."""
    from conftest import EXAMPLES

    from lcspr import mdfile, trail

    datas = [mdfile.read(p).data for p in sorted(EXAMPLES.glob("*/case.md"))]
    names = {f"{top}.{key}" for d in datas for top, v in d.items() if isinstance(v, dict) for key in v}
    names |= {top for d in datas for top in d} | {"dates.nowhere", "nowhere"}
    grouped = trail.by_top(names)
    pairs = [(a, b) for a in datas for b in datas]
    def each_on_its_own(a: dict, b: dict) -> list[str]:
        return sorted(n for n in names if mdfile.field_value(a, n) != mdfile.field_value(b, n))

    assert any(each_on_its_own(a, b) for a, b in pairs)
    for a, b in pairs:
        assert trail.changed_fields(a, b, grouped) == each_on_its_own(a, b)


def test_a_file_check_is_kept_by_content_and_settings_between_audits(tmp_path):
    """What checking a case file found is kept in the store under the file's blob and
    the identity of the schemas, lcspr.toml and the workflow (the schemas' vocabulary):
    read back by the next audit, and not when a setting has changed, nor for other content."""
    from types import SimpleNamespace

    git(tmp_path, "init", "-q")
    (tmp_path / "lcspr.toml").write_text('partnership = "A"\n', encoding="utf-8")
    workflow = tmp_path / "workflow.yaml"
    workflow.write_text("initial: a\n", encoding="utf-8")
    repo = SimpleNamespace(root=tmp_path, config=SimpleNamespace(workflow_file=workflow))
    blob_key = ("LIG-2026-001", "report", "blob " + "a" * 40)
    text_key = ("LIG-2026-001", "report", "---\nstatus: x\n---\nWords.\n")
    with audit_state.BlobData(tmp_path) as store:
        checks = audit_module._KeptChecks(repo, store)
        assert blob_key not in checks
        checks[blob_key] = ["report.md: line 3: `summary` is missing"]
        checks[text_key] = []
    with audit_state.BlobData(tmp_path) as store:
        checks = audit_module._KeptChecks(repo, store)
        assert blob_key in checks and checks[blob_key] == ["report.md: line 3: `summary` is missing"]
        assert text_key in checks and checks[text_key] == []
        assert ("LIG-2026-002", "report", "blob " + "a" * 40) not in checks  # another case's own-ID check differs
        assert ("LIG-2026-001", "report", "blob " + "b" * 40) not in checks
    workflow.write_text("initial: b\n", encoding="utf-8")  # another state: another vocabulary
    with audit_state.BlobData(tmp_path) as store:
        assert blob_key not in audit_module._KeptChecks(repo, store)
        audit_module._KeptChecks(repo, store)[blob_key] = []
    (tmp_path / "lcspr.toml").write_text('partnership = "B"\n', encoding="utf-8")
    with audit_state.BlobData(tmp_path) as store:
        assert blob_key not in audit_module._KeptChecks(repo, store)


def test_recent_keeps_about_its_size_and_forgets_the_oldest():
    recent = audit_module._Recent(4)
    for n in range(10):
        recent.put(n, [n])
    assert 9 in recent and recent[9] == [9] and recent.get(8) == [8]
    assert 0 not in recent and recent.get(0) is None
    assert len(recent.new) + len(recent.old) <= 4
    recent[9] = []
    assert recent[9] == []


def test_an_audit_leaves_the_cycle_collector_as_it_found_it(imported_root):  # noqa: F811
    """The walk runs Python's cycle collector less often; afterwards (and after a
    failing audit too) its thresholds are back and nothing stays frozen."""
    import gc

    thresholds = gc.get_threshold()
    result = run(imported_root, "audit", "--full")
    assert result.exit_code == 0, result.output
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0
    set_status(imported_root, "screening")
    commit_by_hand(imported_root, "Status by hand\n", f"cases/{CASE}")
    result = run(imported_root, "audit", "--full")
    assert result.exit_code == 1 and "hand-edit" in result.output
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0
