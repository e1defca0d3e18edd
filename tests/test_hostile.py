"""Hostile files in a records repository (issue 15, points 1, 2, 4 and 5).

Anyone who can commit to a records repository can commit anything, and the
secretariat then runs lcspr on it. Each item of this corpus is a case file or a
template override written to hurt: alias bombs, recursion, huge numbers and files,
deep Markdown, big tables, template code reaching for Python's internals. Every
command that reads it is run as a real process, under a time and a memory limit,
and must answer with the item's own clear message, never a traceback.

The corpus is generated here rather than stored: its items are megabytes of
brackets and asterisks that say more as the one line that makes them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import git
from docx import Document

from lcspr import documents, mdfile
from lcspr.errors import FileFormatError, RenderError, WorkflowError
from lcspr.repository import open_repository
from lcspr.templates_build import build as build_template

CASE = "LIG-2026-001"
CASE_MD = f"cases/{CASE}/case.md"
SECONDS = 30  # per command; each answers in a few seconds at most
MEMORY = 1 << 30  # 1 GiB of address space per command


# --- running lcspr as a user does, within limits -----------------------------------


def _limit_memory() -> None:  # pragma: no cover - runs in the child process
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    """`python -m lcspr ARGS` in `root`, with at most MEMORY of address space where the
    platform can limit it (not on Windows)."""
    return subprocess.Popen(
        [sys.executable, "-m", "lcspr", *args], cwd=root, text=True, encoding="utf-8",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=_limit_memory if os.name == "posix" else None,
    )


@dataclass
class Answer:
    args: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float


def lcspr_all(root: Path, *commands: tuple[str, ...]) -> list[Answer]:
    """Run every command at once (the machine has cores to spare) and wait for each
    within SECONDS; a command that does not answer in time fails the test."""
    began = time.monotonic()
    running = [(args, start(root, *args)) for args in commands]
    answers = []
    for args, process in running:
        try:
            out, err = process.communicate(timeout=max(1.0, SECONDS - (time.monotonic() - began)))
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"`lcspr {' '.join(args)}` did not answer within {SECONDS} s")
        answers.append(Answer(args, process.returncode, out, err, time.monotonic() - began))
    return answers


def assert_clear(answer: Answer, code: int, *expected: str) -> None:
    """The command exited with `code`, said each of `expected`, and showed no fault."""
    said = answer.out + answer.err
    shown = f"`lcspr {' '.join(answer.args)}` exited {answer.code}:\n{said[-2000:]}"
    assert "Traceback" not in said and "failed unexpectedly" not in said, shown
    assert answer.code == code, shown
    for words in expected:
        assert words in said, shown


# --- the corpus -------------------------------------------------------------------


def billion_laughs() -> str:
    """The classic: nine anchors, each a list of nine aliases of the one before
    (a billion strings once expanded, in under 1 KB)."""
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, 10):
        lines.append(f"lol{level}: &lol{level} [" + ", ".join([f"*lol{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


#: Frontmatter lines that go first in case.md, and what every command must say of them.
FRONTMATTER = {
    "alias bomb": (billion_laughs(), f"{CASE_MD}:2: the frontmatter uses an anchor (`&name`)"),
    "self-referencing alias": ("loop: &r [*r]\n", f"{CASE_MD}:2: the frontmatter uses an anchor (`&name`)"),
    "alias without anchor": ("owner: *lead\n", f"{CASE_MD}:2: the frontmatter uses an alias (`*name`)"),
    "1,000-deep brackets": ("deep: " + "[" * 1000 + "]" * 1000 + "\n",
                            f"{CASE_MD}:2: the frontmatter nests lists and fields more than 50 deep"),
    "1,000-deep mappings": ("".join(" " * n + f"k{n}:\n" for n in range(1000)) + " " * 1000 + "end: 1\n",
                            f"{CASE_MD}:52: the frontmatter nests lists and fields more than 50 deep"),
    "100,000-digit integer": ("count: " + "9" * 100_000 + "\n",
                              f"{CASE_MD}:2: a number of 100,000 digits is longer than the 18 lcspr reads"),
    "300,000 values": ("items:\n" + "- x\n" * 300_000,
                       f"{CASE_MD}:250000: the frontmatter holds more than 250,000 values"),
}


def hostile_case(root: Path, frontmatter: str = "", body: str = "") -> None:
    """Put `frontmatter` first in LIG-2026-001's case.md and `body` after its text, and
    commit it by hand, as a compromised clone would."""
    path = root / CASE_MD
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    path.write_text("---\n" + frontmatter + text[4:] + body, encoding="utf-8")
    git(root, "commit", "-q", "-m", "A hostile edit", "--", CASE_MD)


@pytest.mark.parametrize("name", list(FRONTMATTER))
def test_every_command_answers_hostile_frontmatter_clearly(examples_root: Path, name: str) -> None:
    frontmatter, message = FRONTMATTER[name]
    hostile_case(examples_root, frontmatter)
    validate, listing, show, render, audit = lcspr_all(
        examples_root, ("validate",), ("list",), ("show", CASE), ("render", CASE, "report"), ("audit",)
    )
    assert_clear(validate, 1, message)
    assert_clear(listing, 0, "(unreadable)", "LIG-2026-002")  # the other cases are still listed
    assert_clear(show, 1, message)
    assert_clear(render, 1, f"{CASE} does not validate", message)
    assert_clear(audit, 1, f"{CASE}: unreadable: {message}")
    assert not (examples_root / "cases" / CASE / "documents").exists()


def test_a_file_too_big_to_read_is_refused_before_it_is_read(examples_root: Path) -> None:
    hostile_case(examples_root, body="A line of notes that goes on.\n" * 170_000)  # about 5 MB
    message = f"{CASE_MD}: is 5,"
    validate, show, audit = lcspr_all(examples_root, ("validate",), ("show", CASE), ("audit",))
    assert_clear(validate, 1, message, "more than the 4,194,304 lcspr reads in one file")
    assert_clear(show, 1, message)
    assert_clear(audit, 1, f"{CASE}: unreadable: {message}")


def test_a_hostile_blob_costs_the_audit_little_and_it_goes_on(examples_root: Path) -> None:
    hostile_case(examples_root, FRONTMATTER["alias bomb"][0])
    # The bomb is corrected by hand: the audit reads the hostile blob in history and reports it.
    text = (examples_root / CASE_MD).read_text(encoding="utf-8")
    (examples_root / CASE_MD).write_text(text.replace(FRONTMATTER["alias bomb"][0], ""), encoding="utf-8")
    git(examples_root, "commit", "-q", "-m", "Remove the bomb", "--", CASE_MD)
    (audit,) = lcspr_all(examples_root, ("audit",))
    assert_clear(audit, 1, f"{CASE}: unreadable: {FRONTMATTER['alias bomb'][1]}")
    assert audit.seconds < 10, audit.seconds


# --- Markdown -----------------------------------------------------------------------


def report_with(root: Path, markdown: str) -> None:
    """`markdown` at the start of the report's Findings section."""
    path = root / "cases" / CASE / "report.md"
    text = path.read_text(encoding="utf-8")
    assert "## Findings\n" in text
    path.write_text(text.replace("## Findings\n", f"## Findings\n\n{markdown}\n\n", 1), encoding="utf-8")


def table(rows: int, columns: int) -> str:
    head = "|" + "".join(f" Column {c} |" for c in range(columns)) + "\n|" + "---|" * columns + "\n"
    return head + "".join("|" + "".join(f" **{r}**.{c} |" for c in range(columns)) + "\n" for r in range(rows))


def test_deeply_nested_markdown_is_a_clear_error(examples_root: Path) -> None:
    report_with(examples_root, "*" * 50_000 + "Child A" + "*" * 50_000)
    validate, render = lcspr_all(examples_root, ("validate", CASE), ("render", CASE, "report"))
    assert_clear(validate, 0)
    assert_clear(render, 1, "nests emphasis (`*`, `_`), links, lists or quotes more than 50 deep")
    assert f"Error: cases/{CASE}/report.md: " in render.err  # the file is named
    assert not (examples_root / "cases" / CASE / "documents").exists()
    assert not (examples_root / "drafts").exists()


def test_big_tables_and_many_links_render_in_linear_time(examples_root: Path, tmp_path: Path) -> None:
    links = " ".join(f"[note {n}](https://example.org/notes/{n})" for n in range(8000))
    report_with(examples_root, table(400, 4) + "\n" + links)
    wide = tmp_path / "wide"  # a second repository, for 250 rows of 30 columns
    git(examples_root, "clone", "-q", str(examples_root), str(wide))
    report_with(wide, table(250, 30))
    long_one, wide_one = lcspr_all(
        examples_root,
        ("render", CASE, "report", "-o", str(tmp_path / "long.docx")),
        ("--repo", str(wide), "render", CASE, "report", "-o", str(tmp_path / "wide.docx")),
    )
    assert_clear(long_one, 0)
    assert_clear(wide_one, 0)
    document = Document(str(tmp_path / "long.docx"))
    big = next(t for t in document.tables if t.rows[0].cells[0].text == "Column 0")
    assert len(big.rows) == 401 and big.rows[400].cells[3].text == "399.3"
    assert sum(1 for t in Document(str(tmp_path / "wide.docx")).tables if len(t.columns) == 30) == 1


def test_markdown_limits_in_the_library() -> None:
    from docxtpl import DocxTemplate

    from lcspr.markdown_docx import markdown_to_plain, markdown_to_subdoc
    from lcspr.resources import resource_dir

    tpl = DocxTemplate(str(resource_dir("templates") / "review-report.docx"))
    for text in ("*" * 50_000 + "x" + "*" * 50_000, "*a " * 5_000 + "x" + " a*" * 5_000):
        with pytest.raises(RenderError, match="more than 50 deep"):
            markdown_to_subdoc(tpl, text)
    markdown_to_subdoc(tpl, "[" * 50_000 + "x" + "]" * 50_000)  # brackets that are no links do not nest
    with pytest.raises(RenderError, match="more than 50 deep"):
        markdown_to_plain("_" * 50_000 + "x" + "_" * 50_000)
    # Nesting up to the limit is rendered.
    markdown_to_subdoc(tpl, "> " * 10 + "*" * 20 + "deep" + "*" * 20)


# --- templates ----------------------------------------------------------------------


ESCAPES = {
    "os through a global": ("{{ cycler.__init__.__globals__.os.popen('touch escaped').read() }}", "'__init__'"),
    "subclasses": ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "'__class__'"),
    "the template's context": ("{{ self._TemplateReference__context }}", "_TemplateReference__context"),
    "changing a value": ("{{ report.terms_of_reference.append('Why?') }}", "'append'"),
    "huge text": ("{{ 'x' * 10**10 }}", "beyond 1,000,000 items"),
    "huge number": ("{{ 2 ** 100000 }}", "a power above 100"),
    "huge repetition": ("{{ 'x' * 100000 * 100000 }}", "beyond 1,000,000 items"),
    "huge range": ("{% for i in range(10**5 + 1) %}{% endfor %}", "MAX_RANGE"),
}


def use_own_report_template(root: Path, tag: str) -> Path:
    toml = root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[overrides]\ntemplates = "templates"\n', encoding="utf-8")
    (root / "templates").mkdir()
    template = build_template("report", root / "templates" / "review-report.docx")
    doc = Document(str(template))
    doc.add_paragraph(f"Our note: {tag}")
    doc.save(str(template))
    return template


@pytest.mark.parametrize("name", list(ESCAPES))
def test_a_template_cannot_leave_the_sandbox(examples_root: Path, tmp_path: Path, name: str) -> None:
    tag, refused = ESCAPES[name]
    use_own_report_template(examples_root, tag)
    output = tmp_path / "out"
    with pytest.raises(RenderError) as caught:
        documents.render(open_repository(examples_root), CASE, "report", output=output)
    message = str(caught.value)
    assert message.startswith("templates/review-report.docx tries something a template may not do")
    assert refused in message
    assert not (examples_root / "escaped").exists() and not output.exists()


def test_a_template_escape_is_refused_on_the_command_line(examples_root: Path) -> None:
    use_own_report_template(examples_root, ESCAPES["os through a global"][0])
    (render,) = lcspr_all(examples_root, ("render", CASE, "report"))
    assert_clear(render, 1, "templates/review-report.docx tries something a template may not do",
                 "in the tag {{ cycler.__init__.__globals__.os.popen('touch escaped').read() }}")
    assert not (examples_root / "escaped").exists()


def test_a_template_cannot_include_a_file(examples_root: Path, tmp_path: Path) -> None:
    use_own_report_template(examples_root, "{% include '/etc/passwd' %}")
    with pytest.raises(RenderError, match="a template cannot include or import other files"):
        documents.render(open_repository(examples_root), CASE, "report", output=tmp_path / "out")


def test_case_data_never_becomes_template_code(examples_root: Path, tmp_path: Path) -> None:
    from docx_outline import paragraphs

    report = examples_root / "cases" / CASE / "report.md"
    code = "{{ cycler.__init__.__globals__.os.popen('touch escaped').read() }}"
    report.write_text(mdfile.set_fields(mdfile.read(report), {("title",): code}), encoding="utf-8")
    report_with(examples_root, f"The panel read {code} and {{% include '/etc/passwd' %}}.")
    (written,) = documents.render(open_repository(examples_root), CASE, "report", output=tmp_path / "out")
    text = "\n".join(paragraphs(written))
    assert code in text and "{% include '/etc/passwd' %}" in text
    assert not (examples_root / "escaped").exists()


# --- the same YAML reader for workflows and --set values ----------------------------


def test_a_workflow_override_gets_the_same_limits(examples_root: Path) -> None:
    from lcspr.workflow import load

    path = examples_root / "workflow.yaml"
    path.write_text("states: &s [*s]\n", encoding="utf-8")
    with pytest.raises(WorkflowError, match=r"^workflow\.yaml:1: the YAML uses an anchor"):
        load(path, "workflow.yaml")
    path.write_text("states: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n", encoding="utf-8")
    with pytest.raises(WorkflowError, match=r"^workflow\.yaml:1: the YAML nests lists and fields more than 50 deep"):
        load(path, "workflow.yaml")


@pytest.mark.parametrize(("raw", "message"), [
    ("&a x", "--set level:1: the YAML uses an anchor"),
    ("*a", "--set level:1: the YAML uses an alias"),
    ("[" * 1000, "--set level:1: the YAML nests lists and fields more than 50 deep"),
    ("1" * 100_000, "--set level:1: a number of 100,000 digits"),
])
def test_set_values_get_the_same_limits(raw: str, message: str) -> None:
    with pytest.raises(FileFormatError) as caught:
        mdfile.load_yaml(raw, "--set level")
    assert str(caught.value).startswith(message)


def test_ordinary_yaml_still_reads_as_before() -> None:
    value, lines = mdfile.load_yaml("a:\n  - 2026-11-26\n  - no\n  - 01234\n  - 123456789012345678\n", "x.yaml")
    assert value == {"a": ["2026-11-26", "no", "01234", 123456789012345678]}
    nested = "k: " + "[" * 49 + "]" * 49  # 50 deep with the mapping: the limit
    assert mdfile.load_yaml(nested, "x.yaml")[0]["k"] is not None
