"""Symbolic links in a records repository (issue 15, point 3).

lcspr follows no link below the repository's root, not even one that points back
inside it: a link is refused with a message naming it (exit 1, no traceback), and
nothing outside the repository is read into any output or written. Each test
builds a throwaway repository with the fictional examples and plants one link.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import count, run

from lcspr import gitops, paths
from lcspr.errors import UnsafePath

CASE = "LIG-2026-001"
SENTINEL = "OUTSIDE-SENTINEL-7f3a"
LINK_ADVICE = "lcspr follows no link in a records repository"

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the records repository, standing for the rest of the computer."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def link(path: Path, target: Path) -> Path:
    """Replace `path` (file or folder, if any) with a symbolic link to `target`."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    try:
        path.symlink_to(target, target_is_directory=target.is_dir())
    except OSError as exc:  # Windows without the privilege to make links
        pytest.skip(f"cannot make a symbolic link here: {exc}")
    return path


def refused(result, *expected: str) -> str:
    """Assert a clear refusal: exit 1, no traceback, the expected words, nothing from outside."""
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    for words in expected:
        assert words in result.output
    assert SENTINEL not in result.output
    return result.output


def with_sentinel(source: Path, target: Path) -> Path:
    """A copy of a case file outside the repository, whose body carries SENTINEL."""
    target.write_text(source.read_text(encoding="utf-8") + f"\n{SENTINEL}\n", encoding="utf-8")
    return target


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as docx:
        return docx.read("word/document.xml").decode("utf-8")


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder` with its bytes and modification time."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- a case folder that is a link --------------------------------------------------


def test_a_linked_case_folder_is_refused_by_every_command(examples_root: Path, outside: Path) -> None:
    elsewhere = outside / CASE
    shutil.copytree(examples_root / "cases" / CASE, elsewhere)
    with_sentinel(elsewhere / "referral.md", elsewhere / "referral.md")
    link(examples_root / "cases" / CASE, elsewhere)
    before = snapshot(outside)
    message = f"cases/{CASE} is a symbolic link (to {elsewhere}); {LINK_ADVICE}"

    refused(run(examples_root, "show", CASE), message, "Replace the link with the real case folder")
    refused(run(examples_root, "render", CASE, "referral"), message)
    refused(run(examples_root, "advance", CASE, "closed", "--reason", "test"), message)
    validated = run(examples_root, "validate")
    refused(validated, f"cases/{CASE}: is a symbolic link")
    # The other cases are still checked, and only the linked one is a problem.
    assert validated.output.splitlines()[-1] == "1 problem(s) in 1 of 3 case(s)."
    listed = run(examples_root, "list", "--format", "json")
    assert listed.exit_code == 0 and SENTINEL not in listed.output
    assert '"status": "(unreadable)"' in listed.output and message in listed.output
    assert snapshot(outside) == before  # render wrote no documents/ there


# --- case files that are links ----------------------------------------------------


def test_a_case_file_linked_outside_is_never_read(examples_root: Path, outside: Path) -> None:
    referral = examples_root / "cases" / CASE / "referral.md"
    secret = with_sentinel(referral, outside / "passwd")
    link(referral, secret)
    message = f"cases/{CASE}/referral.md is a symbolic link (to {secret}); {LINK_ADVICE}"

    refused(run(examples_root, "show", CASE), message, "Replace the link with the real file")
    refused(run(examples_root, "render", CASE, "referral"), message)
    assert not (examples_root / "cases" / CASE / "documents").exists()
    validated = refused(run(examples_root, "validate", CASE))
    assert validated.splitlines() == [
        f"cases/{CASE}/referral.md: is a symbolic link (to {secret}); {LINK_ADVICE}, because a link can lead to "
        "files outside it. Replace the link with the real file and commit that.",
        "1 problem(s) in 1 of 1 case(s).",
    ]


@pytest.mark.skipif(not Path("/etc/passwd").is_file(), reason="no /etc/passwd here")
def test_a_case_file_linked_to_etc_passwd(examples_root: Path) -> None:
    passwd = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace")
    first_line = passwd.splitlines()[0]
    link(examples_root / "cases" / CASE / "case.md", Path("/etc/passwd"))
    for args in (["show", CASE], ["validate"], ["render", CASE, "report"], ["list", "--format", "json"]):
        result = run(examples_root, *args)
        assert "Traceback" not in result.output
        assert first_line not in result.output
        assert f"cases/{CASE}/case.md" in result.output
    assert not (examples_root / "cases" / CASE / "documents").exists()


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="no /proc here")
def test_a_response_linked_to_proc_environ(examples_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LCSPR_TEST_SECRET", SENTINEL)
    link(examples_root / "cases" / CASE / "responses" / "police.md", Path("/proc/self/environ"))
    refused(run(examples_root, "validate"), f"cases/{CASE}/responses/police.md: is a symbolic link")
    refused(run(examples_root, "render", CASE, "response", "--agency", "police"), "symbolic link")


def test_a_linked_responses_folder_is_not_listed_or_read(examples_root: Path, outside: Path) -> None:
    responses = examples_root / "cases" / CASE / "responses"
    theirs = outside / "responses"
    shutil.copytree(responses, theirs)
    with_sentinel(responses / "police.md", theirs / "police.md")
    (theirs / f"{SENTINEL}.md").write_text("---\n---\n", encoding="utf-8")
    link(responses, theirs)
    refused(run(examples_root, "validate"), f"cases/{CASE}/responses: is a symbolic link (to {theirs})",
            "Replace the link with the real folder")
    refused(run(examples_root, "render", CASE, "report"), f"cases/{CASE}/responses is a symbolic link")


def test_a_link_that_stays_inside_the_repository_is_refused_too(examples_root: Path) -> None:
    # Simplest to state and to review: no link at all under cases/, wherever it points.
    report = examples_root / "cases" / CASE / "report.md"
    shutil.copy(report, examples_root / "report-copy.md")
    link(report, Path("../../report-copy.md"))
    refused(run(examples_root, "show", CASE), f"cases/{CASE}/report.md is a symbolic link (to ../../report-copy.md)")
    refused(run(examples_root, "validate"), f"cases/{CASE}/report.md: is a symbolic link")


def test_a_linked_cases_folder_is_refused(examples_root: Path, outside: Path) -> None:
    shutil.move(str(examples_root / "cases"), str(outside / "cases"))
    link(examples_root / "cases", outside / "cases")
    refused(run(examples_root, "list"), "cases is a symbolic link", "Replace the link with the real cases folder")
    refused(run(examples_root, "show", CASE), "cases is a symbolic link")
    refused(run(examples_root, "validate", CASE), "cases: is a symbolic link")


# --- documents/ ------------------------------------------------------------------


def test_render_never_writes_through_a_linked_documents_folder(examples_root: Path, outside: Path) -> None:
    documents = examples_root / "cases" / CASE / "documents"
    link(documents, outside)
    message = f"cases/{CASE}/documents is a symbolic link (to {outside}); {LINK_ADVICE}"
    refused(run(examples_root, "render", CASE, "referral"), message)
    # A case holding a link does not validate, so even an explicit -o is refused
    # until the link is replaced (validate names it).
    chosen = outside / "chosen"
    refused(run(examples_root, "render", CASE, "referral", "-o", str(chosen)), message)
    refused(run(examples_root, "validate"), f"cases/{CASE}/documents: is a symbolic link")
    assert list(outside.iterdir()) == []


def test_an_explicit_output_outside_the_repository_is_written(examples_root: Path, outside: Path) -> None:
    # -o is the user's own choice: written there, and only there.
    result = run(examples_root, "render", CASE, "referral", "-o", str(outside / "chosen"))
    assert result.exit_code == 0, result.output
    assert [p.name for p in (outside / "chosen").iterdir()] == [f"{CASE}-referral.docx"]
    assert not (examples_root / "cases" / CASE / "documents").exists()


def test_render_never_writes_through_a_linked_document(examples_root: Path, outside: Path) -> None:
    documents = examples_root / "cases" / CASE / "documents"
    documents.mkdir()
    sentinel = outside / "important.txt"
    sentinel.write_text(SENTINEL, encoding="utf-8")
    link(documents / f"{CASE}-referral.docx", sentinel)
    before = snapshot(outside)
    refused(run(examples_root, "render", CASE, "referral"), f"cases/{CASE}/documents/{CASE}-referral.docx is a symbolic link")
    assert snapshot(outside) == before


# --- templates and workflow overrides ---------------------------------------------


def use_override(root: Path, key: str, value: str) -> None:
    with open(root / "lcspr.toml", "a", encoding="utf-8") as toml:
        toml.write(f'\n[overrides]\n{key} = "{value}"\n')


def outside_template(outside: Path) -> Path:
    """A referral template outside the repository whose text is SENTINEL."""
    from docx import Document

    from lcspr.resources import resource_dir

    folder = outside / "templates"
    folder.mkdir()
    doc = Document(str(resource_dir("templates") / "referral.docx"))
    doc.add_paragraph(SENTINEL)
    doc.save(str(folder / "referral.docx"))
    return folder


def test_a_linked_templates_folder_is_refused(examples_root: Path, outside: Path) -> None:
    link(examples_root / "templates", outside_template(outside))
    use_override(examples_root, "templates", "templates")
    refused(run(examples_root, "render", CASE, "referral"),
            "[overrides] templates: templates is a symbolic link", "Replace the link with the real templates folder")
    assert not (examples_root / "cases" / CASE / "documents").exists()


def test_a_linked_template_is_refused(examples_root: Path, outside: Path) -> None:
    (examples_root / "templates").mkdir()
    link(examples_root / "templates" / "referral.docx", outside_template(outside) / "referral.docx")
    use_override(examples_root, "templates", "templates")
    refused(run(examples_root, "render", CASE, "referral"), "templates/referral.docx is a symbolic link",
            "Replace the link with the real template")
    assert not (examples_root / "cases" / CASE / "documents").exists()
    # The other templates, lcspr's own, still serve.
    result = run(examples_root, "render", CASE, "report")
    assert result.exit_code == 0, result.output
    written = Path(result.output.removeprefix("Wrote ").strip())
    assert written.is_relative_to(examples_root) and SENTINEL not in docx_text(written)


@pytest.mark.parametrize("relative", [False, True])
def test_a_templates_folder_outside_the_repository_is_refused(examples_root: Path, outside: Path, relative: bool) -> None:
    folder = outside_template(outside)
    use_override(examples_root, "templates", os.path.relpath(folder, examples_root) if relative else folder.as_posix())
    refused(run(examples_root, "render", CASE, "referral"), "(the templates folder) is outside the records repository")
    assert not (examples_root / "cases" / CASE / "documents").exists()


def test_a_linked_workflow_is_refused(examples_root: Path, outside: Path) -> None:
    theirs = outside / "workflow.yaml"
    theirs.write_text(f"{SENTINEL}: 1\n", encoding="utf-8")
    link(examples_root / "workflow.yaml", theirs)
    use_override(examples_root, "workflow", "workflow.yaml")
    for args in (["validate"], ["list"], ["show", CASE]):
        refused(run(examples_root, *args), "[overrides] workflow: workflow.yaml is a symbolic link")


@pytest.mark.skipif(not Path("/etc/passwd").is_file(), reason="no /etc/passwd here")
def test_a_workflow_outside_must_be_a_yaml_file(examples_root: Path) -> None:
    # A shared workflow outside the repository stays possible (test_workflow.py), but
    # lcspr.toml is anyone's to change and workflow errors quote the file: not /etc/passwd.
    first_line = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").splitlines()[0]
    use_override(examples_root, "workflow", "/etc/passwd")
    output = refused(run(examples_root, "validate"), "[overrides] workflow = '/etc/passwd'", "not a YAML file")
    assert first_line not in output


def test_a_linked_settings_file_is_refused(examples_root: Path, outside: Path) -> None:
    theirs = outside / "lcspr.toml"
    shutil.copy(examples_root / "lcspr.toml", theirs)
    link(examples_root / "lcspr.toml", theirs)
    refused(run(examples_root, "list"), "lcspr.toml is a symbolic link")


# --- import and the put-back of a failed write ------------------------------------


def test_import_refuses_a_folder_holding_links(records_root: Path, outside: Path, tmp_path: Path) -> None:
    from conftest import EXAMPLES

    source = tmp_path / "incoming" / CASE
    shutil.copytree(EXAMPLES / CASE, source)
    secret = with_sentinel(source / "referral.md", outside / "secret.md")
    link(source / "referral.md", secret)
    before = count(records_root)
    refused(run(records_root, "import", str(source), "--reason", "From the old system"),
            f"{CASE}/referral.md is a symbolic link (to {secret})")
    assert not (records_root / "cases" / CASE).exists()
    assert count(records_root) == before


def test_a_failed_write_never_reads_or_writes_through_a_link(tmp_path: Path, outside: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "case.md").write_text("before\n", encoding="utf-8")
    sentinel = outside / "important.txt"
    sentinel.write_text(SENTINEL, encoding="utf-8")
    link(folder / "notes.md", sentinel)
    link(folder / "elsewhere", outside)
    before = snapshot(outside)
    saved = gitops._Snapshot(folder)
    assert set(saved.files) == {folder / "case.md"}
    (folder / "case.md").write_text("after\n", encoding="utf-8")
    (folder / "new.md").write_text("new\n", encoding="utf-8")
    saved.restore()
    assert (folder / "case.md").read_text(encoding="utf-8") == "before\n"
    assert not (folder / "new.md").exists()
    assert (folder / "notes.md").is_symlink() and (folder / "elsewhere").is_symlink()
    assert snapshot(outside) == before
    with pytest.raises(UnsafePath):
        gitops._Snapshot(folder / "elsewhere")


# --- the check itself -------------------------------------------------------------


def test_inside_repository(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "records"
    (root / "cases" / "real").mkdir(parents=True)
    link(root / "cases" / "link", outside)
    assert paths.inside_repository(root, Path("cases/real/case.md"), "case file") == root / "cases/real/case.md"
    assert paths.inside_repository(root, Path("cases/real/../real"), "case folder") == root / "cases/real"
    for bad, words in [
        ("cases/link/case.md", "cases/link is a symbolic link"),
        ("cases/link/../real", "cases/link is a symbolic link"),  # `..` after a link leaves its target
        ("../outside", "is outside the records repository"),
        ("cases/../../outside", "is outside the records repository"),
        (str(outside), "is outside the records repository"),
    ]:
        with pytest.raises(UnsafePath, match=words.replace(".", r"\.")):
            paths.inside_repository(root, Path(bad), "thing")


def test_the_examples_hold_no_links() -> None:
    from conftest import PROJECT

    assert not [p for p in (PROJECT / "cases").rglob("*") if p.is_symlink()]


def test_a_workflow_outside_the_repository_is_never_quoted(records_root, tmp_path):
    """lcspr.toml is anyone's to change: naming a secret YAML file as the workflow must
    not make lcspr print it."""
    secret = tmp_path / "hosts.yml"
    secret.write_text("example.org:\n  oauth_token: not-a-real-token-0123456789\n", encoding="utf-8")
    toml = records_root / "lcspr.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'\n[overrides]\nworkflow = "{secret}"\n', encoding="utf-8")
    result = run(records_root, "validate")
    assert result.exit_code == 1
    assert "not-a-real-token" not in result.output and "oauth_token" not in result.output
    assert f"{secret} is not a valid workflow (at line " in result.output
