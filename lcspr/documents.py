"""`lcspr render`: the referral, referral responses and review report as Word documents.

A document is a docxtpl template (templates/*.docx, or the records repository's own
when lcspr.toml names a templates folder) filled with the values of
`lcspr.document_context`. The filling is strict:

- every value is escaped, so `Smith & Jones <Ltd>` arrives intact and a value that
  contains `{{` or `{%` is text, never template;
- a variable the template uses and lcspr does not provide is a RenderError naming
  the variable and the template (jinja2's StrictUndefined), never an empty field;
- Markdown bodies become Word headings, lists and tables in the template's styles
  (`lcspr.markdown_docx`);
- the document properties carry the partnership and nothing about a person.

docxtpl is imported inside the functions that need it, so that the rest of the
command line starts without it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcspr import document_context, paths, records
from lcspr.document_context import Fields, Linked, Markdown
from lcspr.errors import RenderError, UsageError
from lcspr.resources import resource_dir

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    from docxtpl import DocxTemplate
    from jinja2 import Environment

    from lcspr.config import Config
    from lcspr.records import Case
    from lcspr.repository import Repository

KINDS = ("referral", "response", "report")
#: Where `lcspr render` writes, at the repository's root: drafts, never the record.
DRAFTS_DIR = "drafts"
MARKING = "OFFICIAL-SENSITIVE"
PDF_TIMEOUT_SECONDS = 300
#: LibreOffice's PDF export, tagged (PDF/UA-friendly: structure, reading order, the
#: document's title and language), as public-sector accessibility rules expect. The
#: JSON form of filter options needs LibreOffice 7.4 or later.
PDF_FILTER = 'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}'


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document: its template file, and whether it is marked OFFICIAL-SENSITIVE."""

    template: str
    marked: bool


DOCUMENTS: dict[str, DocumentKind] = {
    "referral": DocumentKind("referral.docx", marked=True),
    "response": DocumentKind("referral-response.docx", marked=True),
    "report": DocumentKind("review-report.docx", marked=False),
}


def render(
    repo: "Repository",
    case_id: str,
    kind: str,
    agency: str | None = None,
    output: Path | None = None,
    pdf: bool = False,
) -> list[Path]:
    """Render one case's referral, referral response(s) or review report and return
    the paths written (each .docx, then each .pdf with `pdf`).

    `response` renders `agency`'s form, or every agency's without it. With no
    `output` the files are drafts, in drafts/<ID>/ at the repository's root, never
    in the case folder, whose documents/ holds only what decisions sent; `output`
    is a folder, or a .docx file name when one document is rendered. Every
    document is filled before any is written, so a refusal (a case that does not
    validate, a template that fails, `pdf` without LibreOffice) writes nothing."""
    _check_kind(kind, agency)
    soffice = _soffice() if pdf else None
    case = read_valid_case(repo, case_id)
    if output is None:
        root = repo.config.root
        output = paths.inside_repository(root, Path(DRAFTS_DIR) / case.id, "drafts folder")
    written = _write_all(_fill_all(repo.config, case, kind, agency, output, draft=True,
                                   levels=repo.workflow.level_titles))
    if soffice:
        written += convert_to_pdf(written, soffice)
    return written


def render_for_decision(repo: "Repository", case_id: str, kinds: list[str], label: str) -> list[Path]:
    """Render the documents a decision sends (`sends:` in the workflow: referral,
    response = every agency's, report) into the case folder's documents/ and return
    their paths, for the decision's commit to hold exactly what was sent. Each gets
    a name of its own, marked with `label` (the state the decision enters), so a
    document sent before is never overwritten. Writes nothing unless every
    document can be rendered.

    A document is a draft (marked DRAFT and OFFICIAL-SENSITIVE on every page)
    unless it is the version for publication: see `is_for_publication`."""
    for kind in kinds:
        _check_kind(kind, None)
    case = read_valid_case(repo, case_id)
    filled = [doc for kind in dict.fromkeys(kinds)
              for doc in _fill_all(repo.config, case, kind, None, None, draft=not is_for_publication(repo, kind, label),
                                  levels=repo.workflow.level_titles)]
    return _write_all([(_unused(target, label), data) for target, data in filled])


def is_for_publication(repo: "Repository", kind: str, label: str) -> bool:
    """Whether a document of `kind` sent by the decision entering the state `label` is
    the version for publication, carrying no DRAFT or OFFICIAL-SENSITIVE marking.

    The rule comes from the workflow: it is, when a move into `label` runs the
    publication check on that kind (`checks_publication:`), since what is checked
    is what is published (pre-publication, in lcspr's own workflow). Every other
    document a decision sends (the report sent to the Board for approval) and
    every draft from `lcspr render` is marked."""
    return any(kind in t.checks_publication for t in repo.workflow.transitions if t.target == label)


def _unused(target: Path, label: str) -> Path:
    """`LIG-2026-004-review-report-pre-publication.docx`, or `...-2.docx` and on when that exists."""
    stem = f"{target.stem}-{label}"
    candidate, n = target.with_name(f"{stem}{target.suffix}"), 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = target.with_name(f"{stem}-{n}{target.suffix}")
    return candidate


def fill(config: "Config", case: "Case", kind: str, agency: str | None = None, draft: bool = False,
         levels: "Mapping[str, str] | None" = None) -> bytes:
    """The .docx of one document: the template of `kind` filled from `case`. A `draft`
    is marked DRAFT and OFFICIAL-SENSITIVE (the template shows the marking when its
    `draft` variable is true, and the category property says OFFICIAL-SENSITIVE);
    without `draft` it is the document as it would be published."""
    from docxtpl import DocxTemplate

    template, shown = template_path(config, kind)
    values = document_context.build(config, case, kind, agency, draft=draft, levels=levels)
    try:
        tpl = DocxTemplate(template)
        tpl.get_docx()
    except Exception as exc:  # python-docx raises several kinds for a file that is not a .docx
        raise RenderError(f"{shown} is not a Word document lcspr can read ({exc}); replace it with a .docx file.") from None
    context = _with_subdocs(tpl, values)
    _render(tpl, context, shown, kind)
    from lcspr.docx_properties import set_properties

    set_properties(
        tpl.docx,
        partnership=config.partnership,
        title=document_title(config, case, kind, agency),
        subject=f"{case.id}: {kind}",
        when=datetime.now(timezone.utc).replace(microsecond=0),
        category=MARKING if DOCUMENTS[kind].marked or draft else "",
    )
    buffer = BytesIO()
    tpl.save(buffer)
    return buffer.getvalue()


def template_path(config: "Config", kind: str) -> tuple[Path, str]:
    """The template of `kind` and how to name it in messages: the records repository's
    own (lcspr.toml [overrides] templates) when it has that file, else lcspr's."""
    name = DOCUMENTS[kind].template
    folder = config.templates_dir
    if folder is not None:
        # A template is filled into documents that are sent out: never one from outside.
        folder = paths.inside_repository(config.root, folder, "templates folder")
        if not folder.is_dir():
            raise RenderError(
                f"lcspr.toml [overrides] templates = {records.relative(config, folder)!r}, but there is no such "
                "folder; create it or remove the setting."
            )
        own = folder / name
        if own.is_file() or own.is_symlink():
            return paths.inside_repository(config.root, own, "template"), records.relative(config, own)
    return resource_dir("templates") / name, f"lcspr's template {name}"


def document_title(config: "Config", case: "Case", kind: str, agency: str | None) -> str:
    """The title in the document's properties (pseudonyms only, as everywhere)."""
    if kind == "report":
        return str(case.files["report"].data.get("title") or f"{case.id}: review report")
    if kind == "response":
        return f"{case.id}: referral response from {config.agency_name(agency or '')}"
    return f"{case.id}: referral to the Learning and Inquiry Group"


def file_name(case_id: str, kind: str, agency: str | None = None) -> str:
    """The default file name: LIG-2026-001-referral.docx, LIG-2026-001-response-police.docx,
    LIG-2026-001-review-report.docx."""
    if kind == "response":
        return f"{case_id}-response-{agency}.docx"
    return f"{case_id}-{'review-report' if kind == 'report' else kind}.docx"


# --- which case, which files ---------------------------------------------------


def read_valid_case(repo: "Repository", case_id: str) -> "Case":
    from lcspr.validation import check_case

    records.case_folder(repo.config, case_id)  # UnknownCase, with a suggestion
    case, problems = check_case(repo, case_id)
    if problems or case is None:
        listed = "\n".join(f"  {p}" for p in problems)
        raise RenderError(
            f"{case_id} does not validate, so its documents would be wrong:\n{listed}\n"
            f"Fix these (`lcspr validate {case_id}` lists them)."
        )
    return case


def _response_agency(config: "Config", case: "Case", agency: str) -> str:
    records.check_agency(config, agency)
    if agency not in case.responses():
        have = ", ".join(case.responses()) or "none yet"
        raise RenderError(
            f"{case.id} has no referral response from {agency} (responses/{agency}.md); responses: {have}."
        )
    return agency


def _all_responses(case: "Case") -> list[str | None]:
    agencies: list[str | None] = list(case.responses())
    if not agencies:
        raise RenderError(f"{case.id} has no referral responses yet (responses/<agency>.md): nothing to render.")
    return agencies


def _check_kind(kind: str, agency: str | None) -> None:
    if kind not in DOCUMENTS:
        raise UsageError(f"{kind!r} is not a document: choose one of {', '.join(KINDS)}.")
    if agency is not None and kind != "response":
        raise UsageError("--agency goes with `response` only: the referral and the report are one document each.")


def _fill_all(config: "Config", case: "Case", kind: str, agency: str | None,
              output: Path | None, draft: bool, levels: "Mapping[str, str] | None" = None) -> list[tuple[Path, bytes]]:
    """Every document of `kind` for `case` (one, or one per response), filled, with where it goes."""
    agencies: list[str | None] = [None]
    if kind == "response":
        agencies = [_response_agency(config, case, agency)] if agency else _all_responses(case)
    targets = _targets(case, kind, agencies, output)
    return [(target, fill(config, case, kind, who, draft=draft, levels=levels)) for who, target in zip(agencies, targets)]


def _write_all(documents: list[tuple[Path, bytes]]) -> list[Path]:
    for target, data in documents:
        _write_atomic(target, data)
    return [target for target, _ in documents]


def _targets(case: "Case", kind: str, agencies: list[str | None], output: Path | None) -> list[Path]:
    names = [file_name(case.id, kind, agency) for agency in agencies]
    if output is None:
        # Only an explicit -o may write outside the repository: documents/ and the
        # files in it must be real, not links (cases/<ID> lies two below the root).
        root = case.folder.parents[1]
        folder = case.folder / records.DOCUMENTS_DIR
        return [paths.inside_repository(root, folder / name, "document") for name in names]
    if output.suffix.lower() == ".docx":
        if len(names) > 1:
            raise UsageError(
                f"-o {output} names one file, but {len(names)} documents are rendered; give a folder instead."
            )
        return [output.resolve()]
    return [output.resolve() / name for name in names]


# --- filling -------------------------------------------------------------------


def _with_subdocs(tpl: "DocxTemplate", value: Any) -> Any:
    """The context with each `Markdown` value made a subdocument of `tpl`, and each
    `Linked` text made runs with its web address as a link."""
    if isinstance(value, Linked):
        return _linked_runs(tpl, value)
    if isinstance(value, Markdown):
        from lcspr.markdown_docx import markdown_to_subdoc

        try:
            return markdown_to_subdoc(tpl, value.text, heading_offset=value.heading_offset)
        except RenderError as exc:
            if value.source and not str(exc).startswith(value.source):
                raise RenderError(f"{value.source}: {exc}") from None
            raise
    if isinstance(value, Fields):
        return Fields(value.path, {k: _with_subdocs(tpl, v) for k, v in value.items()})
    if isinstance(value, dict):
        return {k: _with_subdocs(tpl, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_subdocs(tpl, v) for v in value]
    return value


class _Runs:
    """Word runs that replace a `{{ name }}` tag inside a run (finalize passes anything
    with `__html__` through as XML): the tag's run is closed, these runs follow, and an
    empty run is opened again for the text after the tag."""

    def __init__(self, xml: str, text: str) -> None:
        self.xml, self.text = xml, text

    def __html__(self) -> str:
        return f'</w:t></w:r>{self.xml}<w:r><w:t xml:space="preserve">'

    def __str__(self) -> str:
        return self.text


def _linked_runs(tpl: "DocxTemplate", value: Linked) -> _Runs:
    """`value` as runs of text, its web address a hyperlink (blue, underlined)."""
    from docxtpl import RichText

    before, _, after = str(value).partition(value.url)
    rich = RichText()
    for text, link in ((before, False), (value.url, True), (after, False)):
        if not text:
            continue
        text = _CONTROL.sub(" ", text)
        if link:
            rich.add(text, url_id=tpl.build_url_id(value.url), color="0563C1", underline=True)
        else:
            rich.add(text)
    return _Runs(rich.xml, str(value))


def _render(tpl: "DocxTemplate", context: dict[str, Any], shown: str, kind: str) -> None:
    from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    env = environment()
    try:
        tpl.render(context, env)
    except (SecurityError, OverflowError) as exc:  # OverflowError: the sandbox's bound on range()
        tags = _offending_tags(exc, getattr(env, "last_source", ""))
        where = f" in the tag {tags[0]}" if len(tags) == 1 else f" in one of the tags {', '.join(tags)}" if tags else ""
        raise RenderError(
            f"{shown} tries something a template may not do ({exc}){where}"
            + "; lcspr fills templates in a sandbox. Remove that tag, or ask whoever supplied the template."
        ) from None
    except UndefinedError as exc:
        raise RenderError(
            f"{shown} uses {exc.message}, which lcspr does not provide for a {kind} document; "
            "correct the template (docs/documents.md lists the variables each template gets)."
        ) from None
    except TemplateSyntaxError as exc:
        near = " ".join(line.strip() for line in getattr(exc, "docx_context", []) if line.strip())
        raise RenderError(
            f"{shown} is not a valid template: {exc.message}" + (f" (near: {near[:200]})" if near else "")
        ) from None
    except TemplateError as exc:
        raise RenderError(f"{shown} could not be filled: {exc}") from None
    except RenderError as exc:  # from finalize, which cannot know the template
        raise RenderError(f"{shown}: {exc}") from None


_XML_TAG = re.compile(r"<[^>]+>")
_JINJA_TAG = re.compile(r"\{[{%].*?[}%]\}")
_UNSAFE_NAME = re.compile(r"attribute '([^']+)'")


def _offending_tags(exc: Exception, source: str) -> list[str]:
    """The Jinja tags (as the template's author typed them) on the line where `exc` was
    raised: the one naming the refused attribute, else every tag on that line.

    Jinja rewrites the traceback so that a frame named `<template>` carries the
    template's line; docxtpl puts each Word paragraph on a line of its own."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    lines = source.split("\n")
    if line is None or not 0 < line <= len(lines):
        return []
    tags = [tag[:200] for tag in _JINJA_TAG.findall(_XML_TAG.sub("", lines[line - 1]))]
    name = _UNSAFE_NAME.search(str(exc))
    return [t for t in tags if name and name[1] in t][:1] or tags[:5]


# Characters Word cannot hold, and \a \f \v, which docxtpl would turn into breaks.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# docxtpl turns "{_{", "}_}", "{_%" and "%_}" in the filled XML into "{{", "}}", "{%"
# and "%}". Ending the text element after such an underscore keeps the value as written.
_DOCXTPL_UNDERSCORE = re.compile(r"_(?=[{}%])")
_TEXT_BREAK = '</w:t><w:t xml:space="preserve">'


# Bounds on what a template's arithmetic may build: `{{ "x" * 10**10 }}` would
# otherwise take all the memory there is before anything could refuse it.
_MAX_SEQUENCE = 1_000_000
_MAX_EXPONENT = 100


def environment() -> "Environment":
    """The Jinja environment every document is filled with: every value escaped as
    text, and a missing variable an error that names it.

    Templates come from the records repository (lcspr.toml [overrides] templates),
    which anyone who can commit may change, so they run in Jinja's immutable sandbox:
    no attribute that leads to Python's internals, no changing the values given, no
    `include` or `import` of any file, and no arithmetic that builds something huge.
    A template that tries gets SecurityError (see `_render`)."""
    from jinja2 import StrictUndefined, TemplateNotFound
    from jinja2.exceptions import SecurityError
    from jinja2.loaders import FunctionLoader
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from markupsafe import Markup, escape

    class _Missing(StrictUndefined):
        # StrictUndefined says "'dict object' has no attribute 'x'"; name the path instead.
        @property
        def _undefined_message(self) -> str:
            if self._undefined_hint:  # the sandbox's refusal, which says what was refused
                return self._undefined_hint
            owner = getattr(self._undefined_obj, "path", None)
            if owner:
                return f"`{owner}.{self._undefined_name}`"
            if isinstance(self._undefined_name, str):
                return f"`{self._undefined_name}`"
            return str(super()._undefined_message)

    def finalize(value: Any) -> Any:
        if hasattr(value, "__html__"):  # a subdocument: Word XML already
            return value
        if value is None:
            raise RenderError("a template printed a value that is empty (None); lcspr gives every value as text")
        text = str(value).replace("\r\n", "\n").replace("\r", "\n")
        escaped = str(escape(_CONTROL.sub(" ", text)))
        return Markup(_DOCXTPL_UNDERSCORE.sub("_" + _TEXT_BREAK, escaped))

    def no_files(name: str) -> None:
        raise TemplateNotFound(f"{name} (a template cannot include or import other files)")

    class _Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})
        last_source = ""  # the XML docxtpl last compiled, so an error can quote its tag

        def from_string(self, source: Any, *args: Any, **kwargs: Any) -> Any:
            self.last_source = source if isinstance(source, str) else ""
            return super().from_string(source, *args, **kwargs)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, int) and abs(right) > _MAX_EXPONENT:
                raise SecurityError(f"a power above {_MAX_EXPONENT} is not allowed in a template")
            if operator == "*":
                sized = [(s, n) for s, n in ((left, right), (right, left)) if hasattr(s, "__len__") and isinstance(n, int)]
                if sized and len(sized[0][0]) * sized[0][1] > _MAX_SEQUENCE:
                    raise SecurityError(f"repeating text or a list beyond {_MAX_SEQUENCE:,} items is not allowed in a template")
            return super().call_binop(context, operator, left, right)

    return _Sandbox(undefined=_Missing, autoescape=True, finalize=finalize, loader=FunctionLoader(no_files))


def _write_atomic(target: Path, data: bytes) -> None:
    from lcspr.mdfile import write_atomic

    write_atomic(target, data)


# --- PDF -----------------------------------------------------------------------


INSTALL_LIBREOFFICE = (
    "--pdf needs LibreOffice, and `soffice` is not on PATH. Install it "
    "(Debian/Ubuntu: `sudo apt-get install libreoffice-writer`; Fedora: `sudo dnf install libreoffice-writer`; "
    "macOS: `brew install --cask libreoffice`, then add /Applications/LibreOffice.app/Contents/MacOS to PATH; "
    "Windows: https://www.libreoffice.org/download/ and add its program folder to PATH), "
    "or render without --pdf and save as PDF from Word."
)


def _soffice() -> str:
    found = shutil.which("soffice")
    if not found:
        raise RenderError(INSTALL_LIBREOFFICE)
    return found


def convert_to_pdf(paths: list[Path], soffice: str | None = None) -> list[Path]:
    """Convert .docx files to tagged PDF next to them with LibreOffice; return the PDFs' paths."""
    soffice = soffice or _soffice()
    pdfs: list[Path] = []
    # A private LibreOffice profile: the user's own may be locked by a running
    # LibreOffice, and a conversion must not change it.
    with tempfile.TemporaryDirectory(prefix="lcspr-soffice-") as profile:
        for folder in dict.fromkeys(p.parent for p in paths):
            group = [p for p in paths if p.parent == folder]
            for path in group:  # so that an old PDF is never mistaken for a new one
                path.with_suffix(".pdf").unlink(missing_ok=True)
            command = [soffice, "--headless", "--norestore", f"-env:UserInstallation={Path(profile).as_uri()}",
                       "--convert-to", PDF_FILTER, "--outdir", str(folder), *map(str, group)]
            try:
                result = subprocess.run(command, capture_output=True, text=True, timeout=PDF_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                raise RenderError(
                    f"LibreOffice did not finish converting to PDF within {PDF_TIMEOUT_SECONDS} seconds; "
                    "the .docx files are written."
                ) from None
            for path in group:
                pdf = path.with_suffix(".pdf")
                if result.returncode != 0 or not pdf.is_file():
                    detail = (result.stderr or result.stdout).strip().splitlines()
                    raise RenderError(
                        f"LibreOffice could not convert {path.name} to PDF"
                        + (f": {detail[-1]}" if detail else "") + "; the .docx files are written."
                    )
                pdfs.append(pdf)
    return pdfs
