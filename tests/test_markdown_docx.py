"""Markdown bodies rendered into a real docxtpl template, read back with python-docx.

Every test renders through docxtpl exactly as `lcspr render` will (a `{{p body }}`
paragraph between "Before" and "After"), saves, reopens the file and compares text and
structure, never bytes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.shared import Pt
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate

from lcspr.markdown_docx import INDENT_PT, MONOSPACE_FONT, markdown_to_plain, markdown_to_subdoc

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def make_template(path: Path, *, without: tuple[str, ...] = ()) -> Path:
    """A one-tag template in python-docx's default styles, less the styles in `without`."""
    document = docx.Document()
    for name in without:
        document.styles[name].delete()
    document.add_paragraph("Before")
    document.add_paragraph("{{p body }}")
    document.add_paragraph("After")
    document.save(path)
    return path


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return make_template(tmp_path / "template.docx")


def render(template: Path, markdown: str, *, autoescape: bool = False, **options: int) -> Document:
    tpl = DocxTemplate(template)
    tpl.render({"body": markdown_to_subdoc(tpl, markdown, **options)}, autoescape=autoescape)
    out = template.with_name("rendered.docx")
    tpl.save(out)
    return docx.Document(out)


def body(document: Document) -> list[Paragraph]:
    """The paragraphs the subdocument put between "Before" and "After"."""
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Before" and texts[-1] == "After"
    return document.paragraphs[1:-1]


def styles(document: Document) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in body(document)]


def numbering(paragraph: Paragraph) -> tuple[int, int] | None:
    """(numId, ilvl) set directly on a paragraph, if any."""
    ppr = paragraph._p.pPr
    if ppr is None or ppr.numPr is None:
        return None
    return ppr.numPr.numId.val, ppr.numPr.ilvl.val


def _text(element: object) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))  # type: ignore[attr-defined]


def start_override(document: Document, num_id: int) -> int:
    num = document.part.numbering_part.element.num_having_numId(num_id)
    (value,) = num.xpath("./w:lvlOverride/w:startOverride/@w:val")
    return int(value)


# -- blocks -------------------------------------------------------------------------


def test_headings_use_the_templates_heading_styles(template: Path) -> None:
    document = render(template, "# Referral\n\n## Agencies involved\n\n###### Detail")
    assert styles(document) == [
        ("Heading 1", "Referral"),
        ("Heading 2", "Agencies involved"),
        ("Heading 6", "Detail"),
    ]


def test_heading_offset_moves_headings_down_and_clamps_at_nine(template: Path) -> None:
    document = render(template, "# Findings\n\n## Learning", heading_offset=2)
    assert [p.style.name for p in body(document)] == ["Heading 3", "Heading 4"]
    document = render(template, "# Findings\n\n###### Deepest", heading_offset=4)
    assert [p.style.name for p in body(document)] == ["Heading 5", "Heading 9"]


def test_paragraphs_keep_bold_italic_and_code_runs(template: Path) -> None:
    document = render(template, "Child A was seen by **Northgate Health** on *Monday*; see `LIG-2026-004`.\n\nSecond.")
    first, second = body(document)
    assert first.style.name == "Normal"
    assert first.text == "Child A was seen by Northgate Health on Monday; see LIG-2026-004."
    runs = {run.text: run for run in first.runs}
    assert runs["Northgate Health"].bold and not runs["Northgate Health"].italic
    assert runs["Monday"].italic and not runs["Monday"].bold
    assert runs["LIG-2026-004"].font.name == MONOSPACE_FONT
    assert second.text == "Second."


def test_soft_break_is_a_space_and_hard_break_a_line_break(template: Path) -> None:
    (paragraph,) = body(render(template, "wrapped\nline, then a hard  \nbreak and\\\nanother"))
    assert paragraph.text == "wrapped line, then a hard\nbreak and\nanother"
    assert len(paragraph._p.findall(f"{W}r/{W}br")) == 2


def test_block_quote_uses_quote_style(template: Path) -> None:
    document = render(template, "> The school said:\n>\n> > nested")
    assert styles(document) == [("Quote", "The school said:"), ("Quote", "nested")]


def test_code_blocks_are_monospace_and_literal(template: Path) -> None:
    markdown = "```text\nif a < b:\n\tsay('**not bold**')\n```\n\n    indented {{ code }}\n"
    fenced, indented = body(render(template, markdown))
    assert fenced.text == "if a < b:\n\tsay('**not bold**')"
    assert indented.text == "indented {{ code }}"
    for paragraph in (fenced, indented):
        assert all(run.font.name == MONOSPACE_FONT and not run.bold for run in paragraph.runs)


def test_thematic_break_is_an_empty_paragraph(template: Path) -> None:
    assert styles(render(template, "Above\n\n---\n\nBelow")) == [
        ("Normal", "Above"),
        ("Normal", ""),
        ("Normal", "Below"),
    ]


def test_raw_html_is_shown_as_typed(template: Path) -> None:
    document = render(template, "<div>\n<b>Child A</b>\n</div>\n\nAn <i>inline</i> tag &amp; entity")
    block, inline = body(document)
    assert block.text == "<div> <b>Child A</b> </div>"
    assert inline.text == "An <i>inline</i> tag & entity"
    assert not any(run.bold or run.italic for p in (block, inline) for run in p.runs)


@pytest.mark.parametrize("autoescape", [False, True])
def test_xml_and_jinja_characters_arrive_as_written(template: Path, autoescape: bool) -> None:
    markdown = "Smith & Jones <Ltd> wrote {{ x }} and {% if y %}{# z #}\n\n`{_{ a }_} {_% b %_}`"
    first, second = body(render(template, markdown, autoescape=autoescape))
    assert first.text == "Smith & Jones <Ltd> wrote {{ x }} and {% if y %}{# z #}"
    # docxtpl turns these back into Jinja delimiters unless they are kept apart
    assert second.text == "{_{ a }_} {_% b %_}"


def test_control_characters_neither_break_the_file_nor_the_paragraph(template: Path) -> None:
    (paragraph,) = body(render(template, "Child A\a seen\f at home\x00."))
    assert paragraph.text == "Child A seen at home."


@pytest.mark.parametrize("markdown", ["", "   \n\t\n"])
def test_empty_markdown_gives_an_empty_subdoc(template: Path, markdown: str) -> None:
    tpl = DocxTemplate(template)
    subdoc = markdown_to_subdoc(tpl, markdown)
    assert str(subdoc) == ""
    assert body(render(template, markdown)) == []


def test_blocks_keep_their_order_around_tables(template: Path) -> None:
    document = render(template, "# Chronology\n\n| Date |\n|---|\n| 2026-01-05 |\n\nEnd of chronology.")
    tags = [child.tag.removeprefix(W) for child in document.element.body]
    assert tags == ["p", "p", "tbl", "p", "p", "sectPr"]


# -- lists --------------------------------------------------------------------------


def test_bullet_lists_nest_three_levels_with_list_bullet_styles(template: Path) -> None:
    markdown = "- Police\n  - Response team\n    - Officer on duty\n  - CID\n- Health"
    assert styles(render(template, markdown)) == [
        ("List Bullet", "Police"),
        ("List Bullet 2", "Response team"),
        ("List Bullet 3", "Officer on duty"),
        ("List Bullet 2", "CID"),
        ("List Bullet", "Health"),
    ]


def test_numbered_lists_nest_with_list_number_styles(template: Path) -> None:
    markdown = "1. Referral\n   1. Screening\n      1. Decision\n2. Review\n   - a bullet under a number"
    assert styles(render(template, markdown)) == [
        ("List Number", "Referral"),
        ("List Number 2", "Screening"),
        ("List Number 3", "Decision"),
        ("List Number", "Review"),
        ("List Bullet 2", "a bullet under a number"),
    ]


def test_each_numbered_list_restarts_its_numbering(template: Path) -> None:
    # "7)" after "1." opens a new list: CommonMark joins lists only of the same delimiter
    document = render(template, "1. one\n2. two\n\nBetween.\n\n1. again\n7) seventh")
    one, two, _, again, seventh = body(document)
    assert numbering(one) == numbering(two)
    assert len({numbering(one), numbering(again), numbering(seventh)}) == 3
    assert start_override(document, numbering(one)[0]) == 1
    assert start_override(document, numbering(again)[0]) == 1
    assert start_override(document, numbering(seventh)[0]) == 7


def test_restarted_lists_share_the_styles_numbering_definition(template: Path) -> None:
    document = render(template, "1. a\n   1. x\n2. b\n   1. y")
    a, x, b, y = body(document)
    assert numbering(a) == numbering(b) and numbering(x) != numbering(y)
    numbering_xml = document.part.numbering_part.element

    def abstract(paragraph: Paragraph) -> int:
        return numbering_xml.num_having_numId(numbering(paragraph)[0]).abstractNumId.val

    style_num_id = document.styles["List Number 2"].element.pPr.numPr.numId.val
    assert abstract(x) == abstract(y) == numbering_xml.num_having_numId(style_num_id).abstractNumId.val


def test_bullet_lists_keep_the_styles_own_bullets(template: Path) -> None:
    assert [numbering(p) for p in body(render(template, "- a\n- b"))] == [None, None]


def test_later_paragraphs_of_a_list_item_continue_it(template: Path) -> None:
    document = render(template, "- First point\n\n  More about it.\n- Next point\n\n  > quoted in the item")
    assert styles(document) == [
        ("List Bullet", "First point"),
        ("List Continue", "More about it."),
        ("List Bullet", "Next point"),
        ("Quote", "quoted in the item"),
    ]


def test_an_item_opening_with_another_block_keeps_its_marker(template: Path) -> None:
    document = render(template, "- ## Heading in item\n-\n- last")
    assert styles(document) == [
        ("List Bullet", ""),
        ("Heading 2", "Heading in item"),
        ("List Bullet", ""),
        ("List Bullet", "last"),
    ]


# -- tables -------------------------------------------------------------------------


def test_pipe_tables_become_word_tables_with_a_bold_header(template: Path) -> None:
    markdown = (
        "| Date | Agency | Event |\n"
        "|:-----|:------:|------:|\n"
        "| 2026-01-05 | Northgate Health | Home visit, **missed** |\n"
        "| 2026-02-11 | Police | `{{ x }}` & <y> |\n"
    )
    document = render(template, markdown)
    (table,) = document.tables
    assert table.style.name == "Table Grid"
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["Date", "Agency", "Event"],
        ["2026-01-05", "Northgate Health", "Home visit, missed"],
        ["2026-02-11", "Police", "{{ x }} & <y>"],
    ]
    header, first, _ = table.rows
    assert all(run.bold for cell in header.cells for run in cell.paragraphs[0].runs)
    assert header._tr.trPr.find(f"{W}tblHeader") is not None
    assert [run.bold for run in first.cells[2].paragraphs[0].runs] == [None, True]
    assert [cell.paragraphs[0].alignment for cell in first.cells] == [0, 1, 2]  # left, centre, right


def test_short_table_rows_are_padded(template: Path) -> None:
    (table,) = render(template, "| A | B |\n|---|---|\n| only |").tables
    assert [[cell.text for cell in row.cells] for row in table.rows] == [["A", "B"], ["only", ""]]


# -- links --------------------------------------------------------------------------


def test_links_are_real_hyperlinks_to_their_address(template: Path) -> None:
    url = "https://example.org/guidance?a=1&b=2"
    document = render(template, f"Read [the **guidance**]({url}) and <https://example.org/auto>.")
    (paragraph,) = body(document)
    assert paragraph.text == "Read the guidance and https://example.org/auto."
    hyperlinks = paragraph._p.findall(f"{W}hyperlink")
    assert [_text(h) for h in hyperlinks] == ["the guidance", "https://example.org/auto"]
    relationships = [document.part.rels[h.get(f"{R}id")] for h in hyperlinks]
    assert [rel.target_ref for rel in relationships] == [url, "https://example.org/auto"]
    assert all(rel.is_external and rel.reltype.endswith("/hyperlink") for rel in relationships)
    the, guidance = hyperlinks[0].findall(f"{W}r")
    assert _text(guidance) == "guidance" and guidance.find(f"{W}rPr/{W}b") is not None
    assert the.find(f"{W}rPr/{W}u") is not None  # no Hyperlink style in the template: underlined


def test_unsafe_link_schemes_stay_text(template: Path) -> None:
    (paragraph,) = body(render(template, "[click](javascript:alert(1))"))
    assert paragraph._p.findall(f"{W}hyperlink") == []
    assert paragraph.text == "[click](javascript:alert(1))"


def test_images_keep_their_description_and_address(template: Path) -> None:
    (paragraph,) = body(render(template, "![floor plan of *the flat*](plan.png)"))
    assert paragraph.text == "floor plan of the flat (plan.png)"


# -- a template without the styles --------------------------------------------------


def test_missing_styles_fall_back_without_failing(tmp_path: Path) -> None:
    template = make_template(
        tmp_path / "plain.docx",
        without=("Heading 2", "Quote", "Intense Quote", "List Bullet 2", "List Number", "List Continue", "Table Grid"),
    )
    markdown = "## Findings\n\n> quoted\n\n- top\n  - second\n\n3. three\n4. four\n\n- item\n\n  more\n\n| A |\n|---|\n| 1 |"
    document = render(template, markdown)
    paragraphs = body(document)
    assert [(p.style.name, p.text) for p in paragraphs] == [
        ("Normal", "Findings"),
        ("Normal", "quoted"),
        ("List Bullet", "top"),
        ("Normal", "\u2022\tsecond"),
        ("Normal", "3.\tthree"),
        ("Normal", "4.\tfour"),
        ("List Bullet", "item"),
        ("Normal", "more"),
    ]
    heading, quote, _, second, three, _, _, more = paragraphs
    assert all(run.bold for run in heading.runs)
    assert quote.paragraph_format.left_indent == Pt(INDENT_PT)
    assert second.paragraph_format.left_indent == Pt(2 * INDENT_PT)
    assert three.paragraph_format.left_indent == Pt(INDENT_PT)
    assert more.paragraph_format.left_indent == Pt(INDENT_PT)
    (table,) = document.tables
    assert table._tbl.tblPr.find(f"{W}tblStyle") is None
    assert table.rows[0].cells[0].paragraphs[0].runs[0].bold


def test_a_list_style_without_numbering_gets_written_numbers(tmp_path: Path) -> None:
    path = make_template(tmp_path / "template.docx")
    document = docx.Document(path)
    document.styles["List Number"].element.pPr._remove_numPr()
    document.save(path)
    assert styles(render(path, "1. first\n2. second")) == [
        ("List Number", "1.\tfirst"),
        ("List Number", "2.\tsecond"),
    ]


# -- plain text and import cost -----------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("**Child A**'s *school*: [Northgate Academy](https://example.org)", "Child A's school: Northgate Academy"),
        ("# Title\n\nline one\nline two  \nthree", "Title line one line two three"),
        ("- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |", "a b x y 1 2"),
        ("Smith & Jones <Ltd> {{ x }} `code`", "Smith & Jones <Ltd> {{ x }} code"),
        ("", ""),
        ("  \n ", ""),
    ],
)
def test_markdown_to_plain_keeps_the_text(markdown: str, plain: str) -> None:
    assert markdown_to_plain(markdown) == plain


def test_importing_the_module_loads_no_document_libraries() -> None:
    code = "import sys, lcspr.markdown_docx; print(sorted({'docx', 'docxtpl', 'markdown_it'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.stdout.strip() == "[]"


# -- linear building (issue 15) --------------------------------------------------------


def test_one_relationship_per_address_each_with_its_own_id(template: Path) -> None:
    document = render(template, "[a](https://example.org/1) [b](https://example.org/2) [c](https://example.org/1)")
    ids = [h.get(f"{R}id") for h in body(document)[0]._p.findall(f"{W}hyperlink")]
    assert ids[0] == ids[2] != ids[1]
    rels = document.part.rels
    assert len(rels) == len({rel.rId for rel in rels.values()})  # none overwrote the template's own
    assert [rels[i].target_ref for i in ids] == ["https://example.org/1", "https://example.org/2", "https://example.org/1"]


def test_every_cell_of_a_long_table_takes_its_column_width(template: Path) -> None:
    rows = "".join(f"| {n} | *{n}* |\n" for n in range(300))
    (table,) = render(template, "| A | B |\n|---|---|\n" + rows).tables
    assert len(table.rows) == 301 and table.rows[300].cells[1].text == "299"
    widths = {column.width for column in table.columns}
    assert len(widths) == 1 and None not in widths
    assert {cell.width for row in table.rows for cell in row.cells} == widths
    # Only the header repeats on each page; no row splits across a page.
    assert [row._tr.trPr.find(f"{W}tblHeader") is not None for row in table.rows[:2]] == [True, False]
    assert all(row._tr.trPr.find(f"{W}cantSplit") is not None for row in table.rows)


def test_runs_keep_their_spaces_and_tabs(template: Path) -> None:
    # CommonMark drops one space at each end of a code span; the others stay.
    (paragraph,) = body(render(template, "`  two  spaces\tand a tab  `"))
    (run,) = paragraph.runs
    texts = run._r.findall(f"{W}t")
    assert [t.text for t in texts] == [" two  spaces", "and a tab "]
    assert all(t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve" for t in texts)
    assert run._r.find(f"{W}tab") is not None and run.font.name == MONOSPACE_FONT
