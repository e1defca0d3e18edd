"""The three Word templates, written from code: `python -m lcspr.templates_build FOLDER`.

templates/referral.docx, templates/referral-response.docx and
templates/review-report.docx are docxtpl templates. A .docx cannot be reviewed in
a diff, so this module is their source: a change to a template is a change here,
reviewed as code, then rebuilt and committed with the .docx files (which stay in
the repository so that a partnership can open them in Word and copy them). A test
rebuilds them and checks the committed files still match.

It lives in the package, not in templates/, so that the test imports it like any
other module and a partnership can write a fresh set to start its own from:

    python -m lcspr.templates_build my-templates --partnership "Our Partnership"

Every template has the partnership's name and the case ID in the page header, the
page number in the footer, a title, the form's fields in tables and the narrative
as headings with Markdown subdocuments (`{{p ... }}`). The referral and the
referral responses are marked OFFICIAL-SENSITIVE at the top and bottom of every
page: they are working papers, never published. Which variables each template may
use is in `lcspr.document_context` and docs/documents.md.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, cast

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from lcspr.docx_properties import set_properties
from lcspr.markdown_docx import TABLE_STYLE

if TYPE_CHECKING:  # pragma: no cover
    from docx.document import Document as DocumentObject
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

MARKING = "OFFICIAL-SENSITIVE"
#: The report's marking while it is a draft (`draft` true: sent to the Board, or `lcspr render`).
DRAFT_MARKING = "DRAFT \u2013 OFFICIAL-SENSITIVE"
FONT = "Arial"
EXAMPLE_PARTNERSHIP = "Example Safeguarding Children Partnership"

# Fixed, so that rebuilding an unchanged template gives the same file: the
# properties and the zip entries carry this date, not the time of the build.
BUILT = datetime(2026, 1, 1, tzinfo=timezone.utc)
_ZIP_DATE = (2026, 1, 1, 0, 0, 0)

_LABEL_SHADING = "E7E6E6"
#: Word's built-in styles of contents entries, by level (LibreOffice: Contents 1, 2, 3).
_TOC_STYLES = ("toc 1", "toc 2", "toc 3")
_TEXT_WIDTH = Cm(17)  # A4 (21 cm) less two 2 cm margins
#: Wide enough for "30 September 2026" on one line in 11 pt Arial, with the cell's margins.
_DATE_WIDTH = Cm(4.6)


@dataclass(frozen=True)
class TemplateSpec:
    """One template: its file name, its title in the document properties, and its body."""

    file_name: str
    title: str
    marked: bool
    body: Callable[["DocumentObject"], None]


# --- the three forms -----------------------------------------------------------


def _referral(doc: "DocumentObject") -> None:
    doc.add_paragraph("Referral to the Learning and Inquiry Group", style="Title")
    doc.add_paragraph("Local Child Safeguarding Practice Review: referral form", style="Subtitle")
    doc.add_heading("About the referral", level=1)
    _fields(doc, [
        ("Case ID", "{{ case_id }}"),
        ("Date of referral", "{{ referral.date }}"),
        ("Referring agency", "{{ referral.referring_agency }}"),
        ("Referrer's role", "{{ referral.referrer_role }}"),
        ("Senior safeguarding lead agreed", "{{ referral.safeguarding_lead_agreed }}"),
    ])
    doc.add_heading("The child", level=1)
    _fields(doc, [
        ("Pseudonym", "{{ referral.child.pseudonym }}"),
        ("Age at the time of the incident", "{{ referral.child.age_band }}"),
    ])
    doc.add_heading("The incident", level=1)
    _fields(doc, [
        ("Death or serious harm", "{{ referral.incident.kind }}"),
        ("Date", "{{ referral.incident.date }}"),
        ("Abuse or neglect", "{{ referral.incident.abuse_or_neglect }}"),
        ("Where the child lives", "{{ referral.incident.child_lives_in }}"),
        ("Where it happened", "{{ referral.incident.happened_in }}"),
    ])
    doc.add_heading("Agencies involved", level=1)
    _bullets(doc, "agency in referral.agencies_involved", "{{ agency }}", "None recorded.")
    doc.add_heading("Criteria the referrer thinks are met", level=1)
    _rows(doc, ["Criterion (reg 11)", "Why the referrer thinks it is met"],
          "item in referral.criteria", ["{{ item.criterion }}", "{{ item.why }}"],
          "No criteria given.", [Cm(7), Cm(10)])
    _markdown(doc, "referral.body")


def _response(doc: "DocumentObject") -> None:
    doc.add_paragraph("Referral response", style="Title")
    doc.add_paragraph("{{ response.agency }}", style="Subtitle")
    doc.add_heading("About the response", level=1)
    _fields(doc, [
        ("Case ID", "{{ case_id }}"),
        ("Child", "{{ case.title }}"),
        ("Agency", "{{ response.agency }}"),
        ("Responder's role", "{{ response.responder_role }}"),
        ("Requested", "{{ response.requested }}"),
        ("Returned", "{{ response.date }}"),
    ])
    doc.add_heading("Involvement with the child and family", level=1)
    _fields(doc, [
        ("From", "{{ response.involvement.from }}"),
        ("To", "{{ response.involvement.to }}"),
        ("Nature of the involvement", "{{ response.involvement.nature }}"),
        ("Narrative supplied", "{{ response.narrative }}"),
    ])
    doc.add_heading("Chronology of key contacts", level=1)
    _rows(doc, ["Date", "Event", "Significance"],
          "entry in response.chronology",
          ["{{ entry.date }}", "{{ entry.event }}", "{{ entry.significance }}"],
          "No chronology entries.", [_DATE_WIDTH, Cm(6.6), Cm(5.8)])
    _markdown(doc, "response.body")


def _report(doc: "DocumentObject") -> None:
    _cover(doc)
    _contents(doc)
    # report.md's `## Executive summary`, first after the contents; nothing without one.
    _tag(doc, "{%p if report.executive_summary %}")
    doc.add_heading("Executive summary", level=1)
    _markdown(doc, "report.executive_summary")
    _tag(doc, "{%p endif %}")
    doc.add_heading("About the review", level=1)
    _fields(doc, [
        ("Case ID", "{{ case_id }}"),
        ("Subjects", "{{ case.subjects }}"),
        ("Methodology", "{{ case.level }}"),
        ("Why this methodology", "{{ report.methodology_reason }}"),
        ("Decision to hold the review", "{{ case.lig_decision_date }}"),
        ("Criteria met (reg 11)", "{{ case.criteria }}"),
        ("The Learning and Inquiry Group's reasons", "{{ case.rationale }}"),
    ])
    doc.add_heading("Terms of reference", level=1)
    _numbered(doc, "question in report.terms_of_reference", "{{ question }}", "None recorded.")
    doc.add_heading("Reviewer and panel", level=1)
    _fields(doc, [
        ("Led by", "{{ report.reviewer.role }}"),
        ("Appointment", "{{ report.reviewer.appointment }}"),
        ("Independence", "{{ report.reviewer.independence }}"),
    ])
    # A list with nothing in it is left out, not shown as an empty table.
    _tag(doc, "{%p if report.panel %}")
    doc.add_paragraph()
    _rows(doc, ["Panel member's agency", "Role"], "member in report.panel",
          ["{{ member.agency }}", "{{ member.role }}"], None, [Cm(7), Cm(10)])
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p if report.practitioner_events %}")
    doc.add_paragraph()
    _rows(doc, ["Date", "Practitioner involvement"], "event in report.practitioner_events",
          ["{{ event.date }}", "{{ event.kind }}"], None, [_DATE_WIDTH, Cm(12.4)])
    _tag(doc, "{%p endif %}")
    doc.add_heading("Background", level=1)
    _markdown(doc, "report.background")
    doc.add_heading("Multi-agency chronology", level=1)
    doc.add_paragraph("{{ report.chronology_note }}")
    _tag(doc, "{%p if report.chronology %}")
    _rows(doc, ["Date", "Agency", "Event", "Significance"], "entry in report.chronology",
          ["{{ entry.date }}", "{{ entry.agency }}", "{{ entry.event }}", "{{ entry.significance }}"],
          None, [_DATE_WIDTH, Cm(3.0), Cm(4.8), Cm(4.6)])
    _tag(doc, "{%p endif %}")
    doc.add_heading("Key practice episodes", level=1)
    _markdown(doc, "report.key_practice_episodes")
    doc.add_heading("Findings", level=1)
    _markdown(doc, "report.findings")
    # Sections of report.md beyond the three above, in the order written.
    _tag(doc, "{%p for section in report.further_sections %}")
    doc.add_heading("{{ section.title }}", level=1)
    _markdown(doc, "section.body")
    _tag(doc, "{%p endfor %}")
    doc.add_heading("Recommendations", level=1)
    _rows(doc, ["ID", "Recommendation", "Owner", "Target date"], "item in report.recommendations",
          ["{{ item.id }}", "{{ item.text }}", "{{ item.owner }}", "{{ item.target }}"],
          "No recommendations.", [Cm(1.2), Cm(7.4), Cm(3.8), _DATE_WIDTH])
    doc.add_heading("Approval and publication", level=1)
    _fields(doc, [
        ("Approval", "{{ report.approval }}"),
        ("Sent before publication", "{{ report.pre_publication }}"),
        ("Planned publication", "{{ case.planned_publication }}"),
        ("Publication", "{{ report.publication }}"),
    ])


def _cover(doc: "DocumentObject") -> None:
    """The report's first page: the partnership, the title (and the pseudonym, when the
    title does not already hold it), and the date of publication, or "Draft"."""
    partnership = doc.add_paragraph("{{ partnership }}", style="Subtitle")
    partnership.paragraph_format.space_before = Pt(120)
    doc.add_paragraph("{{ report.title }}", style="Title")
    _tag(doc, "{%p if case.title not in report.title %}")
    doc.add_paragraph("{{ case.title }}", style="Subtitle")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p if draft %}")
    doc.add_paragraph("Draft", style="Subtitle").runs[0].bold = True
    _tag(doc, "{%p else %}")
    doc.add_paragraph("{{ report.publication_date }}", style="Subtitle")
    _tag(doc, "{%p endif %}")
    _page_break(doc.add_paragraph())


def _contents(doc: "DocumentObject") -> None:
    """A Word TOC field whose shown result lists `report.contents`, so that the contents
    are there before any program updates the field (LibreOffice's PDF export does not);
    Word's Update Field rebuilds it with page numbers."""
    doc.add_paragraph("Contents", style="TOC Heading")
    start = doc.add_paragraph(style=_TOC_STYLES[0])
    _field_char(start, "begin")
    _instruction(start, 'TOC \\o "1-3" \\h \\z \\u')
    _field_char(start, "separate")
    _tag(doc, "{%p for entry in report.contents %}")
    for level, style in enumerate(_TOC_STYLES, start=1):
        _tag(doc, f"{{%p {'if' if level == 1 else 'elif'} entry.level == {level} %}}")
        doc.add_paragraph("{{ entry.title }}", style=style)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    end = doc.add_paragraph(style=_TOC_STYLES[0])
    _field_char(end, "end")
    _page_break(end)


def _page_break(paragraph: "Paragraph") -> None:
    paragraph.add_run().add_break(WD_BREAK.PAGE)


TEMPLATES: dict[str, TemplateSpec] = {
    "referral": TemplateSpec("referral.docx", "Referral to the Learning and Inquiry Group", True, _referral),
    "response": TemplateSpec("referral-response.docx", "Referral response", True, _response),
    "report": TemplateSpec("review-report.docx", "Local Child Safeguarding Practice Review report", False, _report),
}


# --- building blocks -----------------------------------------------------------


def build(kind: str, path: Path, partnership: str = EXAMPLE_PARTNERSHIP) -> Path:
    """Write the template of `kind` (referral, response, report) to `path`."""
    spec = TEMPLATES[kind]
    doc = Document()
    _page_and_styles(doc)
    _header_and_footer(doc, spec.marked, draft_only=not spec.marked)
    spec.body(doc)
    set_properties(doc, partnership=partnership, title=spec.title, subject="lcspr document template",
                   when=BUILT, category=MARKING if spec.marked else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    _fix_zip_dates(path)
    return path


def build_all(folder: Path, partnership: str = EXAMPLE_PARTNERSHIP) -> list[Path]:
    """Write all three templates into `folder`; return their paths."""
    return [build(kind, folder / spec.file_name, partnership) for kind, spec in TEMPLATES.items()]


def _page_and_styles(doc: "DocumentObject") -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    section.header_distance = section.footer_distance = Cm(1.0)
    sizes = {"Normal": 11, "Title": 24, "Subtitle": 14, "Heading 1": 14, "Heading 2": 12, "Heading 3": 11}
    for name, size in sizes.items():
        style = doc.styles[name]
        _set_font(style.element, FONT)
        style.font.size = Pt(size)
    for name in ("Heading 1", "Heading 2", "Heading 3", "Title"):
        doc.styles[name].font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
    doc.styles["Normal"].paragraph_format.space_after = Pt(6)
    _table_style(doc)
    for level, name in enumerate(_TOC_STYLES):
        toc = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        toc.base_style = doc.styles["Normal"]
        toc.next_paragraph_style = doc.styles["Normal"]
        toc.paragraph_format.left_indent = Cm(0.6 * level)
        toc.paragraph_format.space_after = Pt(3)
        toc.priority = 39
    # The default Header/Footer tab stops are for US Letter and include a centre stop
    # that a long partnership name runs past; keep one right-aligned stop at A4's edge.
    for name in ("Header", "Footer"):
        stops = doc.styles[name].paragraph_format.tab_stops
        stops.clear_all()
        stops.add_tab_stop(_TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)


def _table_style(doc: "DocumentObject") -> None:
    """TABLE_STYLE: Table Grid's borders and a shaded, bold header row that repeats on
    each page, the look of the list tables; Markdown tables in a case file's text use
    it (lcspr.markdown_docx), and so do the list tables."""
    style = doc.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
    grid = doc.styles["Table Grid"]
    style.base_style = grid
    style.priority = 59
    # Table Grid's borders copied, not only inherited, for readers that skip basedOn.
    style.element.append(deepcopy(grid.element.find(qn("w:tblPr"))))
    header = OxmlElement("w:tblStylePr")
    header.set(qn("w:type"), "firstRow")
    rpr = OxmlElement("w:rPr")
    rpr.append(OxmlElement("w:b"))
    header.append(rpr)
    trpr = OxmlElement("w:trPr")
    trpr.append(OxmlElement("w:tblHeader"))
    header.append(trpr)
    tcpr = OxmlElement("w:tcPr")
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), _LABEL_SHADING)
    tcpr.append(shading)
    header.append(tcpr)
    style.element.append(header)


def _set_font(style_element: object, name: str) -> None:
    """Set a style's font for every script, dropping the theme fonts that would override it."""
    rpr = style_element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)


def _header_and_footer(doc: "DocumentObject", marked: bool, draft_only: bool = False,
                       header: str = "{{ partnership }}\t{{ case_id }}") -> None:
    """The partnership and case ID at the top of every page, the page number at the
    bottom, and the marking at both: always (`marked`), or only in a draft
    (`draft_only`: a docxtpl condition on `draft`, so the published report has none)."""
    section = doc.sections[0]
    top = section.header
    first = top.paragraphs[0]
    if marked:
        _marking(first)
        first = top.add_paragraph()
    elif draft_only:
        _draft_marking(first, top.add_paragraph(), top.add_paragraph())
        first = top.add_paragraph()
    first.style = doc.styles["Header"]
    # The partnership at the left edge, the case ID at the right.
    first.add_run(header)

    footer = section.footer
    pages = footer.paragraphs[0]
    pages.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pages.add_run("Page ")
    _field(pages, "PAGE", "1")
    pages.add_run(" of ")
    _field(pages, "NUMPAGES", "1")
    if marked:
        _marking(footer.add_paragraph())
    elif draft_only:
        _draft_marking(footer.add_paragraph(), footer.add_paragraph(), footer.add_paragraph())


def _marking(paragraph: "Paragraph", text: str = MARKING) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = True


def _draft_marking(opening: "Paragraph", marking: "Paragraph", closing: "Paragraph") -> None:
    # Three paragraphs: docxtpl removes the two holding only a `{%p %}` tag.
    opening.add_run("{%p if draft %}")
    _marking(marking, DRAFT_MARKING)
    closing.add_run("{%p endif %}")


def _field(paragraph: "Paragraph", instruction: str, shown: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice update on display."""
    _field_char(paragraph, "begin")
    _instruction(paragraph, instruction)
    _field_char(paragraph, "separate")
    paragraph.add_run(shown)
    _field_char(paragraph, "end")


def _field_char(paragraph: "Paragraph", kind: str) -> None:
    run = paragraph.add_run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run._r.append(char)


def _instruction(paragraph: "Paragraph", instruction: str) -> None:
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)


def _fields(doc: "DocumentObject", rows: list[tuple[str, str]]) -> "Table":
    """A two-column table of form fields: a shaded label, then its value."""
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for label, value in rows:
        cells = table.add_row().cells
        _text(cells[0], label, bold=True)
        _shade(cells[0])
        _text(cells[1], value)
    _widths(table, [Cm(6), Cm(11)])
    return cast("Table", table)


def _rows(doc: "DocumentObject", headers: list[str], loop: str, cells: list[str],
          empty: str | None, widths: list[Cm]) -> "Table":
    """A table with a header row and one row per item of a list: `{%tr for <loop> %}`,
    with a row spanning the table that says `empty` when the list has no items (with
    `empty` None, the caller leaves the table out instead). No row splits across a
    page, and a first column headed Date never wraps."""
    table = doc.add_table(rows=0, cols=len(headers))
    table.style = doc.styles[TABLE_STYLE]
    head = table.add_row()
    for cell, text in zip(head.cells, headers):
        _text(cell, text, bold=True)
        _shade(cell)
    _repeat_header(head)
    _text(table.add_row().cells[0], f"{{%tr for {loop} %}}")
    item = table.add_row()
    for cell, text in zip(item.cells, cells):
        _text(cell, text)
    if headers[0] == "Date":
        _no_wrap(item.cells[0])
    if empty is not None:
        _text(table.add_row().cells[0], "{%tr else %}")
        none = table.add_row().cells
        merged = none[0].merge(none[-1])
        _text(merged, empty)
    _text(table.add_row().cells[0], "{%tr endfor %}")
    _widths(table, widths)
    for row in table.rows:
        _keep_whole(row)
    return cast("Table", table)


def _keep_whole(row: object) -> None:
    # w:cantSplit: a row that does not fit moves whole to the next page.
    trpr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    trpr.insert(0, OxmlElement("w:cantSplit"))


def _no_wrap(cell: "_Cell") -> None:
    cell._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))


def _bullets(doc: "DocumentObject", loop: str, item: str, empty: str) -> None:
    _list(doc, "List Bullet", loop, item, empty)


def _numbered(doc: "DocumentObject", loop: str, item: str, empty: str) -> None:
    _list(doc, "List Number", loop, item, empty)


def _list(doc: "DocumentObject", style: str, loop: str, item: str, empty: str) -> None:
    _tag(doc, f"{{%p for {loop} %}}")
    doc.add_paragraph(item, style=style)
    _tag(doc, "{%p else %}")
    doc.add_paragraph(empty)
    _tag(doc, "{%p endfor %}")


def _markdown(doc: "DocumentObject", variable: str) -> None:
    """A paragraph that becomes the subdocument made from Markdown text."""
    _tag(doc, f"{{{{p {variable} }}}}")


def _tag(doc: "DocumentObject", text: str) -> None:
    # A paragraph holding only a docxtpl tag; docxtpl removes the paragraph.
    doc.add_paragraph(text)


def _text(cell: "_Cell", text: str, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold = bold or None


def _shade(cell: "_Cell") -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), _LABEL_SHADING)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row: object) -> None:
    # Long tables (a merged chronology) repeat their header row on every page.
    trpr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _widths(table: "Table", widths: list[Cm]) -> None:
    # Both the grid (which LibreOffice follows) and each cell (which Word follows).
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for tc, width in zip(row._tr.tc_lst, widths):
            if tc.grid_span == 1:
                tc.width = width


def _fix_zip_dates(path: Path) -> None:
    """Rewrite the .docx with fixed entry dates, so an unchanged rebuild is byte-identical
    on the same machine and Git sees no change."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lcspr.templates_build",
        description="Write lcspr's three Word templates (referral, referral response, review report).",
    )
    parser.add_argument("folder", type=Path, help="Where to write them, e.g. templates")
    parser.add_argument("--partnership", default=EXAMPLE_PARTNERSHIP,
                        help="The name put in the templates' document properties.")
    args = parser.parse_args(argv)
    for path in build_all(args.folder, args.partnership):
        print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
