"""A report fit to publish (issue 10, point 5): the draft sent to the Board is marked
on every page and the version for publication is not; the PDF is tagged, with a
title and a language; the files carry no personal or machine traces; and the report
reads as a publication (cover, contents, chronology rows kept whole)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import run

from lcspr import documents
from lcspr.repository import open_repository

CASE = "LIG-2026-001"
PARTNERSHIP = "Example Safeguarding Children Partnership"
MARKINGS = ("DRAFT", "OFFICIAL-SENSITIVE")


def parts_text(path: Path, prefix: str) -> dict[str, str]:
    """The text of every part named word/<prefix>*.xml (header1.xml, footer2.xml, ...)."""
    with zipfile.ZipFile(path) as package:
        return {
            name: "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", package.read(name).decode()))
            for name in package.namelist()
            if re.fullmatch(rf"word/{prefix}\d*\.xml", name)
        }


def section_references(path: Path) -> set[str]:
    """The header and footer parts every section of the body points to."""
    with zipfile.ZipFile(path) as package:
        document = package.read("word/document.xml").decode()
        rels = package.read("word/_rels/document.xml.rels").decode()
    ids = set(re.findall(r'<w:(?:header|footer)Reference [^>]*r:id="([^"]+)"', document))
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    return {targets[i] for i in ids}


def assert_marked(path: Path, marked: bool) -> None:
    used = section_references(path)
    assert any(u.startswith("header") for u in used) and any(u.startswith("footer") for u in used)
    for prefix in ("header", "footer"):
        for name, text in parts_text(path, prefix).items():
            if name.removeprefix("word/") not in used:
                continue
            for marking in MARKINGS:
                assert (marking in text) is marked, f"{path.name} {name}: {marking} {'missing' if marked else 'present'}"


def test_a_draft_render_is_marked_on_every_page(examples_root: Path) -> None:
    [path] = documents.render(open_repository(examples_root), CASE, "report")
    assert_marked(path, True)


def test_the_report_for_the_board_is_marked_and_the_one_for_publication_is_not(examples_root: Path) -> None:
    repo = open_repository(examples_root)
    [board] = documents.render_for_decision(repo, CASE, ["report"], "board-approval")
    [final] = documents.render_for_decision(repo, CASE, ["report"], "pre-publication")
    assert_marked(board, True)
    assert_marked(final, False)
    assert documents.is_for_publication(repo, "report", "pre-publication")
    assert not documents.is_for_publication(repo, "report", "board-approval")


# --- a tagged PDF ----------------------------------------------------------------


def _needs_pdf_tools() -> None:
    missing = [tool for tool in ("soffice", "pdfinfo") if not shutil.which(tool)]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} must be installed in CI")
        pytest.skip(f"{', '.join(missing)} not installed")


def test_render_pdf_is_tagged_with_title_and_language(examples_root: Path) -> None:
    _needs_pdf_tools()
    result = run(examples_root, "render", CASE, "report", "--pdf")
    assert result.exit_code == 0, result.output
    pdf = examples_root / "drafts" / CASE / f"{CASE}-review-report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(r"^Title:\s+Local Child Safeguarding Practice Review: Child A$", info, re.M), info
    assert b"/Lang(en-GB)" in pdf.read_bytes()


# --- no personal or machine traces -------------------------------------------------


def assert_no_traces(path: Path) -> None:
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        assert not [n for n in names if "thumbnail" in n.lower()], names
        for name in names:
            data = package.read(name)
            for trace in (b"w:rsid", b"attachedTemplate", b"Normal.dotm", b"savePreviewPicture"):
                assert trace not in data, f"{path.name} {name} holds {trace.decode()}"
        core = package.read("docProps/core.xml").decode()
        app = package.read("docProps/app.xml").decode()
        styles = package.read("word/styles.xml").decode()
    people = re.findall(r"<(?:dc:creator|cp:lastModifiedBy)>([^<]*)<", core)
    assert people == [PARTNERSHIP, PARTNERSHIP]
    assert "<Template>" not in app and f"<Company>{PARTNERSHIP}</Company>" in app
    assert 'w:lang w:val="en-GB"' in styles


def test_templates_carry_no_traces() -> None:
    from lcspr.resources import resource_dir

    for path in resource_dir("templates").glob("*.docx"):
        assert_no_traces(path)


@pytest.mark.parametrize("kind", ["referral", "response", "report"])
def test_rendered_documents_carry_no_traces(examples_root: Path, kind: str) -> None:
    paths = documents.render(open_repository(examples_root), CASE, kind, "police" if kind == "response" else None)
    for path in paths:
        assert_no_traces(path)


def test_traces_in_a_partnerships_own_template_are_removed(examples_root: Path, tmp_path: Path) -> None:
    """A template saved by Word keeps rsids, a thumbnail and its Normal.dotm; the rendered file does not."""
    from lcspr.resources import resource_dir

    own = examples_root / "my-templates"
    own.mkdir()
    source = resource_dir("templates") / "review-report.docx"
    with zipfile.ZipFile(source) as package, zipfile.ZipFile(own / "review-report.docx", "w") as out:
        for item in package.infolist():
            data = package.read(item)
            if item.filename == "word/settings.xml":
                data = data.replace(b"<w:zoom", b'<w:attachedTemplate r:id="rId99"/><w:rsids><w:rsidRoot w:val="00A1B2C3"/>'
                                    b'</w:rsids><w:zoom')
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:p>", b'<w:p w:rsidR="00A1B2C3">', 1)
            if item.filename == "docProps/app.xml":
                data = data.replace(b"<TotalTime>", b"<Template>C:\\Users\\someone\\Normal.dotm</Template><TotalTime>")
            if item.filename == "_rels/.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/'
                                    b'package/2006/relationships/metadata/thumbnail" Target="docProps/thumbnail.jpeg"/>'
                                    b"</Relationships>")
            if item.filename == "[Content_Types].xml" and b'Extension="jpeg"' not in data:
                data = data.replace(b"<Default ", b'<Default Extension="jpeg" ContentType="image/jpeg"/><Default ', 1)
            out.writestr(item, data)
        out.writestr("docProps/thumbnail.jpeg", b"\xff\xd8\xff\xd9")
    with pytest.raises(AssertionError):
        assert_no_traces(own / "review-report.docx")
    (examples_root / "lcspr.toml").write_text(
        (examples_root / "lcspr.toml").read_text(encoding="utf-8") + '\n[overrides]\ntemplates = "my-templates"\n',
        encoding="utf-8",
    )
    [path] = documents.render(open_repository(examples_root), CASE, "report", output=tmp_path / "out")
    assert_no_traces(path)


# --- the report reads as a publication ---------------------------------------------


def test_chronology_rows_never_split_and_dates_never_wrap(examples_root: Path) -> None:
    from docx import Document
    from docx.oxml.ns import qn

    [path] = documents.render(open_repository(examples_root), CASE, "report")
    [chronology] = [t for t in Document(str(path)).tables if t.rows[0].cells[1].text == "Agency"]
    assert len(chronology.rows) > 2
    for row in chronology.rows:
        assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
    for row in chronology.rows[1:]:
        assert row.cells[0]._tc.tcPr.find(qn("w:noWrap")) is not None


def test_no_empty_placeholder_tables_in_the_report(examples_root: Path) -> None:
    [path] = documents.render(open_repository(examples_root), CASE, "report")
    with zipfile.ZipFile(path) as package:
        text = package.read("word/document.xml").decode()
    for placeholder in ("No panel recorded.", "No practitioner events recorded.", "No chronology entries."):
        assert placeholder not in text


def test_the_publication_address_is_a_link(examples_root: Path) -> None:
    from docx import Document

    url = "https://scp.example.org/reviews/child-a"
    case_md = examples_root / "cases" / CASE / "case.md"
    case_md.write_text(case_md.read_text(encoding="utf-8").replace(
        "\n---", f"\npublication:\n  published: true\n  date: 2026-08-10\n  url: {url}\n---", 1), encoding="utf-8")
    [path] = documents.render(open_repository(examples_root), CASE, "report")
    with zipfile.ZipFile(path) as package:
        body = package.read("word/document.xml").decode()
        rels = package.read("word/_rels/document.xml.rels").decode()
    [link] = re.findall(r'<w:hyperlink r:id="([^"]+)"[^>]*>(.*?)</w:hyperlink>', body)
    assert re.search(rf'Id="{link[0]}"[^>]*Target="{re.escape(url)}"[^>]*TargetMode="External"'
                     rf'|TargetMode="External"[^>]*Target="{re.escape(url)}"[^>]*Id="{link[0]}"', rels), rels
    assert "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", link[1])) == url
    [record] = [t for t in Document(str(path)).tables if t.rows[0].cells[0].text == "Approval"]
    assert record.rows[-1].cells[1].text == f"Published on 10 August 2026 at {url}"


def _toc_entries(path: Path) -> tuple[str, list[tuple[int, str]]]:
    """The TOC field's instruction and the entries of its shown result (level, text)."""
    from docx import Document
    from docx.oxml.ns import qn

    instruction, entries, inside = "", [], False
    for paragraph in Document(str(path)).paragraphs:
        chars = [c.get(qn("w:fldCharType")) for c in paragraph._p.iter(qn("w:fldChar"))]
        text = "".join(t.text or "" for t in paragraph._p.iter(qn("w:instrText")))
        if "TOC" in text:
            instruction, inside = text.strip(), True
        elif inside and "end" in chars:
            break
        elif inside:
            entries.append((int(paragraph.style.name.split()[-1]), paragraph.text))
    return instruction, entries


def test_the_report_opens_with_a_cover_and_contents(examples_root: Path) -> None:
    from docx_outline import headings, paragraphs

    repo = open_repository(examples_root)
    [draft] = documents.render(repo, CASE, "report")
    [final] = documents.render_for_decision(repo, CASE, ["report"], "pre-publication")
    for path, dated in ((draft, "Draft"), (final, "10 December 2026")):
        first = paragraphs(path)[:4]
        assert first == [PARTNERSHIP, "Local Child Safeguarding Practice Review: Child A", dated, ""], first
        instruction, entries = _toc_entries(path)
        assert instruction == 'TOC \\o "1-3" \\h \\z \\u'
        assert entries == headings(path)
        assert (2, "Episode 1: the bruise in June 2025") in entries
    with zipfile.ZipFile(draft) as package:
        body = package.read("word/document.xml").decode()
    assert body.count('w:type="page"') >= 2
    assert body.index("Contents") < body.index("About the review")


def test_the_cover_names_the_pseudonym_when_the_title_does_not(examples_root: Path) -> None:
    from docx_outline import paragraphs

    report = examples_root / "cases" / CASE / "report.md"
    report.write_text(report.read_text(encoding="utf-8").replace(
        'title: "Local Child Safeguarding Practice Review: Child A"', 'title: "A review of early help"'),
        encoding="utf-8")
    [path] = documents.render(open_repository(examples_root), CASE, "report")
    assert paragraphs(path)[:4] == [PARTNERSHIP, "A review of early help", "Child A", "Draft"]


def test_the_pdf_shows_the_cover_and_contents(examples_root: Path) -> None:
    _needs_pdf_tools()
    if not shutil.which("pdftotext"):
        if os.environ.get("CI"):
            pytest.fail("pdftotext must be installed in CI")
        pytest.skip("pdftotext not installed")
    result = run(examples_root, "render", CASE, "report", "--pdf")
    assert result.exit_code == 0, result.output
    pdf = examples_root / "drafts" / CASE / f"{CASE}-review-report.pdf"
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    assert "Local Child Safeguarding Practice Review: Child A" in " ".join(pages[0].split())
    assert "Draft" in pages[0] and "About the review" not in pages[0]
    contents = pages[1].splitlines()
    assert "Contents" in contents
    for heading in ("About the review", "Episode 1: the bruise in June 2025", "Approval and publication"):
        assert heading in [line.strip() for line in contents], pages[1]


def test_an_executive_summary_comes_first_after_the_contents(examples_root: Path) -> None:
    from docx_outline import headings, paragraphs

    report = examples_root / "cases" / CASE / "report.md"
    text = report.read_text(encoding="utf-8")
    # Written last in the file, it still comes first in the report.
    report.write_text(text + "\n## Executive summary\n\nThree agencies each held *part* of the picture.\n\n"
                      "### What must change\n\nClosure needs every agency's view.\n", encoding="utf-8")
    [path] = documents.render(open_repository(examples_root), CASE, "report")
    assert headings(path)[:3] == [(1, "Executive summary"), (2, "What must change"), (1, "About the review")]
    assert _toc_entries(path)[1] == headings(path)
    body = paragraphs(path)
    about = max(i for i, text in enumerate(body) if text == "About the review")  # the heading, not the contents entry
    assert body.index("Contents") < body.index("Three agencies each held part of the picture.") < about


def test_without_an_executive_summary_there_is_no_such_heading(examples_root: Path) -> None:
    [path] = documents.render(open_repository(examples_root), CASE, "report")
    with zipfile.ZipFile(path) as package:
        assert "Executive summary" not in package.read("word/document.xml").decode()


def test_an_empty_executive_summary_is_refused(examples_root: Path) -> None:
    from lcspr.errors import RenderError

    report = examples_root / "cases" / CASE / "report.md"
    report.write_text(report.read_text(encoding="utf-8").replace("## Background", "## Executive summary\n\n## Background"),
                      encoding="utf-8")
    with pytest.raises(RenderError, match="`## Executive summary` is empty"):
        documents.render(open_repository(examples_root), CASE, "report")


def test_markdown_tables_use_the_style_of_the_generated_tables(examples_root: Path) -> None:
    from docx import Document
    from docx.oxml.ns import qn

    from lcspr.markdown_docx import TABLE_STYLE

    [path] = documents.render(open_repository(examples_root), CASE, "report")
    doc = Document(str(path))
    style = doc.styles[TABLE_STYLE]
    header = style.element.find(qn("w:tblStylePr"))
    assert header is not None and header.get(qn("w:type")) == "firstRow"
    assert header.find(f"{qn('w:rPr')}/{qn('w:b')}") is not None
    assert header.find(f"{qn('w:tcPr')}/{qn('w:shd')}").get(qn("w:fill")) == "E7E6E6"
    by_header = {tuple(c.text for c in t.rows[0].cells): t for t in doc.tables}
    markdown = by_header[("Agency", "Contacts", "Referrals made")]
    chronology = by_header[("Date", "Agency", "Event", "Significance")]
    assert markdown.style.name == chronology.style.name == TABLE_STYLE
    look = markdown._tbl.tblPr.find(qn("w:tblLook"))
    assert look is None or look.get(qn("w:firstRow")) in ("1", "true") or look.get(qn("w:val")) == "04A0"


def test_markdown_tables_fall_back_to_table_grid_without_the_style(tmp_path: Path) -> None:
    from docx import Document
    from docxtpl import DocxTemplate

    from lcspr.markdown_docx import TABLE_STYLE, markdown_to_subdoc
    from lcspr.resources import resource_dir

    table = "| a | b |\n|---|---|\n| 1 | 2 |\n"
    shipped = DocxTemplate(resource_dir("templates") / "review-report.docx")
    assert markdown_to_subdoc(shipped, table).tables[0].style.name == TABLE_STYLE
    Document().save(str(tmp_path / "plain.docx"))  # python-docx's own: Table Grid, not lcspr's style
    plain = DocxTemplate(tmp_path / "plain.docx")
    assert markdown_to_subdoc(plain, table).tables[0].style.name == "Table Grid"


def test_no_row_of_a_markdown_table_splits_across_pages(tmp_path):
    """A table written in report.md keeps each row whole, as the generated tables do."""
    from docx import Document

    from lcspr.markdown_docx import markdown_to_subdoc
    from docxtpl import DocxTemplate
    from lcspr.resources import resource_dir

    tpl = DocxTemplate(resource_dir("templates") / "review-report.docx")
    tpl.get_docx()
    subdoc = markdown_to_subdoc(tpl, "| Finding | Agency |\n|---|---|\n| One | Police |\n| Two | Health |\n")
    rows = subdoc.subdocx.element.body.findall(".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tr")
    assert len(rows) == 3
    for row in rows:
        assert row.find(".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}cantSplit") is not None
