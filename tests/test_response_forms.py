"""Agencies answer in Word: `lcspr render ID response --blank` and `lcspr receive`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
import zipfile
import zlib
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import _FixedDate, git, head, run
from docx_outline import properties, tables

CASE = "LIG-2026-003"
REPORTED = "LIG-2026-001"
PARTNERSHIP = "Example Safeguarding Children Partnership"


@pytest.fixture
def screened(examples_root: Path, fixed_today: date, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The examples, with LIG-2026-003 in screening: forms requested from police and the acute trust."""
    from lcspr import receipts

    monkeypatch.setattr(receipts, "date", _FixedDate)
    result = run(examples_root, "advance", CASE, "screening", "--by", "secretariat",
                 "--set", "agencies_involved=[police, acute-trust]", "--reason", "Forms requested.")
    assert result.exit_code == 0, result.output
    return examples_root


def blank(root: Path, case: str = CASE, agency: str = "police") -> Path:
    result = run(root, "render", case, "response", "--agency", agency, "--blank")
    assert result.exit_code == 0, result.output
    path = root / "drafts" / case / f"{case}-response-form-{agency}.docx"
    assert result.output.strip() == f"Wrote {path}"
    return path


def open_docx(path: Path) -> Any:
    import docx

    return docx.Document(str(path))


def row_of(table: Any, label: str) -> Any:
    return next(r for r in table.rows if r.cells[0].paragraphs[0].text == label)


def section_paragraph(doc: Any, heading: str) -> Any:
    """The empty paragraph the form leaves for the answer under `heading`."""
    paragraphs = doc.paragraphs
    at = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1" and p.text == heading)
    assert paragraphs[at + 1].style.name == "Form Guidance"
    return paragraphs[at + 2]


def style(doc: Any, name: str) -> Any:
    """The paragraph style `name` as the program that saved the file spelled it (LibreOffice
    writes `Heading 2` where Word writes `heading 2`, and keeps only the styles a file uses)."""
    from docx.enum.style import WD_STYLE_TYPE

    found = next((s for s in doc.styles if s.name == name and s.type == WD_STYLE_TYPE.PARAGRAPH), None)
    return found if found is not None else doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)


CHRONOLOGY = [
    ("03/06/2025", "Domestic incident attended; the child was present.", "No referral to children's services."),
    ("14 January 2026", "Second call-out to the address.", ""),
    ("2025-02-10", "Address flagged after a neighbour's call.", "Flag not shared."),
]


def fill(source: Path, target: Path, edit: Callable[[Any], None] | None = None) -> Path:
    """Fill the form as an agency would in Word (with python-docx): fields, chronology rows
    (one row added with the table's own row), and each section with headings, lists and emphasis."""
    doc = open_docx(source)
    about, involvement, chronology = doc.tables
    row_of(about, "Your role").cells[1].paragraphs[0].text = "Detective Sergeant, Public Protection Unit"
    row_of(involvement, "From").cells[1].paragraphs[0].text = "1 February 2025"
    row_of(involvement, "To").cells[1].paragraphs[0].text = "31/01/2026"
    row_of(involvement, "Nature of the involvement").cells[1].paragraphs[0].text = "Call-outs to the family home."
    for row, values in zip(chronology.rows[1:], CHRONOLOGY[:2]):
        for cell, value in zip(row.cells, values):
            cell.paragraphs[0].text = value
    added = chronology.add_row()
    for cell, value in zip(added.cells, CHRONOLOGY[2]):
        cell.paragraphs[0].text = value
    concerns = section_paragraph(doc, "Concerns")
    concerns.insert_paragraph_before("Sharing information", style=style(doc, "Heading 2"))
    concerns.add_run("Officers did not ")
    concerns.add_run("share").bold = True
    concerns.add_run(" the ")
    concerns.add_run("second").italic = True
    concerns.add_run(" incident (see 1. below) * as required.")
    # Lists typed at the end of the Concerns section, just before the next question.
    good = next(p for p in doc.paragraphs if p.style.name == "Heading 1" and p.text == "Good practice")
    good.insert_paragraph_before("Both calls were attended within the hour.", style=style(doc, "List Bullet"))
    good.insert_paragraph_before("The child was seen each time.", style=style(doc, "List Bullet"))
    section_paragraph(doc, "Good practice").text = "Prompt attendance."
    learning = section_paragraph(doc, "Learning for the agency")
    learning.text = "Share every domestic incident involving a child."
    learning.insert_paragraph_before("Review the flagging policy.", style=style(doc, "List Number"))
    if edit:
        edit(doc)
    doc.save(str(target))
    return target


RESPONSE = """\
---
case: LIG-2026-003
agency: police
responder_role: Detective Sergeant, Public Protection Unit
requested: 2026-11-26
date: 2026-11-26
involvement:
  from: 2025-02-01
  to: 2026-01-31
  nature: Call-outs to the family home.
chronology:
  - date: 2025-06-03
    event: "Domestic incident attended; the child was present."
    significance: No referral to children's services.
  - date: 2026-01-14
    event: Second call-out to the address.
  - date: 2025-02-10
    event: Address flagged after a neighbour's call.
    significance: Flag not shared.
narrative: true
---
## Concerns

### Sharing information

Officers did not **share** the *second* incident (see 1. below) \\* as required.

- Both calls were attended within the hour.
- The child was seen each time.

## Good practice

Prompt attendance.

## Learning for the agency

1. Review the flagging policy.

Share every domestic incident involving a child.
"""


def log_trailers(root: Path) -> dict[str, str]:
    out = git(root, "log", "-1", "--format=%(trailers:only,unfold)")
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


# --- the blank form ------------------------------------------------------------------


def test_blank_form_has_the_case_the_questions_empty_rows_guidance_and_marking(screened: Path) -> None:
    from lcspr import response_form as form

    path = blank(screened)
    doc = open_docx(path)
    header = [p.text for p in doc.sections[0].header.paragraphs]
    footer = [p.text for p in doc.sections[0].footer.paragraphs]
    assert "OFFICIAL-SENSITIVE" in header and "OFFICIAL-SENSITIVE" in footer
    assert f"{PARTNERSHIP}\t{CASE}" in header
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [form.ABOUT, form.INVOLVEMENT, form.CHRONOLOGY, "Concerns", "Good practice",
                        "Learning for the agency"]
    about, involvement, chronology = doc.tables
    fixed = {r.cells[0].paragraphs[0].text: r.cells[1].text for r in about.rows}
    due = json.loads(run(screened, "due", "--format", "json").output)
    police_due = next(d["due"] for d in due if d["agency"] == "police")
    from lcspr.document_context import format_date

    assert fixed == {"Case ID": CASE, "Child": "Baby C", "Agency": "Police", "Requested": "26 November 2026",
                     "Return by": format_date(police_due), "Your role": ""}
    assert [r.cells[0].paragraphs[0].text for r in involvement.rows] == ["From", "To", "Nature of the involvement"]
    assert all(r.cells[1].text == "" for r in involvement.rows)
    assert [c.text for c in chronology.rows[0].cells] == ["Date", "Event", "Significance"]
    assert len(chronology.rows) == 1 + form.EMPTY_ROWS
    assert all(c.text == "" for r in chronology.rows[1:] for c in r.cells)
    guidance = [p for p in doc.paragraphs if p.style.name == "Form Guidance"]
    assert len(guidance) == 6 and all(p.text for p in guidance)
    style = doc.styles["Form Guidance"]
    assert style.font.italic and style.font.color.rgb is not None and style.next_paragraph_style.name == "Normal"
    # Every field's guidance sits under its label, in the guidance style.
    assert [p.style.name for p in row_of(about, "Your role").cells[0].paragraphs] == ["Normal", "Form Guidance"]
    from docxcompose.properties import CustomProperties

    assert dict(CustomProperties(doc).items()) == {
        "lcspr-form": "referral-response", "lcspr-form-version": "1", "lcspr-case": CASE, "lcspr-agency": "police"}
    assert properties(path)["category"] == "OFFICIAL-SENSITIVE"
    assert git(screened, "status", "--porcelain") == ""  # a draft, outside the record


def test_blank_forms_for_every_agency_involved_and_refusals(screened: Path, tmp_path: Path) -> None:
    result = run(screened, "render", CASE, "response", "--blank")
    assert result.exit_code == 0, result.output
    assert sorted(Path(line.split(" ", 1)[1]).name for line in result.output.splitlines()) == [
        f"{CASE}-response-form-acute-trust.docx", f"{CASE}-response-form-police.docx"]
    target = tmp_path / "out" / "form.docx"
    assert run(screened, "render", CASE, "response", "--agency", "gp", "--blank", "-o", str(target)).exit_code == 0
    assert target.is_file()
    refused = run(screened, "render", CASE, "referral", "--blank")
    assert refused.exit_code == 2 and "--blank goes with `response` only" in refused.output
    refused = run(screened, "render", CASE, "response", "--blank", "--pdf")
    assert refused.exit_code == 2 and "--pdf" in refused.output
    refused = run(screened, "render", CASE, "response", "--agency", "polce", "--blank")
    assert refused.exit_code == 2 and "did you mean 'police'" in refused.output


# --- the round trip ------------------------------------------------------------------


def test_a_form_filled_as_in_word_is_received_validated_committed_and_stops_the_deadline(
        screened: Path, tmp_path: Path) -> None:
    before = head(screened)
    due_before = json.loads(run(screened, "due", "--format", "json").output)
    assert {d["agency"] for d in due_before if d["deadline"] == "referral-response"} == {"police", "acute-trust"}
    filled = fill(blank(screened), tmp_path / "police returned.docx")
    result = run(screened, "receive", CASE, "--agency", "police", str(filled))
    assert result.exit_code == 0, result.output
    assert "3 chronology entries" in result.output and "responses/police.docx" in result.output
    folder = screened / "cases" / CASE / "responses"
    assert (folder / "police.md").read_text(encoding="utf-8") == RESPONSE
    assert (folder / "police.docx").read_bytes() == filled.read_bytes()
    # One commit, holding exactly the two files, recorded as a receipt.
    assert git(screened, "rev-parse", "HEAD~1").strip() == before
    assert git(screened, "show", "--format=", "--name-only", "HEAD").split() == [
        f"cases/{CASE}/responses/police.docx", f"cases/{CASE}/responses/police.md"]
    trailers = log_trailers(screened)
    assert trailers["Lcspr-Action"] == "receive" and trailers["Lcspr-Case"] == CASE
    assert trailers["Lcspr-Agency"] == "police" and trailers["Lcspr-Decided-On"] == "2026-11-26"
    digest = hashlib.sha256(filled.read_bytes()).hexdigest()
    assert trailers["Lcspr-Received"] == f"responses/police.docx sha256:{digest}"
    assert git(screened, "status", "--porcelain") == ""
    assert run(screened, "validate", CASE).exit_code == 0
    audit = run(screened, "audit")
    assert audit.exit_code == 0, audit.output
    due_after = json.loads(run(screened, "due", "--format", "json").output)
    assert {d["agency"] for d in due_after if d["deadline"] == "referral-response"} == {"acute-trust"}
    rendered = run(screened, "render", CASE, "response", "--agency", "police")
    assert rendered.exit_code == 0, rendered.output
    shown = run(screened, "history", CASE)
    assert "2026-11-26  response received from police  (receive, recorded by " in shown.output
    assert f"    received: responses/police.docx sha256:{digest}" in shown.output
    entry = json.loads(run(screened, "history", CASE, "--format", "json").output)[-1]
    assert (entry["action"], entry["agency"], entry["commit"]) == ("receive", "police", head(screened))


def test_a_received_response_renders_into_the_reports_merged_chronology(examples_root: Path, tmp_path: Path) -> None:
    filled = fill(blank(examples_root, REPORTED), tmp_path / "police.docx")
    refused = run(examples_root, "receive", REPORTED, "--agency", "police", str(filled))
    assert refused.exit_code == 2 and "--replace" in refused.output
    assert git(examples_root, "status", "--porcelain") == ""
    result = run(examples_root, "receive", REPORTED, "--agency", "police", "--replace", str(filled))
    assert result.exit_code == 0, result.output
    assert run(examples_root, "validate").exit_code == 0
    assert run(examples_root, "audit").exit_code == 0
    report = run(examples_root, "render", REPORTED, "report", "-o", str(tmp_path / "report.docx"))
    assert report.exit_code == 0, report.output
    rows = next(t for t in tables(tmp_path / "report.docx") if t and t[0] == ["Date", "Agency", "Event", "Significance"])[1:]
    police = [r for r in rows if r[1] == "Police"]
    assert police == [
        ["10 February 2025", "Police", "Address flagged after a neighbour's call.", "Flag not shared."],
        ["3 June 2025", "Police", "Domestic incident attended; the child was present.",
         "No referral to children's services."],
        ["14 January 2026", "Police", "Second call-out to the address.", "Not recorded"],
    ]
    from datetime import datetime

    days = [datetime.strptime(r[0], "%d %B %Y") for r in rows]
    assert days == sorted(days)


soffice_needed = pytest.mark.skipif(
    # In CI (.ci/run installs LibreOffice) a missing soffice is a failure, not a skip.
    shutil.which("soffice") is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (soffice not on PATH): apt-get install libreoffice-writer",
)


def through_libreoffice(source: Path, folder: Path) -> Path:
    """Open and save `source` in LibreOffice as Word 2007-365 (.docx), as an agency using it would."""
    soffice = shutil.which("soffice")
    assert soffice, "soffice must be installed (CI installs it in .ci/run)"
    folder.mkdir()
    profile = (folder.parent / "lo-profile").as_uri()
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={profile}", "--convert-to",
                    "docx:MS Word 2007 XML", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=300)
    saved = folder / source.name
    assert saved.is_file() and saved.read_bytes() != source.read_bytes()
    return saved


@soffice_needed
def test_a_form_filled_then_saved_in_libreoffice_reads_back_the_same(screened: Path, tmp_path: Path) -> None:
    filled = fill(blank(screened), tmp_path / "police.docx")
    saved = through_libreoffice(filled, tmp_path / "libreoffice")
    result = run(screened, "receive", CASE, "--agency", "police", str(saved))
    assert result.exit_code == 0, result.output
    assert (screened / "cases" / CASE / "responses" / "police.md").read_text(encoding="utf-8") == RESPONSE
    assert run(screened, "audit").exit_code == 0


@soffice_needed
def test_a_blank_form_saved_in_libreoffice_then_filled_reads_back(screened: Path, tmp_path: Path) -> None:
    saved = through_libreoffice(blank(screened), tmp_path / "libreoffice")
    filled = fill(saved, tmp_path / "police.docx")
    result = run(screened, "receive", CASE, "--agency", "police", str(filled))
    assert result.exit_code == 0, result.output
    assert (screened / "cases" / CASE / "responses" / "police.md").read_text(encoding="utf-8") == RESPONSE


# --- bad input: clear errors, nothing written -----------------------------------------


def refused(root: Path, form: Path, *expected: str, case: str = CASE, agency: str = "police",
            code: int = 1) -> str:
    """Receive `form`, expecting a refusal whose message holds each of `expected`, and nothing written."""
    before, response = head(root), root / "cases" / case / "responses" / f"{agency}.md"
    text = response.read_bytes() if response.exists() else None
    result = run(root, "receive", case, "--agency", agency, str(form))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    for words in expected:
        assert words in result.output, result.output
    assert head(root) == before and git(root, "status", "--porcelain") == ""
    assert (response.read_bytes() if response.exists() else None) == text
    assert not response.with_suffix(".docx").exists()
    return result.output


def set_cell(doc: Any, table: int, row: int, column: int, text: str) -> None:
    doc.tables[table].rows[row].cells[column].paragraphs[0].text = text


def test_a_row_whose_date_cannot_be_read_is_named(screened: Path, tmp_path: Path) -> None:
    form = fill(blank(screened), tmp_path / "f.docx", lambda d: set_cell(d, 2, 2, 0, "31/02/2025"))
    refused(screened, form, "the chronology table, row 2", "cannot read the date \"31/02/2025\"", "day first")
    form = fill(blank(screened), tmp_path / "g.docx", lambda d: set_cell(d, 2, 1, 0, "3/6/25"))
    refused(screened, form, "the chronology table, row 1", "\"3/6/25\"")
    form = fill(blank(screened), tmp_path / "h.docx", lambda d: set_cell(d, 2, 2, 0, ""))
    refused(screened, form, "the chronology table, row 2", "has no date")
    form = fill(blank(screened), tmp_path / "i.docx", lambda d: set_cell(d, 2, 2, 1, ""))
    refused(screened, form, "the chronology table, row 2", "has no event")
    form = fill(blank(screened), tmp_path / "j.docx", lambda d: set_cell(d, 1, 0, 1, "last spring"))
    refused(screened, form, "the field `From` under `Involvement with the child and family`", "\"last spring\"")


def test_a_date_in_the_future_is_refused_by_the_schema_naming_the_row(screened: Path, tmp_path: Path) -> None:
    form = fill(blank(screened), tmp_path / "f.docx", lambda d: set_cell(d, 2, 2, 0, "1 January 2030"))
    refused(screened, form, "as a response it would not validate", "the chronology table, row 2 (date)", "future")


def test_an_added_column_is_refused(screened: Path, tmp_path: Path) -> None:
    def add_column(doc: Any) -> None:
        from docx.shared import Cm

        table = doc.tables[2]
        table.add_column(Cm(3))
        table.rows[0].cells[3].paragraphs[0].text = "Officer"

    form = fill(blank(screened), tmp_path / "f.docx", add_column)
    refused(screened, form, "the chronology table", "Date, Event, Significance, Officer", "Remove added columns")
    form = fill(blank(screened), tmp_path / "g.docx", lambda d: d.tables[1].add_column(914400))
    refused(screened, form, "the table under `Involvement with the child and family`", "has 3 columns")


def delete_section(doc: Any, heading: str) -> None:
    paragraphs = doc.paragraphs
    at = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1" and p.text == heading)
    for paragraph in paragraphs[at:at + 3]:
        paragraph._p.getparent().remove(paragraph._p)


def test_a_deleted_question_or_field_is_refused(screened: Path, tmp_path: Path) -> None:
    form = fill(blank(screened), tmp_path / "f.docx", lambda d: delete_section(d, "Good practice"))
    refused(screened, form, "the heading `Good practice`", "a question of the form was deleted")

    def delete_role(doc: Any) -> None:
        row = row_of(doc.tables[0], "Your role")
        row._tr.getparent().remove(row._tr)

    form = fill(blank(screened), tmp_path / "g.docx", delete_role)
    refused(screened, form, "the table under `About this response`", "Your role were deleted")
    form = fill(blank(screened), tmp_path / "h.docx",
                lambda d: setattr(row_of(d.tables[1], "From").cells[0].paragraphs[0], "text", "Started"))
    refused(screened, form, "the field \"Started\" is not one of the form's")


def test_a_form_for_another_case_or_agency_is_refused_saying_which_it_is(screened: Path, tmp_path: Path) -> None:
    other_case = fill(blank(screened, "LIG-2026-002", "police"), tmp_path / "f.docx")
    refused(screened, other_case, "is the form for LIG-2026-002 from police, not for LIG-2026-003 from police",
            "lcspr receive LIG-2026-002 --agency police")
    other_agency = fill(blank(screened, CASE, "acute-trust"), tmp_path / "g.docx")
    refused(screened, other_agency, "is the form for LIG-2026-003 from acute-trust, not for LIG-2026-003 from police")


def test_a_document_that_is_not_the_form_is_refused(screened: Path, tmp_path: Path) -> None:
    import docx

    plain = tmp_path / "letter.docx"
    document = docx.Document()
    document.add_paragraph("Dear secretariat, please find our response attached.")
    document.save(str(plain))
    refused(screened, plain, "is not an lcspr referral-response form",
            f"lcspr render {CASE} response --agency police --blank")
    rendered = run(screened, "render", "LIG-2026-001", "response", "--agency", "police", "-o", str(tmp_path / "r.docx"))
    assert rendered.exit_code == 0, rendered.output
    refused(screened, tmp_path / "r.docx", "is not an lcspr referral-response form")


def test_a_form_of_another_version_is_refused(screened: Path, tmp_path: Path) -> None:
    def version_2(doc: Any) -> None:
        from docxcompose.properties import CustomProperties

        props = CustomProperties(doc)
        props["lcspr-form-version"] = "2"

    form = fill(blank(screened), tmp_path / "f.docx", version_2)
    refused(screened, form, "is version 2 of the response form; this lcspr reads version 1")


def test_corrupt_encrypted_and_old_word_files_are_refused(screened: Path, tmp_path: Path) -> None:
    good = fill(blank(screened), tmp_path / "good.docx")
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    refused(screened, truncated, "is not a Word document (.docx), or it is damaged")
    text = tmp_path / "notes.docx"
    text.write_text("just some text", encoding="utf-8")
    refused(screened, text, "is not a Word document (.docx)")
    no_body = tmp_path / "no-body.docx"
    with zipfile.ZipFile(no_body, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    refused(screened, no_body, "has no word/document.xml")
    broken_xml = tmp_path / "broken.docx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken_xml, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data[:100] if info.filename == "word/document.xml" else data)
    refused(screened, broken_xml, "is damaged and cannot be read as a Word document")

    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = tmp_path / "protected.docx"
    with good.open("rb") as plain, encrypted.open("wb") as out:
        OOXMLFile(plain).encrypt("Password1", out)
    refused(screened, encrypted, "is protected with a password", "remove the password")
    old = tmp_path / "old.docx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    refused(screened, old, "is an old Word 97-2003 document (.doc)")
    refused(screened, tmp_path / "missing.docx", "is not a file", code=2)


def with_part(source: Path, target: Path, name: str, data: bytes, compress: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            out.writestr(info, original.read(info))
        out.writestr(zipfile.ZipInfo(name), data, compress_type=compress)
    return target


def test_twenty_megabytes_of_pasted_pictures_or_a_zip_bomb_are_refused_at_once(screened: Path, tmp_path: Path) -> None:
    good = fill(blank(screened), tmp_path / "good.docx")
    pictures = with_part(good, tmp_path / "pictures.docx", "word/media/image1.png", os.urandom(20 * 1024 * 1024))
    refused(screened, pictures, "MB, more than the 10 MB a response form may be", "pasted pictures")
    bomb = with_part(good, tmp_path / "bomb.docx", "word/media/image2.png", b"\0" * (100 * 1024 * 1024),
                     zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    refused(screened, bomb, "unpacks to more than 64 MB")


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\xff\xff\xff"))
            + chunk(b"IEND", b""))


def test_pictures_tracked_changes_and_text_typed_in_guidance_are_refused_not_lost(
        screened: Path, tmp_path: Path) -> None:
    form = fill(blank(screened), tmp_path / "f.docx",
                lambda d: section_paragraph(d, "Good practice").add_run().add_picture(BytesIO(png())))
    refused(screened, form, "the section `Good practice`", "holds a picture or drawing")

    def tracked(doc: Any) -> None:
        from docx.oxml import parse_xml

        paragraph = section_paragraph(doc, "Good practice")
        paragraph._p.append(parse_xml(
            '<w:ins xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:id="9" '
            'w:author="Reviewer" w:date="2026-11-20T10:00:00Z"><w:r><w:t> And more.</w:t></w:r></w:ins>'))

    form = fill(blank(screened), tmp_path / "g.docx", tracked)
    refused(screened, form, "holds tracked changes", "Accept All Changes")

    def content_control(doc: Any) -> None:
        from docx.oxml import parse_xml

        section_paragraph(doc, "Good practice")._p.append(parse_xml(
            '<w:sdt xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:sdtContent>'
            '<w:r><w:t>Typed in a box.</w:t></w:r></w:sdtContent></w:sdt>'))

    form = fill(blank(screened), tmp_path / "k.docx", content_control)
    refused(screened, form, "holds content controls", "Remove Content Control")

    def typed_in_guidance(doc: Any) -> None:
        paragraphs = doc.paragraphs
        at = next(i for i, p in enumerate(paragraphs) if p.text == "Good practice")
        paragraphs[at + 1].add_run(" The officers were kind.")

    form = fill(blank(screened), tmp_path / "h.docx", typed_in_guidance)
    refused(screened, form, "the section `Good practice`", "text in the guidance style", "The officers were kind")
    form = fill(blank(screened), tmp_path / "i.docx",
                lambda d: d.paragraphs[0].insert_paragraph_before("Our reply:"))
    refused(screened, form, "before the first heading", "\"Our reply:\"")
    form = fill(blank(screened), tmp_path / "j.docx",
                lambda d: next(p for p in d.paragraphs if p.text == "Chronology of key contacts")
                .insert_paragraph_before("See the table below."))
    refused(screened, form, "under `Involvement with the child and family`", "text outside the table")


def test_the_blank_form_returned_unfilled_is_refused(screened: Path) -> None:
    refused(screened, blank(screened), "is the blank form: nothing was filled in")


def test_receive_never_overwrites_uncommitted_edits_or_a_written_response(screened: Path, tmp_path: Path) -> None:
    form = fill(blank(screened), tmp_path / "f.docx")
    response = screened / "cases" / CASE / "responses" / "police.md"
    response.write_text(response.read_text(encoding="utf-8") + "\nA note.\n", encoding="utf-8")
    result = run(screened, "receive", CASE, "--agency", "police", str(form))
    assert result.exit_code == 2 and "has changes that are not committed" in result.output
    assert response.read_text(encoding="utf-8").endswith("\nA note.\n")
    git(screened, "checkout", "--", str(response))
    assert run(screened, "receive", CASE, "--agency", "police", str(form)).exit_code == 0
    corrected = fill(blank(screened), tmp_path / "g.docx", lambda d: set_cell(d, 1, 2, 1, "Call-outs."))
    again = run(screened, "receive", CASE, "--agency", "police", str(corrected))
    assert again.exit_code == 2 and "holds a response returned on 2026-11-26" in again.output
    assert "--replace" in again.output
    same = run(screened, "receive", CASE, "--agency", "police", "--replace", str(form))
    assert same.exit_code == 1 and "was received already" in same.output and "Nothing to do." in same.output
    future = run(screened, "receive", CASE, "--agency", "acute-trust", "--on", "2026-12-01", str(form))
    assert future.exit_code == 2 and "in the future" in future.output


def test_receive_json_output(screened: Path, tmp_path: Path) -> None:
    form = fill(blank(screened), tmp_path / "f.docx")
    result = run(screened, "receive", CASE, "--agency", "police", "--on", "2026-11-26", "--format", "json", str(form))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "response": f"cases/{CASE}/responses/police.md", "original": f"cases/{CASE}/responses/police.docx",
        "sha256": hashlib.sha256(form.read_bytes()).hexdigest(), "chronology_entries": 3, "commit": head(screened)}


# --- the record -----------------------------------------------------------------------


def test_audit_checks_a_receipt_holds_the_form_it_names(screened: Path, tmp_path: Path) -> None:
    form = fill(blank(screened), tmp_path / "f.docx")
    assert run(screened, "receive", CASE, "--agency", "police", str(form)).exit_code == 0
    message = git(screened, "log", "-1", "--format=%B")
    folder = screened / "cases" / CASE / "responses"
    (folder / "police.docx").write_bytes(b"PK not the form")
    (folder / "acute-trust.md").write_text((folder / "acute-trust.md").read_text(encoding="utf-8") + "\nx\n",
                                           encoding="utf-8")
    git(screened, "add", "-A")
    subprocess.run(["git", "-C", str(screened), "commit", "-q", "-F", "-"], input=message, text=True, check=True)
    audit = run(screened, "audit")
    assert audit.exit_code == 1
    assert "trailers-disagree: Lcspr-Received says sha256" in audit.output
    assert "also changes cases/LIG-2026-003/responses/acute-trust.md" in audit.output


def test_validate_keeps_a_received_form_and_names_a_stray_one(screened: Path, tmp_path: Path) -> None:
    form = fill(blank(screened), tmp_path / "f.docx")
    assert run(screened, "receive", CASE, "--agency", "police", str(form)).exit_code == 0
    assert run(screened, "validate", CASE).exit_code == 0
    shutil.copy(form, screened / "cases" / CASE / "responses" / "gp.docx")
    result = run(screened, "validate", CASE)
    assert result.exit_code == 1
    assert f"cases/{CASE}/responses/gp.docx: is not a file of a case" in result.output


# --- reading dates and Markdown --------------------------------------------------------


@pytest.mark.parametrize(("written", "read"), [
    ("2025-06-03", "2025-06-03"), ("3 June 2025", "2025-06-03"), ("03/06/2025", "2025-06-03"),
    ("3.6.2025", "2025-06-03"), ("Tuesday 3rd June 2025", "2025-06-03"), ("3 Jun 2025", "2025-06-03"),
    ("  3  june  2025 ", "2025-06-03"), ("29/02/2024", "2024-02-29"),
    ("29/02/2025", None), ("3/6/25", None), ("June 2025", None), ("3 Juni 2025", None), ("yesterday", None),
    ("2025-13-01", None),
])
def test_dates_as_people_write_them(written: str, read: str | None) -> None:
    from lcspr.form_reading import parse_date

    assert parse_date(written) == read


def test_text_that_looks_like_markdown_stays_text() -> None:
    from markdown_it import MarkdownIt

    from lcspr.form_reading import _escape

    for text in ("1. not a list", "# not a heading", "- not a bullet", "a *star* and _under_ [link](x) <b>"):
        html = MarkdownIt("commonmark").render(_escape(text))
        assert html == f"<p>{text.replace('<', '&lt;').replace('>', '&gt;')}</p>\n", (text, html)


def test_sections_keep_links_tables_and_nested_lists(screened: Path, tmp_path: Path) -> None:
    def structure(doc: Any) -> None:
        from docx.oxml import parse_xml

        paragraph = section_paragraph(doc, "Good practice")
        paragraph.add_run("See ")
        rel = paragraph.part.relate_to("https://example.org/guidance", "http://schemas.openxmlformats.org/"
                                       "officeDocument/2006/relationships/hyperlink", is_external=True)
        paragraph._p.append(parse_xml(
            f'<w:hyperlink xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="{rel}">'
            '<w:r><w:t>the guidance</w:t></w:r></w:hyperlink>'))
        paragraph.add_run(".")
        learning = next(p for p in doc.paragraphs if p.style.name == "Heading 1" and p.text == "Learning for the agency")
        learning.insert_paragraph_before("Training", style=style(doc, "List Bullet"))
        learning.insert_paragraph_before("Refresher for all officers", style=style(doc, "List Bullet 2"))
        table = doc.add_table(rows=2, cols=2)
        for row, values in zip(table.rows, (("Action", "By"), ("Audit | flags", "March 2026"))):
            for cell, value in zip(row.cells, values):
                cell.text = value
        learning._p.addprevious(table._tbl)

    form = fill(blank(screened), tmp_path / "f.docx", structure)
    assert run(screened, "receive", CASE, "--agency", "police", str(form)).exit_code == 0
    text = (screened / "cases" / CASE / "responses" / "police.md").read_text(encoding="utf-8")
    assert "## Good practice\n\nPrompt attendance.See [the guidance](https://example.org/guidance).\n\n- Training\n" \
           "   - Refresher for all officers\n\n| Action | By |\n|---|---|\n| Audit \\| flags | March 2026 |\n\n" \
           "## Learning for the agency" in text


def test_a_table_or_picture_inside_a_cell_is_refused(screened: Path, tmp_path: Path) -> None:
    form = fill(blank(screened), tmp_path / "f.docx", lambda d: d.tables[2].rows[3].cells[1].add_table(1, 1))
    refused(screened, form, "the chronology table, row 3", "a table inside a cell")
    form = fill(blank(screened), tmp_path / "g.docx",
                lambda d: d.tables[2].rows[1].cells[2].paragraphs[0].add_run().add_picture(BytesIO(png())))
    refused(screened, form, "the chronology table, row 1", "a picture or drawing")


from test_team import lcspr, open_case, team  # noqa: E402,F401  (the shared "server" and its two clones)


def test_a_receipt_passes_the_shared_repositorys_gate_and_a_forged_one_does_not(team: Any, tmp_path: Path) -> None:
    clone = team.secretariat
    case_id = open_case(clone)
    moved = run(clone, "advance", case_id, "screening", "--by", "secretariat", "--set", "agencies_involved=[police]",
                "--reason", "Forms requested.")
    assert moved.exit_code == 0, moved.output
    form = fill(blank(clone, case_id), tmp_path / "police.docx")
    received = run(clone, "receive", case_id, "--agency", "police", str(form))
    assert received.exit_code == 0, received.output
    pushed = subprocess.run(["git", "-C", str(clone), "push"], capture_output=True, text=True)
    assert pushed.returncode == 0, pushed.stderr
    message = git(clone, "log", "-1", "--format=%B")
    kept = clone / "cases" / case_id / "responses" / "police.docx"
    kept.write_bytes(kept.read_bytes() + b"\0")
    git(clone, "add", "-A")
    subprocess.run(["git", "-C", str(clone), "commit", "-q", "-F", "-"], input=message, text=True, check=True)
    forged = subprocess.run(["git", "-C", str(clone), "push"], capture_output=True, text=True)
    assert forged.returncode != 0
    assert f"{case_id}: trailers-disagree: Lcspr-Received says sha256" in forged.stderr


def test_a_form_saved_into_the_case_folder_is_refused_and_a_section_the_agency_added_is_kept(
        screened: Path, tmp_path: Path) -> None:
    inside = screened / "cases" / CASE / "responses" / "police.docx"
    fill(blank(screened), inside)
    result = run(screened, "receive", CASE, "--agency", "police", str(inside))
    assert result.exit_code == 2 and "is inside the case folder; move it out first" in result.output
    inside.unlink()

    def own_section(doc: Any) -> None:
        doc.add_heading("Further information", level=1)
        doc.add_paragraph("The family moved in March.")

    form = fill(blank(screened), tmp_path / "f.docx", own_section)
    assert run(screened, "receive", CASE, "--agency", "police", str(form)).exit_code == 0
    text = (screened / "cases" / CASE / "responses" / "police.md").read_text(encoding="utf-8")
    assert text.endswith("## Learning for the agency\n\n1. Review the flagging policy.\n\nShare every domestic "
                         "incident involving a child.\n\n## Further information\n\nThe family moved in March.\n")
