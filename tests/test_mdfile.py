"""Strict frontmatter reading, line numbers, and surgical edits (issue 2, point 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import git
from lcspr import mdfile
from lcspr.errors import FileFormatError

SHOWN = "cases/LIG-2026-001/case.md"


def parse(text: str) -> mdfile.MarkdownFile:
    return mdfile.parse(text, Path("case.md"), SHOWN)


def error_of(text: str) -> str:
    with pytest.raises(FileFormatError) as caught:
        parse(text)
    return str(caught.value)


# --- reading: values stay what the reviewer wrote -------------------------------------


@pytest.mark.parametrize("written", ["no", "yes", "on", "off", "01234", "2026-11-26", "1e3", "0x1F", "1.5", ".inf", "12:30"])
def test_yaml_1_1_surprises_stay_strings(written):
    assert parse(f"---\nvalue: {written}\n---\n").data == {"value": written}


@pytest.mark.parametrize(
    "written, value",
    [("true", True), ("false", False), ("True", True), ("null", None), ("~", None), ("", None),
     ("12", 12), ("-3", -3), ("0", 0)],
)
def test_booleans_null_and_plain_integers_parse(written, value):
    assert parse(f"---\nvalue: {written}\n---\n").data == {"value": value}


def test_body_and_data_are_split_at_the_closing_line():
    md = parse("---\nid: LIG-2026-001\n---\n\n\n# Title\n")
    assert md.data == {"id": "LIG-2026-001"}
    assert md.body == "\n\n# Title\n"


def test_empty_frontmatter_is_an_empty_mapping():
    assert parse("---\n---\nbody\n").data == {}


def test_no_frontmatter():
    assert error_of("# Just Markdown\n") == (
        f"{SHOWN}:1: no frontmatter: the file must start with a line `---`, then the YAML fields, "
        "then another `---` line, then the Markdown text."
    )
    assert "no frontmatter" in error_of("")


def test_unclosed_frontmatter():
    assert error_of("---\nid: LIG-2026-001\n# Title\n") == (
        f"{SHOWN}:1: the frontmatter opened on line 1 is never closed: add a line `---` after the last YAML field."
    )


def test_unparsable_yaml_names_file_line_and_column():
    assert error_of("---\nid: LIG-2026-001\ntitle: Child: A\n---\n") == (
        f"{SHOWN}:3: the frontmatter is not valid YAML, column 13: mapping values are not allowed here. "
        "Check the indentation and quoting on that line."
    )


@pytest.mark.parametrize(
    "yaml_text, line, column, problem",
    [
        ("id: LIG-2026-001\nagencies: [police, icb\n", 3, 11, "this `[` is never closed with `]`"),
        ("id: LIG-2026-001\nlead: {role: Head\n", 3, 7, "this `{` is never closed with `}`"),
        ('title: "Child A\nid: LIG-2026-001\n', 2, 8, "this quote is never closed"),
    ],
)
def test_unclosed_brackets_and_quotes_point_where_they_open(yaml_text, line, column, problem):
    assert error_of(f"---\n# note\n{yaml_text}---\nbody\n") == (
        f"{SHOWN}:{line + 1}: the frontmatter is not valid YAML, column {column}: {problem}. "
        "Check the indentation and quoting on that line."
    )


@pytest.mark.parametrize("yaml_text, kind", [("- a\n- b\n", "list"), ("just words\n", "single value")])
def test_frontmatter_that_is_not_a_mapping(yaml_text, kind):
    assert error_of(f"---\n{yaml_text}---\n") == (
        f"{SHOWN}:2: the frontmatter must be a mapping of `field: value` lines, not a {kind}."
    )


def test_duplicate_keys_name_both_lines():
    assert error_of("---\nstatus: screening\ntitle: Child A\nstatus: closed\n---\n") == (
        f"{SHOWN}:4: `status` appears twice in the same mapping (first on line 2); keep one."
    )


def test_duplicate_nested_keys():
    assert error_of("---\ndates:\n  received: 2026-01-14\n  received: 2026-01-15\n---\n").startswith(
        f"{SHOWN}:4: `received` appears twice"
    )


def test_unsupported_tag():
    assert error_of("---\nvalue: !!binary aGVsbG8=\n---\n") == (
        f"{SHOWN}:2: the tag tag:yaml.org,2002:binary is not supported; write the value as plain text "
        "(quote it if needed)."
    )


def test_not_utf8(tmp_path):
    path = tmp_path / "case.md"
    path.write_bytes(b"---\ntitle: Child A\nnote: caf\xe9\n---\n")
    with pytest.raises(FileFormatError) as caught:
        mdfile.read(path, SHOWN)
    assert str(caught.value) == f"{SHOWN}:3: not UTF-8 text; save the file as UTF-8."


def test_missing_file(tmp_path):
    with pytest.raises(FileFormatError) as caught:
        mdfile.read(tmp_path / "case.md", SHOWN)
    assert str(caught.value) == f"{SHOWN}: file not found."


def test_crlf_file_reads_with_the_same_data_and_lines():
    md = parse("---\r\nid: LIG-2026-001\r\nagencies:\r\n  - police\r\n  - icb\r\n---\r\nbody\r\n")
    assert md.data == {"id": "LIG-2026-001", "agencies": ["police", "icb"]}
    assert md.line_of(("agencies", 1)) == 5
    assert md.body == "body\r\n"


def test_byte_order_mark_is_not_mistaken_for_missing_frontmatter():
    md = parse("\ufeff---\nid: LIG-2026-001\n---\nbody\n")
    assert md.data == {"id": "LIG-2026-001"}
    assert md.line_of(("id",)) == 2


def test_line_numbers_of_nested_keys_and_list_items():
    md = parse(
        "---\n"  # 1
        "# a comment\n"  # 2
        "id: LIG-2026-001\n"  # 3
        "dates:\n"  # 4
        "  received: 2026-01-14\n"  # 5
        "\n"  # 6
        "  closed: 2026-09-01\n"  # 7
        "panel:\n"  # 8
        "  - agency: icb\n"  # 9
        "    role: Designated Nurse\n"  # 10
        "  - agency: police\n"  # 11
        "agencies_involved: [police, icb]\n"  # 12
        "---\n"
    )
    assert md.line_of(("id",)) == 3
    assert md.line_of(("dates", "received")) == 5
    assert md.line_of(("dates", "closed")) == 7
    assert md.line_of(("panel", 0)) == 9
    assert md.line_of(("panel", 0, "role")) == 10
    assert md.line_of(("panel", 1, "agency")) == 11
    assert md.line_of(("agencies_involved", 1)) == 12
    # A path that does not exist points at its nearest ancestor.
    assert md.line_of(("dates", "lig_decision")) == 4
    assert md.line_of(("nowhere",)) == 2


def test_line_numbers_after_blank_lines_at_the_top():
    md = parse("---\n\n\nid: LIG-2026-001\n---\n")
    assert md.line_of(("id",)) == 4


# --- editing: only the lines that must change -----------------------------------------

CASE_AS_A_REVIEWER_KEEPS_IT = """---
# Reviewer's copy: keep the comments.
title: 'Child A'          # pseudonym only
status: "referral-received"   # changed by lcspr advance
id: LIG-2026-001
referred_by: police
level: null
dates:
  # the day the LIG had it
  received: "2026-01-14"
subjects:
  - pseudonym: Child A
    age_band: '1-4'
---
# LIG-2026-001: Child A

Notes: keep *these*   trailing spaces.   
"""


def test_changing_a_status_is_a_one_line_git_diff(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    path = root / "case.md"
    path.write_bytes(CASE_AS_A_REVIEWER_KEEPS_IT.encode())
    git(root, "add", "case.md")
    git(root, "commit", "-q", "-m", "A case as a reviewer wrote it")

    md = mdfile.read(path, "case.md")
    mdfile.write_atomic(path, mdfile.set_fields(md, {("status",): "screening"}))
    git(root, "commit", "-q", "-am", "Screening")

    diff = git(root, "diff", "HEAD~1", "--unified=0", "--", "case.md").splitlines()
    removed = [line for line in diff if line.startswith("-") and not line.startswith("---")]
    added = [line for line in diff if line.startswith("+") and not line.startswith("+++")]
    assert removed == ['-status: "referral-received"   # changed by lcspr advance']
    assert added == ['+status: "screening"   # changed by lcspr advance']
    assert mdfile.read(path).data["status"] == "screening"


def set_and_reread(text: str, updates: dict) -> tuple[str, dict]:
    out = mdfile.set_fields(parse(text), updates)
    return out, parse(out).data


def test_set_keeps_quote_style():
    out, data = set_and_reread(CASE_AS_A_REVIEWER_KEEPS_IT, {("title",): "Child B", ("dates", "received"): "2026-01-15"})
    assert "title: 'Child B'          # pseudonym only\n" in out
    assert '  received: "2026-01-15"\n' in out
    assert data["title"] == "Child B" and data["dates"]["received"] == "2026-01-15"
    assert out.replace("'Child B'", "'Child A'").replace("2026-01-15", "2026-01-14") == CASE_AS_A_REVIEWER_KEEPS_IT


def test_set_adds_a_nested_key_at_the_end_of_an_existing_mapping():
    out, data = set_and_reread(CASE_AS_A_REVIEWER_KEEPS_IT, {("dates", "responses_requested"): "2026-01-15"})
    assert '  received: "2026-01-14"\n  responses_requested: 2026-01-15\nsubjects:\n' in out
    assert data["dates"] == {"received": "2026-01-14", "responses_requested": "2026-01-15"}


def test_set_adds_a_key_to_a_list_item_mapping():
    out, data = set_and_reread(CASE_AS_A_REVIEWER_KEEPS_IT, {("subjects", 0, "relationship"): "child"})
    assert "    age_band: '1-4'\n    relationship: child\n---\n" in out
    assert data["subjects"] == [{"pseudonym": "Child A", "age_band": "1-4", "relationship": "child"}]


@pytest.mark.parametrize("empty", ["", "   # filled in later", " ~", " null", " {}", " {}  # later"])
def test_set_under_a_key_with_nothing_under_it(empty):
    text = f"---\nid: LIG-2026-001\npublication:{empty}\nstatus: published\n---\nbody\n"
    out, data = set_and_reread(text, {("publication", "published"): True})
    assert data == {"id": "LIG-2026-001", "publication": {"published": True}, "status": "published"}
    assert out.startswith("---\nid: LIG-2026-001\npublication:")
    assert "\n  published: true\nstatus: published\n---\nbody\n" in out
    if "#" in empty:
        assert "# " + empty.split("# ")[1] in out


def test_a_new_key_goes_after_the_comments_indented_under_the_last_one():
    text = (
        "---\nchild:\n  pseudonym: Child A\n    # age band below\n  # age_band: 1-4\n"
        "criteria: []\n  # - criterion: c\n  #   why: two agencies\n# the end\n---\n"
    )
    out, data = set_and_reread(text, {("referrer_role",): "Named Nurse", ("child", "age_band"): "1-4"})
    assert out == (
        "---\nchild:\n  pseudonym: Child A\n    # age band below\n  age_band: 1-4\n  # age_band: 1-4\n"
        "criteria: []\n  # - criterion: c\n  #   why: two agencies\nreferrer_role: Named Nurse\n# the end\n---\n"
    )


def test_set_a_value_of_a_key_with_nothing():
    out, data = set_and_reread("---\nlevel:\nstatus: screening\n---\n", {("level",): "level-2"})
    assert out == "---\nlevel: level-2\nstatus: screening\n---\n"


def test_set_a_new_top_level_key_and_a_new_nested_path():
    out, data = set_and_reread("---\nid: LIG-2026-001\n# end\n---\n", {("on_hold", "since"): "2026-03-01"})
    assert out == "---\nid: LIG-2026-001\non_hold:\n  since: 2026-03-01\n# end\n---\n"
    out, data = set_and_reread("---\n---\nbody\n", {("status",): "screening"})
    assert out == "---\nstatus: screening\n---\nbody\n"


@pytest.mark.parametrize(
    "value", ["a: b", "see #3", "*starred", "no", "yes", "&more", "01234", "0x1F", "true", "null", "", " padded",
              'say "hi"', "two\nlines", "- dash", "[x]", "{x}", "!x", "%x", "@x", "`x", "|x", ">x", "?x"],
)
def test_set_values_that_need_quotes_read_back_equal(value):
    out, data = set_and_reread(CASE_AS_A_REVIEWER_KEEPS_IT, {("referred_by",): value, ("dates", "note"): value})
    assert data["referred_by"] == value and data["dates"]["note"] == value
    line = next(line for line in out.splitlines() if line.startswith("referred_by:"))
    assert line != f"referred_by: {value}", "written without quotes"


@pytest.mark.parametrize("value", ["Child A", "police", "2026-11-26", "level-2", "R1", "it's", "a,b", "1e3"])
def test_set_plain_values_stay_plain(value):
    out, _ = set_and_reread("---\nfield: old\n---\n", {("field",): value})
    assert out == f"---\nfield: {value}\n---\n"


def test_set_replaces_a_folded_block_scalar():
    text = "---\nrationale: >-\n  Three agencies held\n  part of the picture.\n\nnext: 1\n---\nbody\n"
    out, data = set_and_reread(text, {("rationale",): "One agency."})
    assert out == "---\nrationale: One agency.\n\nnext: 1\n---\nbody\n"


def test_set_replaces_lists():
    out, data = set_and_reread("---\nagencies:\n  - police\n  - icb\n# c\nnext: 1\n---\n", {("agencies",): ["gp"]})
    assert out == "---\nagencies: [gp]\n# c\nnext: 1\n---\n"
    out, data = set_and_reread("---\nagencies: [police, icb]\n---\n", {("agencies", 1): "gp"})
    assert out == "---\nagencies: [police, gp]\n---\n"


def test_set_in_a_crlf_file_keeps_crlf():
    text = "---\r\nstatus: screening\r\ndates:\r\n  received: 2026-01-14\r\n---\r\nbody\r\n"
    out, data = set_and_reread(text, {("status",): "closed", ("dates", "closed"): "2026-09-01", ("level",): "level-1"})
    assert out == (
        "---\r\nstatus: closed\r\ndates:\r\n  received: 2026-01-14\r\n  closed: 2026-09-01\r\nlevel: level-1\r\n"
        "---\r\nbody\r\n"
    )


def test_set_refuses_inside_a_one_line_mapping():
    with pytest.raises(FileFormatError) as caught:
        mdfile.set_fields(parse("---\nid: x\ndates: {received: 2026-01-14}\n---\n"), {("dates", "closed"): "2026-01-15"})
    assert str(caught.value) == (
        f"{SHOWN}:3: cannot add dates.closed inside a one-line value; write that value as indented lines."
    )


def test_anchors_and_aliases_are_refused_before_anything_is_set():
    # set_fields could not change an anchored value alone; reading refuses it first (issue 15).
    text = "---\nlead: &lead police\nowner: *lead\n---\n"
    assert error_of(text) == (
        f"{SHOWN}:2: the frontmatter uses an anchor (`&name`); lcspr does not accept YAML anchors or aliases. "
        "Write the value out in full where it is needed."
    )


def test_write_atomic_keeps_the_mode_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "case.md"
    path.write_text("old\n")
    path.chmod(0o640)
    mdfile.write_atomic(path, "new\r\n")
    assert path.read_bytes() == b"new\r\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["case.md"]


def test_load_yaml_keeps_lines():
    data, lines = mdfile.load_yaml("a: 1\nb:\n  - no\n", "workflow.yaml")
    assert data == {"a": 1, "b": ["no"]}
    assert lines[("b", 0)] == 3


def _leaves(data, where=()):
    """Every (path, value) of a scalar, and every path of a mapping, in parsed data."""
    if isinstance(data, dict):
        yield where, data
        for key, value in data.items():
            yield from _leaves(value, (*where, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, (*where, index))
    else:
        yield where, data


def _changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    import difflib

    diff = list(difflib.ndiff(old.splitlines(keepends=True), new.splitlines(keepends=True)))
    return [d[2:] for d in diff if d.startswith("- ")], [d[2:] for d in diff if d.startswith("+ ")]


EXAMPLE_FILES = sorted((Path(__file__).resolve().parent.parent / "cases").rglob("*.md"))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: "/".join(p.parts[-3:]))
def test_every_value_of_the_examples_can_be_set_alone(path):
    """Set each one-line scalar in turn: one line changes, everything else reads back the same."""
    md = mdfile.read(path)
    for where, value in _leaves(md.data):
        if isinstance(value, dict) or not where:
            continue
        new_value = "changed value" if isinstance(value, str) or value is None else not value if isinstance(value, bool) else 7
        out = mdfile.set_fields(md, {where: new_value})
        reread = parse(out).data
        assert _get_path(reread, where) == new_value
        expected = _set_path(md.data, where, new_value)
        assert reread == expected, where
        removed, added = _changed_lines(md.text, out)
        if md.text.splitlines()[md.line_of(where) - 1].rstrip().endswith((">-", "|", ">")):
            assert len(added) == 1, where  # a block scalar's lines become one
        else:
            assert (len(removed), len(added)) == (1, 1), where


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: "/".join(p.parts[-3:]))
def test_a_key_can_be_added_to_every_mapping_of_the_examples(path):
    md = mdfile.read(path)
    for where, value in _leaves(md.data):
        if not isinstance(value, dict):
            continue
        if where and "{" in md.text.splitlines()[md.line_of(where) - 1] and value:
            continue  # a one-line mapping with values: refused, tested above
        out = mdfile.set_fields(md, {(*where, "added_field"): "2026-11-26"})
        removed, added = _changed_lines(md.text, out)
        assert parse(out).data == _set_path(md.data, (*where, "added_field"), "2026-11-26"), where
        assert removed == [] or (len(removed) == 1 and value == {}), where


def _get_path(data, where):
    for part in where:
        data = data[part]
    return data


def _set_path(data, where, value):
    import copy

    data = copy.deepcopy(data)
    target = data
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = value
    return data


@pytest.mark.skipif(mdfile._loaders.fast is None, reason="PyYAML was built without libyaml")
def test_libyaml_and_python_readers_agree_on_data_and_lines(monkeypatch):
    """Reading uses libyaml for speed; it must give exactly what the Python parser gives."""
    from conftest import EXAMPLES

    paths = sorted(EXAMPLES.rglob("*.md"))
    assert len(paths) >= 10
    fast = [(m.data, m.lines) for m in map(mdfile.read, paths)]
    monkeypatch.setattr(mdfile._loaders, "fast", None)
    slow = [(m.data, m.lines) for m in map(mdfile.read, paths)]
    assert fast == slow


# --- the one-pass reader agrees with parse --------------------------------------------------

AGREEING = [
    "---\na: 1\nb: -0\nc: '01234'\nd: 01234\ne: no\nf: true\ng: ~\nh:\ni: \"x: y\"\nj: 2026-11-26\n---\n",
    "---\nlist: [a, 1, null, {k: v}]\nnested:\n  deeper:\n    - x\n    - y: [1, 2]\n---\nbody\n",
    "---\n'quoted key': 1\n\"2\": two\n3: three\nempty_list: []\nempty_map: {}\n---\n",
    "---\ntext: |\n  line one\n  line two\nfolded: >-\n  a\n  b\n---\n",
    "---\nbig: 123456789012345678\ntoo_big: 1234567890123456789\n---\n",
    "---\na: 1\na: 2\n---\n",
    "---\n[a, b]\n---\n",
    "---\na: &x 1\nb: *x\n---\n",
    "---\na: !!python/name:os.system x\n---\n",
    "---\n? [a, b]\n: c\n---\n",
    "---\na: [b\n---\n",
    "---\n" + "[" * 60 + "]" * 60 + "\n---\n",
    "---\n---\nbody\n",
    "---\nx\n---\n",
    "---\na:\n  - b: 1\n    c:\n      - [d, {e: f}]\n  -\n  - g\nh: {i: [1, 2], j: k}\n---\n",
    "---\na: 1\n--- \nb: 2\n---\n",
    "---\nouter:\n  inner: 1\n  inner: 2\n---\n",
    "---\na: !!str 12\nb: !!int 3\n---\n",
]


def _outcome(read) -> tuple[str, object]:
    """What `read()` gives, or the error it raises, as one comparable value."""
    try:
        return ("data", read())
    except FileFormatError as exc:
        return ("error", str(exc))


def _without_one_pass(monkeypatch) -> None:
    """Every reading goes through the node tree from now on."""
    monkeypatch.setattr(mdfile, "_from_events", lambda *args: (_ for _ in ()).throw(mdfile._Unusual()))


@pytest.mark.parametrize("text", AGREEING)
def test_parse_reads_in_one_pass_what_the_node_tree_gives(text, monkeypatch):
    """`parse` reads a valid file from libyaml's events in one pass, and anything out of
    the ordinary from the node tree: data, lines and errors are the tree's either way."""
    def read() -> tuple[str, object]:
        md = mdfile.parse(text, Path("x.md"), "x.md")
        return (md.data, md.lines, md.body, md.fm_offset, md.fm_first_line)

    one_pass = _outcome(read)
    _without_one_pass(monkeypatch)
    assert _outcome(read) == one_pass


@pytest.mark.parametrize("text", AGREEING)
def test_the_one_pass_reader_gives_what_parse_gives(text):
    expected = _outcome(lambda: mdfile.parse(text, Path("x.md"), "x.md").data)
    assert _outcome(lambda: mdfile.frontmatter_data(text, "x.md")) == expected


def test_the_one_pass_reader_agrees_on_every_example_file():
    from conftest import EXAMPLES

    files = sorted(EXAMPLES.glob("*/*.md")) + sorted(EXAMPLES.glob("*/responses/*.md"))
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert mdfile.frontmatter_data(text, str(path)) == mdfile.parse(text, path, str(path)).data, path


WHOLE_FILES = [text.strip("-\n").replace("\n---\n", "\n") for text in AGREEING] + [
    "a: 1\n---\nb: 2\n",
    "a: 1\n...\n---\nb: 2\n",
    "",
    "# only a comment\n",
    "- a\n- b\n",
    "states:\n  x: {title: X}\n  x: {title: Y}\n",
]


@pytest.mark.parametrize("text", WHOLE_FILES)
def test_a_whole_yaml_file_reads_in_one_pass_what_the_node_tree_gives(text, monkeypatch):
    """`load_yaml` (a workflow file) reads in one pass too: data, lines and every refusal
    are the node tree's, a second document included."""
    one_pass = _outcome(lambda: mdfile.load_yaml(text, "w.yaml"))
    _without_one_pass(monkeypatch)
    assert _outcome(lambda: mdfile.load_yaml(text, "w.yaml")) == one_pass


def test_the_default_workflow_reads_the_same_either_way(monkeypatch):
    from lcspr.workflow import DEFAULT_WORKFLOW

    text = DEFAULT_WORKFLOW.read_text(encoding="utf-8")
    one_pass = mdfile.load_yaml(text, "workflow.yaml")
    _without_one_pass(monkeypatch)
    assert mdfile.load_yaml(text, "workflow.yaml") == one_pass
    assert len(one_pass[1]) > 100
