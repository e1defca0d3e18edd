"""`lcspr render`: the referral, the referral responses and the review report of the
fictional case LIG-2026-001, opened with python-docx and checked by text and structure."""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import run
from docx import Document
from docx_outline import blocks, header_footer, headings, paragraphs, properties, tables

from lcspr import documents, mdfile
from lcspr.errors import RenderError, UnknownAgency, UnknownCase, UsageError
from lcspr.repository import open_repository
from lcspr.templates_build import build as build_template

CASE = "LIG-2026-001"
PARTNERSHIP = "Example Safeguarding Children Partnership"


def edit(path: Path, updates: dict[tuple[str | int, ...], Any]) -> None:
    """Set frontmatter fields of a case file in place."""
    md = mdfile.read(path, path.name)
    path.write_text(mdfile.set_fields(md, updates), encoding="utf-8")


def fresh(root: Path):  # -> Repository
    return open_repository(root)


def render_one(root: Path, kind: str, agency: str | None = None, case: str = CASE) -> Path:
    [path] = documents.render(fresh(root), case, kind, agency)
    return path


def field_table(path: Path, label: str) -> dict[str, str]:
    """The two-column field table whose first row is `label`, as label -> value."""
    for rows in tables(path):
        if rows and rows[0][0] == label and len(rows[0]) == 2:
            return {row[0]: row[1] for row in rows}
    raise AssertionError(f"no field table starting {label!r} in {path.name}")


def table_with_header(path: Path, first_cell: str, second_cell: str) -> list[list[str]]:
    for rows in tables(path):
        if rows and rows[0][:2] == [first_cell, second_cell]:
            return rows
    raise AssertionError(f"no table headed {first_cell!r}, {second_cell!r} in {path.name}")


def parse_date(text: str) -> date:
    from datetime import datetime

    return datetime.strptime(text, "%d %B %Y").date()


# --- the three documents ---------------------------------------------------------


def test_referral(examples_root: Path) -> None:
    path = render_one(examples_root, "referral")
    assert path == examples_root / "drafts" / CASE / f"{CASE}-referral.docx"
    assert paragraphs(path, "Title") == ["Referral to the Learning and Inquiry Group"]
    assert headings(path) == [
        (1, "About the referral"), (1, "The child"), (1, "The incident"), (1, "Agencies involved"),
        (1, "Criteria the referrer thinks are met"),
        (1, "What happened"), (1, "Why the referrer thinks the criteria are met"), (1, "Learning identified"),
    ]
    assert field_table(path, "Case ID") == {
        "Case ID": CASE,
        "Date of referral": "14 May 2026",
        "Referring agency": "Children's Services",
        "Referrer's role": "Service Manager, Children's Safeguarding",
        "Senior safeguarding lead agreed": "Yes",
    }
    assert field_table(path, "Pseudonym")["Age at the time of the incident"] == "1 to 4 years"
    assert field_table(path, "Death or serious harm") == {
        "Death or serious harm": "Serious harm",
        "Date": "11 May 2026",
        "Abuse or neglect": "Suspected",
        "Where the child lives": "the west of the partnership area",
        "Where it happened": "the family home",
    }
    assert paragraphs(path, "List Bullet")[:3] == ["Children's Services", "Police", "Community Health Services"]
    criteria = table_with_header(path, "Criterion (reg 11)", "Why the referrer thinks it is met")
    assert [row[0][:3] for row in criteria[1:]] == ["(a)", "(c)"]
    # The body, as Word structure: a bullet list, and bold and italic runs.
    assert "Two earlier contacts recorded bruising." in paragraphs(path, "List Bullet")
    runs = {(r.text, bool(r.bold), bool(r.italic)) for p in Document(str(path)).paragraphs for r in p.runs}
    assert ("non-accidental", True, False) in runs
    assert ("front door", False, True) in runs


def test_referral_responses_one_per_agency(examples_root: Path) -> None:
    paths = documents.render(fresh(examples_root), CASE, "response")
    assert [p.name for p in paths] == [
        f"{CASE}-response-childrens-services.docx",
        f"{CASE}-response-community-health.docx",
        f"{CASE}-response-police.docx",
    ]
    police = paths[2]
    assert paragraphs(police, "Subtitle") == ["Police"]
    about = field_table(police, "Case ID")
    assert about["Child"] == "Child A"
    assert about["Returned"] == "29 May 2026"
    chronology = table_with_header(police, "Date", "Event")
    assert chronology[0] == ["Date", "Event", "Significance"]
    assert [row[0] for row in chronology[1:]] == ["22 July 2025", "11 May 2026"]
    assert [h for _, h in headings(police)][-3:] == ["Concerns", "Good practice", "Learning for the agency"]
    community = paths[1]
    assert field_table(community, "From")["Narrative supplied"] == "Yes"
    assert paragraphs(community, "List Bullet") == [
        "Apply the bruising protocol for every child under two.",
        "Follow up missed appointments with a visit.",
    ]


def test_one_agency_response(examples_root: Path) -> None:
    [path] = documents.render(fresh(examples_root), CASE, "response", agency="police")
    assert path.name == f"{CASE}-response-police.docx"


def test_review_report(examples_root: Path) -> None:
    path = render_one(examples_root, "report")
    assert path.name == f"{CASE}-review-report.docx"
    assert paragraphs(path, "Title") == ["Local Child Safeguarding Practice Review: Child A"]
    assert headings(path) == [
        (1, "About the review"), (1, "Terms of reference"), (1, "Reviewer and panel"), (1, "Background"),
        (1, "Multi-agency chronology"), (1, "Key practice episodes"),
        (2, "Episode 1: the bruise in June 2025"), (2, "Episode 2: the domestic incident in July 2025"),
        (1, "Findings"), (1, "Recommendations"), (1, "Approval and publication"),
    ]
    about = field_table(path, "Case ID")
    assert about["Methodology"] == "Level 3: local learning review"
    assert about["Why this methodology"].startswith("A local learning review (Level 3) because")
    assert about["Subjects"] == "Child A (1 to 4 years); Mother (mother)"
    assert paragraphs(path, "List Number")[:3] == [
        "What did each agency know of the risks to Child A, and when?",
        "How was information shared between health visiting, the police and children's services?",
        "Was early help closed on a shared understanding of risk?",
    ]
    reviewer = field_table(path, "Led by")
    assert reviewer["Appointment"] == "Externally commissioned Independent Reviewer"
    panel = table_with_header(path, "Panel member's agency", "Role")
    assert [row[0] for row in panel[1:]] == ["Integrated Care Board", "Children's Services", "Police", "Education"]


def test_report_merges_every_chronology_by_date_with_the_agency(examples_root: Path) -> None:
    path = render_one(examples_root, "report")
    rows = table_with_header(path, "Date", "Agency")
    assert rows[0] == ["Date", "Agency", "Event", "Significance"]
    body = rows[1:]
    assert len(body) == 3 + 3 + 2  # children's services, community health, police
    days = [parse_date(row[0]) for row in body]
    assert days == sorted(days)
    assert [row[1] for row in body] == [
        "Community Health Services", "Children's Services", "Community Health Services", "Police",
        "Children's Services", "Community Health Services", "Police", "Children's Services",
    ]
    assert body[3][2] == "Call-out to a verbal argument at the family home; a child was present."
    assert "Merged from the chronologies of Children's Services, Community Health Services and Police" in (
        " ".join(paragraphs(path))
    )


def test_report_recommendations_and_markdown_structure(examples_root: Path) -> None:
    path = render_one(examples_root, "report")
    recommendations = table_with_header(path, "ID", "Recommendation")
    assert recommendations[0] == ["ID", "Recommendation", "Owner", "Target date"]
    assert [row[0] for row in recommendations[1:]] == ["R1", "R2", "R3"]
    assert recommendations[2][1] == (
        "Police domestic incident reports record every child present & share them with children's services."
    )
    assert [row[2:] for row in recommendations[1:]] == [
        ["Children's Services", "31 March 2027"], ["Police", "30 April 2027"],
        ["Community Health Services", "31 May 2027"],
    ]
    # Findings: a numbered list, a block quote and a table, from report.md's Markdown.
    assert "Information held by three agencies was never brought together." in paragraphs(path, "List Number")
    assert any("piece of the jigsaw" in text for text in paragraphs(path, "Quote"))
    assert ["Agency", "Contacts", "Referrals made"] in [rows[0] for rows in tables(path)]


def test_report_says_not_yet_approved_or_published(examples_root: Path) -> None:
    record = field_table(render_one(examples_root, "report"), "Approval")
    assert record == {
        "Approval": "Not yet approved",
        "Sent before publication": "Not yet sent",
        "Planned publication": "10 December 2026",
        "Publication": "Not yet published",
    }


def test_report_approval_and_publication_record(examples_root: Path) -> None:
    case_md = examples_root / "cases" / CASE / "case.md"
    edit(case_md, {("approval", "body"): "board", ("approval", "date"): "2026-07-01",
                   ("pre_publication", "sent"): "2026-07-20", ("publication", "published"): True,
                   ("publication", "date"): "2026-08-10",
                   ("publication", "url"): "https://scp.example.org/reviews/child-a"})
    record = field_table(render_one(examples_root, "report"), "Approval")
    assert record["Approval"] == "Approved by Main Board (Lead Safeguarding Partners) on 1 July 2026"
    assert record["Sent before publication"] == (
        "Sent to the Child Safeguarding Practice Review Panel and the Department for Education on 20 July 2026"
    )
    assert record["Publication"] == "Published on 10 August 2026 at https://scp.example.org/reviews/child-a"


def test_report_not_published_says_why(examples_root: Path) -> None:
    edit(examples_root / "cases" / CASE / "case.md", {
        ("publication", "published"): False,
        ("publication", "reason_not_published"): "A court order prevents it",
        ("publication", "improvements_published"): "A summary of the improvements",
        ("publication", "date"): "2026-08-10",
    })
    record = field_table(render_one(examples_root, "report"), "Approval")
    assert record["Publication"] == (
        "Not published: A court order prevents it. Information about the improvements was published "
        "on 10 August 2026: A summary of the improvements"
    )


def test_report_further_sections_follow_the_findings(examples_root: Path) -> None:
    report = examples_root / "cases" / CASE / "report.md"
    report.write_text(report.read_text(encoding="utf-8") + "\n## Conclusion\n\nA closing *word*.\n", encoding="utf-8")
    names = [text for _, text in headings(render_one(examples_root, "report"))]
    assert names[names.index("Findings") + 1:] == ["Conclusion", "Recommendations", "Approval and publication"]


# --- values are escaped; nothing is blank ----------------------------------------


def test_values_are_text_never_markup_or_template(examples_root: Path) -> None:
    toml = examples_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('police = "Police"', 'police = "Smith & Jones <Ltd>"'),
                    encoding="utf-8")
    tricky = "Lead {{ partnership }} {% if x %} {_{ raw }_} {_% tag %_} \"quoted\" & <b>"
    edit(examples_root / "cases" / CASE / "referral.md", {("referrer_role",): tricky})
    referral = render_one(examples_root, "referral")
    assert field_table(referral, "Case ID")["Referrer's role"] == tricky
    assert "Smith & Jones <Ltd>" in paragraphs(referral, "List Bullet")
    report = render_one(examples_root, "report")
    panel = table_with_header(report, "Panel member's agency", "Role")
    assert panel[3][0] == "Smith & Jones <Ltd>"
    assert "Smith & Jones <Ltd>" in [row[1] for row in table_with_header(report, "Date", "Agency")]
    assert "Smith & Jones <Ltd>" in " ".join(paragraphs(report))


def test_a_multi_line_value_keeps_its_lines_and_control_characters_go(examples_root: Path) -> None:
    edit(examples_root / "cases" / CASE / "referral.md", {("incident", "happened_in"): "the home\nthen the car\a!"})
    value = field_table(render_one(examples_root, "referral"), "Death or serious harm")["Where it happened"]
    assert value == "the home\nthen the car !"


def test_a_minimal_case_renders_with_every_gap_said_in_words(examples_root: Path) -> None:
    folder = examples_root / "cases" / "LIG-2026-009"
    (folder / "responses").mkdir(parents=True)
    (folder / "case.md").write_text(
        "---\nid: LIG-2026-009\ntitle: Child Z\nstatus: referral-received\nreferred_by: police\n"
        "subjects:\n  - pseudonym: Child Z\ndates:\n  received: 2026-03-02\n---\n", encoding="utf-8")
    (folder / "referral.md").write_text(
        "---\ncase: LIG-2026-009\nreferring_agency: police\ndate: 2026-03-02\nchild:\n  pseudonym: Child Z\n"
        "incident: {}\n---\n", encoding="utf-8")
    (folder / "responses" / "police.md").write_text("---\ncase: LIG-2026-009\nagency: police\n---\n", encoding="utf-8")
    (folder / "report.md").write_text(
        "---\ncase: LIG-2026-009\ntitle: Child Z\n---\n## Background\n\nB.\n\n## Key practice episodes\n\nK.\n\n"
        "## Findings\n\nF.\n", encoding="utf-8")
    referral = render_one(examples_root, "referral", case="LIG-2026-009")
    response = render_one(examples_root, "response", "police", case="LIG-2026-009")
    report = render_one(examples_root, "report", case="LIG-2026-009")
    for path in (referral, response, report):
        for rows in tables(path):
            for row in rows:
                assert all(cell.strip() for cell in row), f"{path.name}: blank cell in {row}"
    assert field_table(referral, "Death or serious harm")["Date"] == "Not recorded"
    assert "None recorded." in paragraphs(referral)
    assert ["No criteria given."] * 2 in table_with_header(referral, "Criterion (reg 11)", "Why the referrer thinks it is met")
    assert field_table(response, "Case ID")["Returned"] == "Awaited"
    assert "Not recorded" in paragraphs(response)  # the empty body
    assert field_table(report, "Case ID")["Methodology"] == "Not yet decided"
    assert "No agency has returned a chronology yet." in paragraphs(report)
    assert ["No recommendations."] * 4 in table_with_header(report, "ID", "Recommendation")
    assert field_table(report, "Led by")["Led by"] == "Not recorded"


def test_a_report_without_a_section_is_refused_naming_it(examples_root: Path) -> None:
    report = examples_root / "cases" / CASE / "report.md"
    report.write_text(report.read_text(encoding="utf-8").replace("## Findings", "## Findingz"), encoding="utf-8")
    with pytest.raises(RenderError, match=r"report\.md: has no `## Findings` section"):
        documents.render(fresh(examples_root), CASE, "report")


def test_an_empty_report_section_is_refused(examples_root: Path) -> None:
    report = examples_root / "cases" / CASE / "report.md"
    text = report.read_text(encoding="utf-8")
    start, end = text.index("## Background") + len("## Background\n"), text.index("## Key practice episodes")
    report.write_text(text[:start] + "\n" + text[end:], encoding="utf-8")
    with pytest.raises(RenderError, match=r"`## Background` is empty"):
        documents.render(fresh(examples_root), CASE, "report")
    assert not (examples_root / "drafts").exists()


def test_text_before_the_first_report_section_is_refused(examples_root: Path) -> None:
    report = examples_root / "cases" / CASE / "report.md"
    text = report.read_text(encoding="utf-8")
    report.write_text(text.replace("## Background", "A stray line.\n\n## Background", 1), encoding="utf-8")
    with pytest.raises(RenderError, match="before the first `## ` heading"):
        documents.render(fresh(examples_root), CASE, "report")


def test_a_case_that_does_not_validate_is_refused(examples_root: Path) -> None:
    edit(examples_root / "cases" / CASE / "responses" / "police.md", {("chronology", 0, "date"): "2025-13-40"})
    with pytest.raises(RenderError, match=r"does not validate(.|\n)*responses/police\.md"):
        documents.render(fresh(examples_root), CASE, "report")


# --- templates a partnership replaces --------------------------------------------


def use_own_templates(root: Path) -> Path:
    toml = root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[overrides]\ntemplates = "templates"\n', encoding="utf-8")
    (root / "templates").mkdir(exist_ok=True)
    return root / "templates"


def test_a_records_repository_template_replaces_lcsprs(examples_root: Path) -> None:
    own = use_own_templates(examples_root)
    template = build_template("referral", own / "referral.docx")
    doc = Document(str(template))
    doc.add_paragraph("Our partnership's own referral form for {{ case.title }}.")
    doc.save(str(template))
    assert "Our partnership's own referral form for Child A." in paragraphs(render_one(examples_root, "referral"))
    # The other two documents still use lcspr's templates.
    assert "Our partnership's own" not in " ".join(paragraphs(render_one(examples_root, "report")))


def test_a_template_variable_lcspr_lacks_is_an_error_naming_it(examples_root: Path) -> None:
    own = use_own_templates(examples_root)
    template = build_template("report", own / "review-report.docx")
    doc = Document(str(template))
    doc.add_paragraph("Lead: {{ report.reviewer.name }}")
    doc.save(str(template))
    with pytest.raises(RenderError, match=r"templates/review-report\.docx uses `report\.reviewer\.name`"):
        documents.render(fresh(examples_root), CASE, "report")
    doc.add_paragraph("{{ signature }}")
    doc.paragraphs[-2].text = ""
    doc.save(str(template))
    with pytest.raises(RenderError, match=r"uses `signature`, which lcspr does not provide for a report"):
        documents.render(fresh(examples_root), CASE, "report")


def test_a_broken_template_is_an_error_not_a_traceback(examples_root: Path) -> None:
    own = use_own_templates(examples_root)
    template = build_template("referral", own / "referral.docx")
    doc = Document(str(template))
    doc.add_paragraph("{% if case.title %} never closed")
    doc.save(str(template))
    with pytest.raises(RenderError, match=r"templates/referral\.docx is not a valid template"):
        documents.render(fresh(examples_root), CASE, "referral")
    (own / "referral.docx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(RenderError, match="is not a Word document"):
        documents.render(fresh(examples_root), CASE, "referral")


def test_a_missing_templates_folder_is_an_error(examples_root: Path) -> None:
    shutil.rmtree(use_own_templates(examples_root))
    with pytest.raises(RenderError, match=r"\[overrides\] templates = 'templates', but there is no such folder"):
        documents.render(fresh(examples_root), CASE, "referral")


# --- properties, output, decisions ----------------------------------------------


@pytest.mark.parametrize("kind", ["referral", "response", "report"])
def test_document_properties_carry_the_partnership(examples_root: Path, kind: str) -> None:
    path = render_one(examples_root, kind, "police" if kind == "response" else None)
    props = properties(path)
    assert props["author"] == props["last_modified_by"] == PARTNERSHIP
    assert props["comments"] == "" and props["keywords"] == ""
    assert props["category"] == "OFFICIAL-SENSITIVE"  # `lcspr render` gives drafts, the report too
    assert props["title"] == {
        "referral": f"{CASE}: referral to the Learning and Inquiry Group",
        "response": f"{CASE}: referral response from Police",
        "report": "Local Child Safeguarding Practice Review: Child A",
    }[kind]
    with zipfile.ZipFile(path) as package:
        metadata = package.read("docProps/core.xml") + package.read("docProps/app.xml")
    assert b"python-docx" not in metadata and b"Test Secretariat" not in metadata
    assert f"<Company>{PARTNERSHIP}</Company>".encode() in metadata


@pytest.mark.parametrize("kind", ["referral", "response", "report"])
def test_header_shows_partnership_and_case_and_marking(examples_root: Path, kind: str) -> None:
    path = render_one(examples_root, kind, "police" if kind == "response" else None)
    parts = header_footer(path)
    assert f"{PARTNERSHIP}\t{CASE}" in parts["header"]
    assert ("OFFICIAL-SENSITIVE" in parts["header"]) is (kind != "report")
    assert parts["footer_fields"] == ["PAGE", "NUMPAGES"]


def test_output_folder_and_file(examples_root: Path, tmp_path: Path) -> None:
    repo = fresh(examples_root)
    assert documents.render(repo, CASE, "response", output=tmp_path / "out") == [
        tmp_path / "out" / f"{CASE}-response-{agency}.docx" for agency in ("childrens-services", "community-health", "police")
    ]
    assert documents.render(repo, CASE, "report", output=tmp_path / "mine.docx") == [tmp_path / "mine.docx"]
    with pytest.raises(UsageError, match="names one file, but 3 documents"):
        documents.render(repo, CASE, "response", output=tmp_path / "all.docx")


def test_refusals(examples_root: Path) -> None:
    repo = fresh(examples_root)
    with pytest.raises(UsageError, match="--agency goes with `response` only"):
        documents.render(repo, CASE, "report", agency="police")
    with pytest.raises(UsageError, match="not a document"):
        documents.render(repo, CASE, "letter")
    with pytest.raises(UnknownAgency, match="did you mean 'police'"):
        documents.render(repo, CASE, "response", agency="polic")
    with pytest.raises(RenderError, match="no referral response from education"):
        documents.render(repo, CASE, "response", agency="education")
    with pytest.raises(RenderError, match="LIG-2026-003 has no referral responses yet"):
        documents.render(repo, "LIG-2026-003", "response")
    with pytest.raises(RenderError, match=r"LIG-2026-002 has no report\.md"):
        documents.render(repo, "LIG-2026-002", "report")
    with pytest.raises(UnknownCase):
        documents.render(repo, "LIG-2026-099", "report")


def test_render_for_decision_writes_into_the_case_documents_folder(examples_root: Path) -> None:
    paths = documents.render_for_decision(fresh(examples_root), CASE, ["report", "report"], "board-approval")
    assert paths == [examples_root / "cases" / CASE / "documents" / f"{CASE}-review-report-board-approval.docx"]
    # A second sending never overwrites the first.
    again = documents.render_for_decision(fresh(examples_root), CASE, ["report"], "board-approval")
    assert again == [examples_root / "cases" / CASE / "documents" / f"{CASE}-review-report-board-approval-2.docx"]
    assert paths[0].is_file()
    assert not [p for p in paths[0].parent.iterdir() if p.name.startswith(".")]  # no temporary files left


# --- PDF ---------------------------------------------------------------------------


@pytest.mark.skipif(
    # In CI (.ci/run installs LibreOffice) a missing soffice is a failure, not a skip.
    shutil.which("soffice") is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (soffice not on PATH): apt-get install libreoffice-writer",
)
def test_every_document_converts_to_pdf(examples_root: Path, tmp_path: Path) -> None:
    repo = fresh(examples_root)
    written = []
    for kind in ("referral", "response", "report"):
        written += documents.render(repo, CASE, kind, output=tmp_path, pdf=True)
    pdfs = [p for p in written if p.suffix == ".pdf"]
    assert [p.stem for p in pdfs] == [p.stem for p in written if p.suffix == ".docx"]
    for pdf in pdfs:
        assert pdf.read_bytes().startswith(b"%PDF-")


def test_pdf_without_libreoffice_says_how_to_install_it(examples_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RenderError, match="apt-get install libreoffice-writer"):
        documents.render(fresh(examples_root), CASE, "report", pdf=True)
    assert not (examples_root / "drafts").exists()


# --- the command line -----------------------------------------------------------


def test_cli_render_prints_the_written_paths(examples_root: Path) -> None:
    result = run(examples_root, "render", CASE, "response")
    assert result.exit_code == 0, result.output
    folder = examples_root / "drafts" / CASE
    assert result.output.splitlines() == [
        f"Wrote {folder / f'{CASE}-response-{agency}.docx'}"
        for agency in ("childrens-services", "community-health", "police")
    ]


def test_cli_render_options(examples_root: Path, tmp_path: Path) -> None:
    result = run(examples_root, "render", CASE, "response", "--agency", "police", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {tmp_path / f'{CASE}-response-police.docx'}\n"


def test_cli_render_errors(examples_root: Path) -> None:
    wrong_kind = run(examples_root, "render", CASE, "letter")
    assert wrong_kind.exit_code == 2
    agency_on_report = run(examples_root, "render", CASE, "report", "--agency", "police")
    assert agency_on_report.exit_code == 2
    assert "Error: --agency goes with `response` only" in agency_on_report.output
    no_report = run(examples_root, "render", "LIG-2026-002", "report")
    assert no_report.exit_code == 1
    assert no_report.output.startswith("Error: LIG-2026-002 has no report.md")
    assert "Traceback" not in no_report.output


def test_cli_render_has_help(examples_root: Path) -> None:
    result = run(None, "render", "--help")
    assert result.exit_code == 0
    assert "--agency" in result.output and "--pdf" in result.output


def test_blocks_of_a_rendered_document_hold_no_template_tags(examples_root: Path) -> None:
    for kind in ("referral", "report"):
        text = " ".join(str(b) for b in blocks(render_one(examples_root, kind)))
        assert "{{" not in text and "{%" not in text


@pytest.mark.parametrize("case_id", sorted(p.name for p in (Path(__file__).parent.parent / "cases").glob("LIG-*")))
def test_every_example_renders_every_document_it_has(records_root: Path, case_id: str) -> None:
    """Every fictional example, at whatever stage, fills each form it has the files for."""
    from conftest import EXAMPLES

    shutil.copytree(EXAMPLES / case_id, records_root / "cases" / case_id)
    repo = fresh(records_root)
    case_folder = records_root / "cases" / case_id
    kinds = ["referral"] + (["response"] if any((case_folder / "responses").glob("*.md")) else [])
    kinds += ["report"] if (case_folder / "report.md").exists() else []
    written = [path for kind in kinds for path in documents.render(repo, case_id, kind)]
    assert written
    for path in written:
        text = "\n".join(paragraphs(path))
        assert header_footer(path)["header"][-1].endswith(f"\t{case_id}")
        assert "{{" not in text and "{%" not in text
