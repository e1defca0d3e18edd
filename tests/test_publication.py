"""Issue 10: an identity register outside the repository, a publication check that reads
every part of what is sent, the gate on the publishing moves, acceptances, the history.

Everything here is fictional: the child "Jody Exampleton", "Nowhere Primary",
postcodes of a plausible form, NHS numbers from 999 000 0000-999 999 9999 (never issued)."""

from __future__ import annotations

import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from conftest import git, head, run
from lcspr import identities
from lcspr.detectors import Detectors, fold
from lcspr.document_text import MAX_UNPACKED, docx_chunks
from lcspr.errors import DocumentUnreadable, IdentityRegisterError
from lcspr.identities import Identity

CASE = "LIG-2026-001"  # the example at report-drafting, with its report and three responses
REPORT = f"cases/{CASE}/report.md"
NAME = "Jody Exampleton"
NHS_VALID = "999 000 0018"  # in the never-issued range, check digit right
REGISTER = f'''# A fictional register.
[["{CASE}"]]
kind = "child"
value = "{NAME}"
aliases = ["Jodes"]
pseudonym = "Child A"

[["{CASE}"]]
kind = "school"
value = "Nowhere Primary"

[["{CASE}"]]
kind = "date-of-birth"
value = "2019-03-14"
'''


@pytest.fixture
def register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "private" / "identities.toml"
    path.parent.mkdir()
    path.write_text(REGISTER, encoding="utf-8")
    monkeypatch.setenv(identities.ENVIRONMENT, str(path))
    return path


def ok(root: Path, *args: str) -> str:
    result = run(root, *args)
    assert result.exit_code == 0, result.output
    return result.output


# --- a Word file with something planted in each part --------------------------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
WP = 'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'


def _w(root: str, inner: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:{root} {W} {WP}>{inner}</w:{root}>'


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


CLEAN = "Child A was known to three agencies."
BODY_PARTS = {
    "body": ("word/document.xml", lambda t: _w("document", f"<w:body>{_p(CLEAN)}{_p(t)}</w:body>")),
    "split runs": ("word/document.xml", lambda t: _w("document", "<w:body><w:p><w:r><w:t>" + t[:2]
                                                      + "</w:t></w:r><w:r><w:t>" + t[2:] + "</w:t></w:r></w:p></w:body>")),
    "line break": ("word/document.xml", lambda t: _w("document", "<w:body><w:p><w:r><w:t>" + t.split()[0]
                                                      + "</w:t><w:br/><w:t>" + t.split()[1] + "</w:t></w:r></w:p></w:body>")),
    "tracked deletion": ("word/document.xml", lambda t: _w("document", f'<w:body><w:p><w:del w:author="R"><w:r>'
                                                            f"<w:delText>{t}</w:delText></w:r></w:del></w:p></w:body>")),
    "hidden text": ("word/document.xml", lambda t: _w("document", "<w:body><w:p><w:r><w:rPr><w:vanish/></w:rPr>"
                                                       f"<w:t>{t}</w:t></w:r></w:p></w:body>")),
    "text box": ("word/document.xml", lambda t: _w("document", "<w:body><w:p><w:r><w:txbxContent>"
                                                    f"{_p(t)}</w:txbxContent></w:r></w:p></w:body>")),
    "image alt text": ("word/document.xml", lambda t: _w("document", f'<w:body><w:p><w:r><wp:docPr id="1" '
                                                          f'name="Picture 1" descr="{t}"/></w:r></w:p></w:body>')),
    "field code": ("word/document.xml", lambda t: _w("document", "<w:body><w:p><w:r><w:instrText> MERGEFIELD "
                                                      f"{t} </w:instrText></w:r></w:p></w:body>")),
    "header": ("word/header1.xml", lambda t: _w("hdr", _p(t))),
    "footer": ("word/footer1.xml", lambda t: _w("ftr", _p(t))),
    "footnote": ("word/footnotes.xml", lambda t: _w("footnotes", f'<w:footnote w:id="1">{_p(t)}</w:footnote>')),
    "endnote": ("word/endnotes.xml", lambda t: _w("endnotes", f'<w:endnote w:id="1">{_p(t)}</w:endnote>')),
    "comment": ("word/comments.xml", lambda t: _w("comments", f'<w:comment w:id="0" w:author="A">{_p(t)}</w:comment>')),
    "document variable": ("word/settings.xml", lambda t: _w("settings", f'<w:docVars><w:docVar w:name="child" '
                                                             f'w:val="{t}"/></w:docVars>')),
    "attached template": ("word/_rels/settings.xml.rels", lambda t: (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'attachedTemplate" Target="file:///C:/Users/{t.replace(" ", "%20")}/Normal.dotm" TargetMode="External"/>'
        "</Relationships>")),
    "core properties": ("docProps/core.xml", lambda t: (
        '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        f'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{t}</dc:creator>'
        "</cp:coreProperties>")),
    "app properties": ("docProps/app.xml", lambda t: (
        '<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'extended-properties"><Company>{t}</Company></Properties>')),
    "custom properties": ("docProps/custom.xml", lambda t: (
        '<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f'<property name="Subject"><vt:lpwstr>{t}</vt:lpwstr></property></Properties>')),
    "people": ("word/people.xml", lambda t: (
        '<?xml version="1.0"?><w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
        f'<w15:person w15:author="{t}"/></w15:people>')),
}


def docx(parts: dict[str, str]) -> bytes:
    """A .docx zip with these parts (a clean body unless one is given)."""
    parts = {"word/document.xml": _w("document", f"<w:body>{_p(CLEAN)}</w:body>"), **parts}
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for name, text in parts.items():
            z.writestr(name, text)
    return buffer.getvalue()


def found(data: bytes, text_detectors: Detectors) -> list[tuple[str, str, str]]:
    from lcspr.publication import Source, _findings
    from lcspr.document_text import fingerprint

    chunks = docx_chunks(data, "test.docx")
    return [(f.part, f.kind, f.excerpt) for f in _findings(Source("test.docx", chunks, "x", fingerprint(chunks)),
                                                           text_detectors)]


DETECT = Detectors([Identity(CASE, "child", NAME, ("Jodes",), "Child A"), Identity(CASE, "school", "Nowhere Primary")])


@pytest.mark.parametrize("where", sorted(BODY_PARTS))
def test_a_registered_name_is_found_in_every_part_of_a_word_file(where):
    part, build = BODY_PARTS[where]
    hits = found(docx({part: build(NAME)}), DETECT)
    assert [kind for _, kind, _ in hits] == ["registered child (Child A)"], hits
    assert hits[0][0].startswith(part)
    assert "Exampleton" not in hits[0][2] and "Jody" not in hits[0][2]  # masked


@pytest.mark.parametrize("where", sorted(BODY_PARTS))
def test_a_clean_part_passes(where):
    part, build = BODY_PARTS[where]
    assert found(docx({part: build("Child A")}), DETECT) == []


@pytest.mark.parametrize("text, kind", [
    ("Seen by JODY EXAMPLETON at home.", "registered child (Child A)"),
    ("Jódy Exámpleton’s bedroom.", "registered child (Child A)"),
    ("Jody Exampleton's bedroom.", "registered child (Child A)"),
    ("J. Exampleton was seen.", "registered child (Child A)"),
    ("The Exampleton family moved.", "registered child (Child A)"),
    ("Jodes was seen.", "registered child (Child A)"),
    ("at nowhere primary school", "registered school"),
    (f"NHS number {NHS_VALID}.", "nhs-number"),
    ("Number 9990000018 on the form.", "nhs-number"),
    ("Postcode ZZ9 9ZX.", "postcode"),
    ("Postcode ZZ99ZX.", "postcode"),
    ("She was born on 14 March 2019 at home.", "date of birth or death"),
    ("DOB: 14/03/2019", "date of birth or death"),
    ("Child A died on 2025-06-01.", "date of birth or death"),
    ("On 2025-06-01 Child A, aged 6, was seen.", "age with a date"),
    ("Ring 01632 960123.", "phone-number"),
    ("Ring +44 1632 960123.", "phone-number"),
    ("Write to someone@example.org.", "email"),
    ("Hello {{ case.title }}", "template-tag"),
    ("DRAFT for the Board", "marking DRAFT"),
    ("OFFICIAL-SENSITIVE", "marking OFFICIAL-SENSITIVE"),
    ("Describe the death or serious harm, when it happened and what is known.", "template-guidance"),
])
def test_each_detector(text, kind):
    from lcspr.publication import guidance

    hits = Detectors([Identity(CASE, "child", NAME, ("Jodes",), "Child A"), Identity(CASE, "school", "Nowhere Primary")],
                     guidance()).find(text)
    assert kind in [h.kind for h in hits], hits


@pytest.mark.parametrize("text", [
    "Jodyville is a place name.",  # whole words only
    "Number 9990000019 fails the check digit.",  # modulus 11
    "The review was drafted in 2025.",
    "Child A was seen on 2025-06-01 by the health visitor.",
    "The plan was reviewed after 3 months.",
])
def test_what_is_not_an_identifier(text):
    assert Detectors([Identity(CASE, "child", NAME, (), "Child A")]).find(text) == []


def test_a_upn_is_checked_with_its_check_letter():
    from stdnum.gb import upn

    rest = "938000000001"  # a made-up number with a real local-authority prefix, as the check needs
    valid = upn.calc_check_digit(rest) + rest
    assert [h.kind for h in Detectors([]).find(f"UPN {valid}.")] == ["upn"]


def test_folding_keeps_offsets_right():
    text, where = fold("Jódy’s")
    assert text == "jody's" and where == [0, 1, 2, 3, 4, 5]
    text, where = fold("Straße Jo")
    assert text == "strasse jo" and where == [0, 1, 2, 3, 4, 4, 5, 6, 7, 8]


# --- files that are not what they say ------------------------------------------------


def test_a_docx_that_is_not_a_zip_is_refused():
    with pytest.raises(DocumentUnreadable, match="not a Word document"):
        docx_chunks(b"hello, not a zip", "x.docx")


def test_an_encrypted_docx_is_refused():
    with pytest.raises(DocumentUnreadable, match="encrypted"):
        docx_chunks(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "x.docx")


def test_a_zip_bomb_is_refused_without_unpacking_it(monkeypatch):
    from lcspr import document_text

    monkeypatch.setattr(document_text, "MAX_UNPACKED", 1024 * 1024)
    big = docx({"word/document.xml": _w("document", "<w:body>" + _p("x" * (2 * 1024 * 1024)) + "</w:body>")})
    assert len(big) < 50_000
    with pytest.raises(DocumentUnreadable, match="unpacks to more than"):
        docx_chunks(big, "x.docx")
    assert MAX_UNPACKED >= 100 * 1024 * 1024


def test_a_zip_that_is_not_word_is_refused():
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("a.txt", "hello")
    with pytest.raises(DocumentUnreadable, match="no word/document.xml"):
        docx_chunks(buffer.getvalue(), "x.docx")


def test_a_pdf_is_read_page_by_page(tmp_path, examples, register):
    import shutil as sh

    if not sh.which("soffice") or not sh.which("pdftotext"):
        pytest.skip("needs LibreOffice and poppler")
    from lcspr.documents import convert_to_pdf
    from lcspr.publication import check

    from docx import Document

    path = tmp_path / "planted.docx"
    made = Document()
    made.add_paragraph("Child A was seen at Nowhere Primary.")
    made.save(str(path))
    pdf = convert_to_pdf([path])[0]
    report = check(examples, CASE, [pdf], render=False)
    assert [(f.part, f.kind) for f in report.findings] == [("PDF", "registered school")]


# --- the register --------------------------------------------------------------------


def test_the_register_is_refused_inside_the_repository(examples_root, monkeypatch):
    inside = examples_root / "identities.toml"
    inside.write_text(REGISTER, encoding="utf-8")
    monkeypatch.setenv(identities.ENVIRONMENT, str(inside))
    result = run(examples_root, "identities", "list", CASE)
    assert result.exit_code == 1
    assert "inside the records repository" in result.output


def test_the_register_is_refused_when_git_tracks_it(tmp_path, examples_root, monkeypatch):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    git(dotfiles, "init", "-q")
    (dotfiles / "identities.toml").write_text(REGISTER, encoding="utf-8")
    git(dotfiles, "add", "identities.toml")
    monkeypatch.setenv(identities.ENVIRONMENT, str(dotfiles / "identities.toml"))
    result = run(examples_root, "identities", "list", CASE)
    assert result.exit_code == 1 and "tracked by the Git repository" in result.output


def test_a_missing_or_malformed_register_names_the_file_and_line(tmp_path, examples_root, monkeypatch):
    path = tmp_path / "reg.toml"
    monkeypatch.setenv(identities.ENVIRONMENT, str(path))
    result = run(examples_root, "check-publication", CASE)
    assert result.exit_code == 1 and "there is no identity register at" in result.output
    path.write_text(REGISTER + '\n[["LIG-2026-001"]]\nkind = "uncle"\nvalue = "x"\n', encoding="utf-8")
    result = run(examples_root, "identities", "list", CASE)
    assert result.exit_code == 1 and f"{path}:16: kind 'uncle'" in result.output
    path.write_text(REGISTER + "\nkind = = 1\n", encoding="utf-8")
    result = run(examples_root, "identities", "list", CASE)
    assert result.exit_code == 1 and f"{path}:16: not valid TOML" in result.output


def test_add_list_and_show(tmp_path, examples_root, monkeypatch):
    path = tmp_path / "config" / "identities.toml"
    monkeypatch.setenv(identities.ENVIRONMENT, str(path))
    out = ok(examples_root, "identities", "add", CASE, "--kind", "child", "--value", NAME, "--alias", "Jodes",
             "--pseudonym", "Child A")
    assert NAME not in out
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    listed = ok(examples_root, "identities", "list", CASE)
    assert NAME not in listed and "Jodes" not in listed and "child: J••• E•••••••••" in listed
    assert NAME in ok(examples_root, "identities", "list", CASE, "--show")
    assert identities.load(path).of(CASE)[0].pseudonym == "Child A"
    assert run(examples_root, "identities", "add", CASE, "--kind", "uncle", "--value", "x").exit_code == 2


def test_the_default_register_lives_in_the_users_config(isolated_home, monkeypatch):
    monkeypatch.delenv(identities.ENVIRONMENT, raising=False)
    assert identities.default_path() == isolated_home / ".config" / "lcspr" / "identities.toml"


# --- check-publication on a case -------------------------------------------------------


def test_a_clean_example_passes_and_a_planted_name_is_found(examples_root, register):
    out = ok(examples_root, "check-publication", CASE)
    assert "nothing to keep out" in out
    path = examples_root / REPORT
    path.write_text(path.read_text(encoding="utf-8") + f"\n{NAME}'s school was Nowhere Primary.\n", encoding="utf-8")
    result = run(examples_root, "check-publication", CASE)
    assert result.exit_code == 1
    assert f"{REPORT}: line " in result.output and "registered child (Child A)" in result.output
    assert "(body)" in result.output  # found again in the report rendered now
    assert "Exampleton" not in result.output and "Nowhere" not in result.output
    assert run(examples_root, "check-publication").exit_code == 2


# --- the gate --------------------------------------------------------------------------


def commit_by_hand(root: Path, message: str, *paths: str) -> None:
    git(root, "add", "--", *paths)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", message, "--", *paths], check=True)


def approve(root: Path) -> None:
    ok(root, "advance", CASE, "board-approval", "--by", "secretariat", "--on", "2026-11-20", "--reason", "To the Board.")
    ok(root, "advance", CASE, "approved", "--by", "board", "--on", "2026-11-23", "--reason", "Approved.")


PRE = ("advance", CASE, "pre-publication", "--set", "dates.planned_publication=2026-12-20", "--on", "2026-11-25",
       "--reason", "Sent to the National Panel and the DfE.")


def test_the_gate_refuses_then_passes_once_the_name_is_gone(examples_root, register):
    path = examples_root / REPORT
    original = path.read_text(encoding="utf-8")
    path.write_text(original + f"\n{NAME} was seen.\n", encoding="utf-8")
    commit_by_hand(examples_root, "A line with a name", REPORT)
    approve(examples_root)
    before = head(examples_root)
    result = run(examples_root, *PRE)
    assert result.exit_code == 1, result.output
    assert "the publication check found" in result.output and "registered child (Child A)" in result.output
    assert "Exampleton" not in result.output
    assert head(examples_root) == before
    assert not list((examples_root / "cases" / CASE / "documents").glob("*pre-publication*"))
    # Taken out, approved again, sent: the decision records what was checked.
    path.write_text(original, encoding="utf-8")
    commit_by_hand(examples_root, "Name taken out", REPORT)
    ok(examples_root, "advance", CASE, "board-approval", "--by", "secretariat", "--on", "2026-11-24", "--reason", "Again.")
    ok(examples_root, "advance", CASE, "approved", "--by", "board", "--on", "2026-11-24", "--reason", "Approved.")
    ok(examples_root, *PRE)
    message = git(examples_root, "log", "-1", "--format=%B")
    sent = f"cases/{CASE}/documents/{CASE}-review-report-pre-publication.docx"
    import hashlib

    digest = hashlib.sha256((examples_root / sent).read_bytes()).hexdigest()
    assert f"\nLcspr-Checked: {sent} sha256:{digest}\n" in message
    checked = git(examples_root, "log", "-1", "--format=%(trailers:key=Lcspr-Checked,valueonly)").split("\n")
    assert checked[0] == f"{sent} sha256:{digest}"
    from lcspr.history import entries

    assert entries(examples_root, CASE)[-1].checked[0] == f"{sent} sha256:{digest}"
    # Publishing checks the document the earlier decision sent.
    ok(examples_root, "advance", CASE, "published", "--set", "publication.url=https://example.org/child-a",
       "--on", "2026-11-26", "--by", "board", "--reason", "Published.")
    assert f"Lcspr-Checked: {sent} sha256:{digest}" in git(examples_root, "log", "-1", "--format=%B")
    assert ok(examples_root, "audit").rstrip().endswith("the trail is whole.")


def test_the_gate_refuses_when_the_register_cannot_be_read(examples_root, tmp_path, monkeypatch):
    approve(examples_root)
    monkeypatch.setenv(identities.ENVIRONMENT, str(tmp_path / "nowhere.toml"))
    result = run(examples_root, *PRE)
    assert result.exit_code == 1 and "the publication check could not run" in result.output


def test_an_acceptance_covers_one_document_only(examples_root, register):
    # "practice" stands for a registered name that is also a common word.
    register.write_text(REGISTER + f'\n[["{CASE}"]]\nkind = "other"\nvalue = "practice"\n', encoding="utf-8")
    approve(examples_root)
    result = run(examples_root, *PRE)
    assert result.exit_code == 1
    keys = sorted({line.split("key: ")[1] for line in result.output.splitlines() if "key: " in line})
    assert keys
    for key in keys:
        ok(examples_root, "check-publication", CASE, "--accept", key, "--by", "lig-chair", "--reason",
           "A common word here, not the person.")
    result = run(examples_root, *PRE)
    assert result.exit_code == 0, result.output
    from lcspr import mdfile

    accepted = mdfile.read(examples_root / "cases" / CASE / "case.md").data["publication_check"]["accepted"]
    assert {a["by"] for a in accepted} == {"lig-chair"} and all(a["document"].startswith("sha256:") for a in accepted)
    assert "practice" not in (examples_root / "cases" / CASE / "case.md").read_text(encoding="utf-8").split("---")[1]
    # The same finding in a different document is not covered.
    other = docx({"word/document.xml": _w("document", f"<w:body>{_p('Good practice was seen.')}</w:body>")})
    doc = examples_root.parent / "other.docx"
    doc.write_bytes(other)
    result = run(examples_root, "check-publication", CASE, "--document", str(doc))
    assert result.exit_code == 1
    assert any("other.docx" in line and "accepted" not in line for line in result.output.splitlines())


# --- the history -------------------------------------------------------------------------


def test_the_history_scan_finds_a_name_committed_once(examples_root, register):
    assert "0 finding(s)" in ok(examples_root, "check-publication", "--history")
    path = examples_root / REPORT
    original = path.read_text(encoding="utf-8")
    path.write_text(original + f"\nSeen at nowhere primary by {NAME}.\n", encoding="utf-8")
    commit_by_hand(examples_root, "Oops", REPORT)
    bad = head(examples_root)
    path.write_text(original, encoding="utf-8")
    commit_by_hand(examples_root, "Taken out again", REPORT)
    result = run(examples_root, "check-publication", "--history")
    assert result.exit_code == 1
    assert f"{REPORT} (blob " in result.output and bad[:10] in result.output
    assert "registered school" in result.output and "registered child (Child A)" in result.output
    assert "git filter-repo --replace-text" in result.output
    # Old clones keep the text in Git's objects and in lcspr's memos: deleted whole, not edited.
    assert "delete their old clone whole" in " ".join(result.output.split()) and ".git/lcspr/" in result.output
    assert "Exampleton" not in result.output


# --- a skeleton is not a document (point 6) ------------------------------------------------


def test_a_referral_still_the_skeleton_is_refused_naming_what_is_missing(records_root):
    from lcspr.resources import resource_dir

    ok(records_root, "new-case", "--title", "Child Q", "--referred-by", "police", "--received", "2026-03-02")
    case_id = next(p.name for p in (records_root / "cases").iterdir())
    result = run(records_root, "render", case_id, "referral")
    assert result.exit_code == 1, result.output
    assert "is still the skeleton of a referral form" in result.output
    assert "replace the skeleton's guidance text" in result.output and "`incident.kind` in the frontmatter" in result.output
    assert "Traceback" not in result.output
    # Written in: it renders.
    path = records_root / "cases" / case_id / "referral.md"
    guidance = (resource_dir("templates") / "case" / "referral.md").read_text(encoding="utf-8")
    line = next(p for p in guidance.split("\n\n") if p.startswith("Describe"))
    path.write_text(path.read_text(encoding="utf-8").replace(line, "Child Q was found injured at home."),
                    encoding="utf-8")
    assert run(records_root, "render", case_id, "referral").exit_code == 0


def test_a_response_of_headings_only_is_refused(records_root):
    from lcspr import mdfile
    from lcspr.skeletons import missing

    text = "---\ncase: LIG-2026-001\nagency: police\nrequested: 2026-03-02\nchronology: []\n---\n## Concerns\n\n## Good practice\n"
    md = mdfile.parse(text, records_root / "police.md", "responses/police.md")
    assert missing(md, "response") == ["the text under `## Concerns`", "the text under `## Good practice`",
                                       "`date` in the frontmatter", "`involvement.nature` in the frontmatter",
                                       "`chronology` in the frontmatter"]
    filled = mdfile.parse(text + "\nSeen twice.\n", records_root / "police.md", "responses/police.md")
    assert missing(filled, "response") == []
