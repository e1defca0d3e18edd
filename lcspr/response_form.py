"""The referral-response form an agency fills in, in Word: `lcspr render ID response --blank`.

The form and `lcspr receive` (lcspr.form_reading) share this module's description
of it: the field tables (a shaded label, an empty cell to fill in), the chronology
table (Date, Event, Significance, with empty rows), and one Heading 1 per section
of the response skeleton's body (templates/case/response.md: Concerns, Good
practice, Learning for the agency), each with an empty paragraph to write in.

Guidance is in its own paragraph style, `Form Guidance` (grey italics in a shaded
box), which the reader leaves out; text typed into a guidance paragraph is not
guidance any more, and the reader refuses it rather than lose it. The form is
marked OFFICIAL-SENSITIVE at the top and bottom of every page, and custom document
properties say which case, which agency and which version of the form it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from lcspr import deadlines, paths
from lcspr.document_context import format_date
from lcspr.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from docx.document import Document as DocumentObject

    from lcspr.records import Case
    from lcspr.repository import Repository

#: The custom document properties that identify a form, and what they hold.
FORM_PROPERTY = "lcspr-form"
VERSION_PROPERTY = "lcspr-form-version"
CASE_PROPERTY = "lcspr-case"
AGENCY_PROPERTY = "lcspr-agency"
FORM_KIND = "referral-response"
#: The version of the form's layout; the reader refuses any other.
FORM_VERSION = "1"

GUIDANCE_STYLE = "Form Guidance"
EMPTY_ROWS = 12

ABOUT = "About this response"
INVOLVEMENT = "Involvement with the child and family"
CHRONOLOGY = "Chronology of key contacts"
CHRONOLOGY_COLUMNS = ("Date", "Event", "Significance")

#: Labels of the fields lcspr fills in, which the agency does not change.
CASE_LABEL, CHILD_LABEL, AGENCY_LABEL, REQUESTED_LABEL, DUE_LABEL = (
    "Case ID", "Child", "Agency", "Requested", "Return by")

DATES = "Write dates as 3 June 2025 or 03/06/2025 (day first)."


@dataclass(frozen=True)
class Field:
    """A field the agency fills in: its label in the form, the frontmatter field it
    goes to (dotted), whether it is a date, and the guidance under its label."""

    label: str
    key: str
    date: bool
    guidance: str


ABOUT_FIELDS = (
    Field("Your role", "responder_role", False, "Your job title, never your name."),
)
INVOLVEMENT_FIELDS = (
    Field("From", "involvement.from", True, "When your agency's involvement began. " + DATES),
    Field("To", "involvement.to", True, "When it ended (leave empty if it continues)."),
    Field("Nature of the involvement", "involvement.nature", False,
          "What your agency did with the child and family, in a sentence or two."),
)
#: Every field the agency fills in, by the heading of its table.
FIELDS: dict[str, tuple[Field, ...]] = {ABOUT: ABOUT_FIELDS, INVOLVEMENT: INVOLVEMENT_FIELDS}
#: Labels in the About table that lcspr fills in (the reader checks, never reads them).
FIXED_LABELS = (CASE_LABEL, CHILD_LABEL, AGENCY_LABEL, REQUESTED_LABEL, DUE_LABEL)

INTRODUCTION = (
    "Please fill in this form in Word (or LibreOffice) and return it to the partnership's secretariat as a "
    ".docx file. Write in the empty white cells and under each heading. Text in this grey style is "
    "guidance: leave it or delete it; it is not read as part of your response. Please do not add or remove "
    "columns or headings, do not use tracked changes, and do not paste pictures. Use roles, never the names "
    "of staff, and the pseudonyms of the child and family, never their real names."
)
CHRONOLOGY_GUIDANCE = (
    "One row for each key contact or event, in any order. " + DATES + " To add a row, press Tab in the last "
    "cell. Leave unused rows empty."
)
#: Guidance under each section of the response skeleton, by its heading.
SECTION_GUIDANCE: dict[str, str] = {
    "Concerns": "What concerned your agency, and how it acted on it. Headings, bullet and numbered lists, "
                "bold and italics are kept.",
    "Good practice": "What went well in your agency's work with the child and family.",
    "Learning for the agency": "What your agency has learned, and what it will change.",
}
OTHER_SECTION_GUIDANCE = "Write your answer below."
RETURN_BY = "Please return it by {due}."


def guidance_texts() -> set[str]:
    """Every guidance text the form may hold, each on one line (the return-by sentence
    aside, which names a date: `is_guidance_text` knows it)."""
    texts = {INTRODUCTION, CHRONOLOGY_GUIDANCE, OTHER_SECTION_GUIDANCE, *SECTION_GUIDANCE.values()}
    texts.update(f.guidance for fields in FIELDS.values() for f in fields)
    return {" ".join(t.split()) for t in texts}


def is_guidance_text(text: str) -> bool:
    """Whether `text` is guidance the form holds, as it was written into the form."""
    text = " ".join(text.split())
    return text in guidance_texts() or re.fullmatch(r"Please return it by \d{1,2} [A-Z][a-z]+ \d{4}\.", text) is not None


def sections(repo: "Repository") -> list[str]:
    """The narrative sections of a response: the `## ` headings of the response skeleton
    (the records repository's own, when it has one)."""
    from lcspr.intake import skeleton_text

    text = skeleton_text(repo, "response.md")
    body = text.split("\n---", 2)[-1] if text.startswith("---") else text
    return [m.group(1).strip() for m in re.finditer(r"^## +(.+?) *#* *$", body, flags=re.MULTILINE)]


def render_blank(repo: "Repository", case_id: str, agency: str | None = None,
                 output: Path | None = None) -> list[Path]:
    """Write the blank referral-response form of `agency` for `case_id` (without
    `agency`: one for each agency involved) and return the paths written. As with
    `lcspr render`, the forms go to drafts/<ID>/ unless `output` (a folder, or a
    .docx file name for one form) says otherwise; nothing is written unless every
    form can be made."""
    from lcspr import documents, records

    case = documents.read_valid_case(repo, case_id)
    if agency is not None:
        agencies = [records.check_agency(repo.config, agency)]
    else:
        agencies = [str(a) for a in (case.data.get("agencies_involved") or [])]
        if not agencies:
            raise UsageError(f"{case_id} lists no agencies involved (case.md agencies_involved); "
                             "name one with --agency.")
    if output is None:
        output = paths.inside_repository(repo.config.root, Path(documents.DRAFTS_DIR) / case.id, "drafts folder")
    names = [form_file_name(case.id, a) for a in agencies]
    if output.suffix.lower() == ".docx":
        if len(names) > 1:
            raise UsageError(f"-o {output} names one file, but {len(names)} forms are made; give a folder instead.")
        targets = [output.resolve()]
    else:
        targets = [output.resolve() / name for name in names]
    made = [(target, build(repo, case, a)) for a, target in zip(agencies, targets)]
    from lcspr.mdfile import write_atomic

    for target, data in made:
        write_atomic(target, data)
    return targets


def form_file_name(case_id: str, agency: str) -> str:
    """LIG-2026-004-response-form-police.docx"""
    return f"{case_id}-response-form-{agency}.docx"


def build(repo: "Repository", case: "Case", agency: str) -> bytes:
    """The blank form of `agency` for `case`, as .docx bytes."""
    from docx import Document
    from docxcompose.properties import CustomProperties

    from lcspr import templates_build as tb
    from lcspr.docx_properties import set_properties

    config = repo.config
    existing = case.responses().get(agency)
    requested = (existing.data.get("requested") if existing else None) or \
        (case.data.get("dates") or {}).get("responses_requested")
    due = next((d.due for d in deadlines.open_deadlines(config, repo.workflow, case) if d.agency == agency), None)
    pseudonym = str(case.data.get("title") or case.id)
    agency_name = config.agency_name(agency)

    doc = Document()
    tb._page_and_styles(doc)
    _guidance_style(doc)
    tb._header_and_footer(doc, marked=True, header=f"{config.partnership}\t{case.id}")
    doc.add_paragraph("Referral response", style="Title")
    doc.add_paragraph(agency_name, style="Subtitle")
    doc.add_paragraph(INTRODUCTION, style=GUIDANCE_STYLE)
    if due:
        doc.add_paragraph(RETURN_BY.format(due=format_date(due)), style=GUIDANCE_STYLE)

    doc.add_heading(ABOUT, level=1)
    fixed = [(CASE_LABEL, case.id), (CHILD_LABEL, pseudonym), (AGENCY_LABEL, agency_name),
             (REQUESTED_LABEL, format_date(requested))]
    if due:
        fixed.append((DUE_LABEL, format_date(due)))
    _field_table(doc, fixed, ABOUT_FIELDS)
    doc.add_heading(INVOLVEMENT, level=1)
    _field_table(doc, [], INVOLVEMENT_FIELDS)

    doc.add_heading(CHRONOLOGY, level=1)
    doc.add_paragraph(CHRONOLOGY_GUIDANCE, style=GUIDANCE_STYLE)
    _chronology_table(doc)

    for title in sections(repo):
        doc.add_heading(title, level=1)
        doc.add_paragraph(SECTION_GUIDANCE.get(title, OTHER_SECTION_GUIDANCE), style=GUIDANCE_STYLE)
        doc.add_paragraph()

    set_properties(doc, partnership=config.partnership, title=f"{case.id}: referral response form for {agency_name}",
                   subject=f"{case.id}: response form", when=datetime.now(timezone.utc).replace(microsecond=0),
                   category=tb.MARKING)
    custom = CustomProperties(doc)
    for name, value in ((FORM_PROPERTY, FORM_KIND), (VERSION_PROPERTY, FORM_VERSION),
                        (CASE_PROPERTY, case.id), (AGENCY_PROPERTY, agency)):
        custom.add(name, value)
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _guidance_style(doc: "DocumentObject") -> None:
    """`Form Guidance`: grey italics on a light shading, so it reads as guidance;
    Enter after it starts a Normal paragraph for the answer."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    style = doc.styles.add_style(GUIDANCE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.next_paragraph_style = doc.styles["Normal"]
    style.quick_style = True
    style.font.italic = True
    style.font.size = Pt(10)
    style.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    ppr = style.element.get_or_add_pPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), "F2F2F2")
    ppr.append(shading)


def _field_table(doc: "DocumentObject", fixed: list[tuple[str, str]], fields: tuple[Field, ...]) -> None:
    """Label | value rows: those lcspr fills in, then the agency's, each with its guidance under the label."""
    from docx.shared import Cm

    from lcspr import templates_build as tb

    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    for label, value in fixed:
        cells = table.add_row().cells
        tb._text(cells[0], label, bold=True)
        tb._shade(cells[0])
        tb._text(cells[1], value)
        tb._shade(cells[1])
    for field in fields:
        cells = table.add_row().cells
        tb._text(cells[0], field.label, bold=True)
        cells[0].add_paragraph(field.guidance, style=GUIDANCE_STYLE)
        tb._shade(cells[0])
    tb._widths(table, [Cm(6), Cm(11)])


def _chronology_table(doc: "DocumentObject") -> None:
    from docx.shared import Cm

    from lcspr import templates_build as tb
    from lcspr.markdown_docx import TABLE_STYLE

    table = doc.add_table(rows=1, cols=len(CHRONOLOGY_COLUMNS))
    table.style = doc.styles[TABLE_STYLE]
    for cell, text in zip(table.rows[0].cells, CHRONOLOGY_COLUMNS):
        tb._text(cell, text, bold=True)
        tb._shade(cell)
    tb._repeat_header(table.rows[0])
    for _ in range(EMPTY_ROWS):
        table.add_row()
    tb._widths(table, [tb._DATE_WIDTH, Cm(6.6), Cm(5.8)])


def check_blank_options(kind: str, pdf: bool) -> None:
    """--blank goes with `response` alone, and makes no PDF (a PDF cannot be filled in)."""
    if kind != "response":
        raise UsageError("--blank goes with `response` only: it makes the referral-response form an agency fills in.")
    if pdf:
        raise UsageError("--blank makes a Word form to fill in; --pdf does not go with it.")
