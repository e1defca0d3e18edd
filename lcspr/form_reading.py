"""Read a returned referral-response form (lcspr.response_form) back into data and Markdown.

`read_form(data, display, case_id, agency, sections)` opens the .docx with
python-docx after the checks a file from outside deserves (its size, what it
unpacks to, an encrypted or old Word file, a zip that is not a Word document),
checks it is lcspr's form for that case and agency in the version this lcspr
knows, and returns what the agency wrote: the fields, every chronology row with
its date, and each section's text as Markdown (headings, lists, bold, italics,
links and tables kept). Guidance paragraphs (the `Form Guidance` style) are left
out; anything that would otherwise be lost or guessed at is a `FormError` that
names the field, the row or the section, and says what to do.
"""

from __future__ import annotations

import re
import weakref
import zipfile
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from typing import TYPE_CHECKING, Any

from lcspr import response_form as form
from lcspr.errors import FormError

if TYPE_CHECKING:  # pragma: no cover
    from docx.document import Document as DocumentObject
    from docx.table import Table
    from docx.text.paragraph import Paragraph

#: A returned form is text and a table: a few hundred KB. Pasted pictures make it
#: many MB, and a form this size is refused before anything unpacks it.
MAX_FORM_BYTES = 10 * 1024 * 1024
#: What a form may unpack to (a zip's sizes can lie; python-docx reads every part).
MAX_UNPACKED = 64 * 1024 * 1024
MAX_PARTS = 500
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

_MONTHS = {name: number for number, names in enumerate(
    (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")), start=1) for name in names}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})$")
_WORDS = re.compile(r"^(?:[a-z]+,?\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{2,4})$")


@dataclass
class ReadForm:
    """What an agency wrote in its form: frontmatter fields (dotted keys), chronology
    entries, and the Markdown of each section by heading, in the form's order."""

    fields: dict[str, str] = field(default_factory=dict)
    chronology: list[dict[str, str]] = field(default_factory=list)
    #: The table row (1 = the first under the header) of each chronology entry.
    rows: list[int] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)


def read_form(data: bytes, display: str, case_id: str, agency: str, sections: list[str]) -> ReadForm:
    """The agency's answers in the form `data` (named `display` in messages)."""
    doc = open_form(data, display)
    _check_identity(doc, display, case_id, agency)
    return _Reader(doc, display, sections).read()


# --- the file ----------------------------------------------------------------------


def check_size(size: int, display: str) -> None:
    if size > MAX_FORM_BYTES:
        raise FormError(
            f"{display} is {size / (1024 * 1024):.1f} MB, more than the {MAX_FORM_BYTES // (1024 * 1024)} MB a "
            "response form may be; it probably holds pasted pictures. Ask the agency to remove them (describe "
            "in words what they show) and return the form again.")


def open_form(data: bytes, display: str) -> "DocumentObject":
    """The .docx in `data`, opened, after checking it is a Word document of a sensible size."""
    check_size(len(data), display)
    if data[:8] == _OLE:
        if _ENCRYPTED in data:
            raise FormError(f"{display} is protected with a password, so lcspr cannot read it. Ask the agency to "
                            "remove the password (File > Info > Protect Document), or open it yourself and save "
                            "it without one, then receive it again.")
        raise FormError(f"{display} is an old Word 97-2003 document (.doc), not the form. Open it in Word or "
                        "LibreOffice, save it as a Word document (.docx), then receive it again.")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FormError(f"{display} is not a Word document (.docx), or it is damaged; ask the agency for the form "
                        "again, saved as a Word document.") from None
    if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise FormError(f"{display} unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MB (or {MAX_PARTS} "
                        "parts); a response form holds text. Ask the agency to remove pictures and embedded files.")
    if any(i.flag_bits & 0x1 for i in infos):
        raise FormError(f"{display} has encrypted parts; ask the agency to save it without a password.")
    if "word/document.xml" not in {i.filename for i in infos}:
        raise FormError(f"{display} is a zip file but not a Word document (it has no word/document.xml).")
    from docx import Document

    try:
        return Document(BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a damaged package
        raise FormError(f"{display} is damaged and cannot be read as a Word document ({type(exc).__name__}: "
                        f"{exc}); ask the agency to save it again as a .docx.") from None


def _properties(doc: "DocumentObject") -> dict[str, str]:
    from docxcompose.properties import CustomProperties

    try:
        return {str(k): str(v) for k, v in CustomProperties(doc).items()}
    except Exception:  # a damaged custom-properties part: the form's markers are gone
        return {}


def _check_identity(doc: "DocumentObject", display: str, case_id: str, agency: str) -> None:
    props = _properties(doc)
    kind = props.get(form.FORM_PROPERTY)
    if kind != form.FORM_KIND:
        raise FormError(
            f"{display} is not an lcspr referral-response form (it does not carry the form's "
            f"`{form.FORM_PROPERTY}` property): a rendered response, another template or another document cannot be "
            f"received. Send the agency the form from `lcspr render {case_id} response --agency {agency} --blank` "
            "and receive what it returns.")
    version = props.get(form.VERSION_PROPERTY)
    if version != form.FORM_VERSION:
        raise FormError(f"{display} is version {version or '(none)'} of the response form; this lcspr reads version "
                        f"{form.FORM_VERSION}. Send the agency a new form (`lcspr render {case_id} response --agency "
                        f"{agency} --blank`).")
    for_case, for_agency = props.get(form.CASE_PROPERTY, ""), props.get(form.AGENCY_PROPERTY, "")
    if (for_case, for_agency) != (case_id, agency):
        raise FormError(
            f"{display} is the form for {for_case or '(no case)'} from {for_agency or '(no agency)'}, not for "
            f"{case_id} from {agency}. If that is right, receive it with `lcspr receive {for_case} --agency "
            f"{for_agency} {display}`; otherwise ask the agency for the right form.")


# --- the document ------------------------------------------------------------------


class _Reader:
    def __init__(self, doc: "DocumentObject", display: str, sections: list[str]) -> None:
        self.doc, self.display, self.wanted = doc, display, sections
        self.result = ReadForm()
        self._numbering = _Numbering(doc)

    def fail(self, where: str, message: str) -> FormError:
        return FormError(f"{self.display}: {where}: {message}")

    def guidance(self, paragraph: Any, where: str) -> bool:
        """Whether `paragraph` is the form's guidance (to leave out). Text typed into a
        guidance paragraph is refused, naming what was typed, rather than lost."""
        if not _is_guidance(paragraph):
            return False
        text = " ".join(paragraph.text.split())
        if not text or form.is_guidance_text(text):
            return True
        typed = text
        for known in sorted(form.guidance_texts(), key=len, reverse=True):
            typed = typed.replace(known, " ")
        raise self.fail(where, f"text in the guidance style that is not the form's guidance: "
                        f"{_quote(typed)}. Give it the Normal style, so it is read as the answer")

    def read(self) -> ReadForm:
        from docx.table import Table

        body = self.doc.element.body
        if any(body.find(f".//{_W}{tag}") is not None for tag in ("ins", "del", "moveFrom", "moveTo")):
            raise FormError(f"{self.display} holds tracked changes; open it, accept or reject them all (Review > "
                            "Accept All Changes), save, and receive it again.")
        # Text in these is not in python-docx's paragraphs and tables: it would be lost.
        if any(body.find(f".//{_W}{tag}") is not None for tag in ("sdt", "altChunk", "customXml")):
            raise FormError(f"{self.display} holds content controls or embedded content that lcspr does not read; "
                            "copy their text into the form as plain text (Developer > Remove Content Control), "
                            "save, and receive it again.")
        heading: str | None = None
        blocks: dict[str, list[Any]] = {}
        order: list[str] = []
        for block in self.doc.iter_inner_content():
            if not isinstance(block, Table) and _style(block).startswith("Heading 1"):
                heading = " ".join(block.text.split())
                if heading in blocks:
                    raise self.fail(f"the heading `{heading}`", "appears twice; keep one and put everything under it")
                blocks[heading] = []
                order.append(heading)
                continue
            if heading is None:
                self._before_first_heading(block)
                continue
            blocks[heading].append(block)
        structure = [form.ABOUT, form.INVOLVEMENT, form.CHRONOLOGY]
        for title in structure + self.wanted:
            if title not in blocks:
                raise self.fail(f"the heading `{title}`", "is missing: a question of the form was deleted. Put the "
                                "heading back (style Heading 1) with the answer under it, or ask the agency for the "
                                "form again")
        for title in (form.ABOUT, form.INVOLVEMENT):
            self._field_table(title, blocks[title])
        self._chronology(blocks[form.CHRONOLOGY])
        for title in order:
            if title not in structure:
                self.result.sections[title] = self._markdown(title, blocks[title])
        return self.result

    def _before_first_heading(self, block: Any) -> None:
        from docx.table import Table

        if isinstance(block, Table):
            raise self.fail("before the first heading", "a table was added; move its content under a heading")
        if _style(block) in ("Title", "Subtitle") or self.guidance(block, "before the first heading") \
                or not block.text.strip():
            return
        raise self.fail("before the first heading", f"text that is not under any question: {_quote(block.text)}; "
                        "move it under one of the headings")

    # --- field tables ---------------------------------------------------------

    def _tables(self, title: str, blocks: list[Any]) -> "Table":
        from docx.table import Table

        tables = [b for b in blocks if isinstance(b, Table)]
        for block in blocks:
            if not isinstance(block, Table) and not self.guidance(block, f"under `{title}`") and block.text.strip():
                raise self.fail(f"under `{title}`", f"text outside the table: {_quote(block.text)}; write it in "
                                "the table, or in one of the sections below")
        if len(tables) != 1:
            raise self.fail(f"under `{title}`", f"there should be one table, and there are {len(tables)}; "
                            "use the form's own table")
        return tables[0]

    def _field_table(self, title: str, blocks: list[Any]) -> None:
        table = self._tables(title, blocks)
        if len(table.columns) != 2:
            raise self.fail(f"the table under `{title}`", f"has {len(table.columns)} columns, the form has 2 "
                            "(label, answer); remove the added column")
        expected = {f.label: f for f in form.FIELDS[title]}
        seen: set[str] = set()
        for index, row in enumerate(table.rows, start=1):
            cells = _cells(row)
            if len(cells) != 2:
                raise self.fail(f"the table under `{title}`, row {index}", "has merged or added cells; use the "
                                "form's two columns")
            label = _label(cells[0])
            for paragraph in cells[0].paragraphs:
                self.guidance(paragraph, f"the field {_quote(label)} under `{title}`")
            if label in form.FIXED_LABELS and title == form.ABOUT:
                seen.add(label)
                continue
            known = expected.get(label)
            if known is None:
                if not label and not _cell_text(cells[1]):
                    continue  # an empty row added by mistake
                raise self.fail(f"the table under `{title}`, row {index}", f"the field {_quote(label or '(empty)')} "
                                f"is not one of the form's ({', '.join(expected)}); do not rename or add fields")
            seen.add(label)
            self._plain_cell(cells[1], f"the field `{label}` under `{title}`")
            value = _cell_text(cells[1])
            if value and known.date:
                parsed = parse_date(value)
                if parsed is None:
                    raise self.fail(f"the field `{label}` under `{title}`", f"cannot read the date {_quote(value)}; "
                                    + form.DATES)
                value = parsed
            if value:
                self.result.fields[known.key] = value
        lost = [label for label in expected if label not in seen]
        if lost:
            raise self.fail(f"the table under `{title}`", f"the field(s) {', '.join(lost)} were deleted; put them "
                            "back, or ask the agency for the form again")

    def _plain_cell(self, cell: Any, where: str) -> None:
        """A cell the reader reads holds text alone: a table or a picture in it would be lost."""
        if cell.tables:
            raise self.fail(where, "has a table inside a cell; write its content as text in the cell, or in one "
                            "of the sections below")
        if any(_has_picture(p) for p in cell.paragraphs):
            raise self.fail(where, "holds a picture or drawing; lcspr keeps the words. Describe in words what it "
                            "shows, and remove it")

    # --- the chronology -------------------------------------------------------

    def _chronology(self, blocks: list[Any]) -> None:
        title = form.CHRONOLOGY
        table = self._tables(title, blocks)
        header = [_cell_text(c) for c in _cells(table.rows[0])] if table.rows else []
        if header != list(form.CHRONOLOGY_COLUMNS):
            raise self.fail("the chronology table", f"its columns are {', '.join(header) or '(none)'}; the form's "
                            f"are {', '.join(form.CHRONOLOGY_COLUMNS)}. Remove added columns (put what they say in "
                            "Event or Significance) and keep the header row as it was")
        for index, row in enumerate(table.rows[1:], start=1):
            cells = _cells(row)
            if len(cells) != len(form.CHRONOLOGY_COLUMNS):
                raise self.fail(f"the chronology table, row {index}", f"has {len(cells)} cells; the form has "
                                f"{len(form.CHRONOLOGY_COLUMNS)} (Date, Event, Significance)")
            for cell in cells:
                self._plain_cell(cell, f"the chronology table, row {index}")
            when, event, significance = (_cell_text(c) for c in cells)
            if not (when or event or significance):
                continue
            where = f"the chronology table, row {index}"
            if not when:
                raise self.fail(where, f"has no date ({_quote(event or significance)}); write the date it happened")
            parsed = parse_date(when)
            if parsed is None:
                raise self.fail(where, f"cannot read the date {_quote(when)}; " + form.DATES)
            if not event:
                raise self.fail(where, f"({when}) has no event; say what happened")
            entry = {"date": parsed, "event": event}
            if significance:
                entry["significance"] = significance
            self.result.chronology.append(entry)
            self.result.rows.append(index)

    # --- sections as Markdown -------------------------------------------------

    def _markdown(self, title: str, blocks: list[Any]) -> str:
        from docx.table import Table

        out: list[tuple[str, str]] = []  # (kind, markdown): kind "list" items join without a blank line
        for block in blocks:
            if isinstance(block, Table):
                out.append(("table", self._table_markdown(title, block)))
                continue
            if _has_picture(block):
                raise self.fail(f"the section `{title}`", "holds a picture or drawing; lcspr keeps the words. "
                                "Describe in words what it shows, and remove it")
            if self.guidance(block, f"the section `{title}`"):
                continue
            text = _inline(block)
            if not text.strip():
                continue
            style = _style(block)
            level = _heading_level(style)
            if level:
                out.append(("heading", f"{'#' * min(level + 1, 6)} {text.strip()}"))
                continue
            listed = self._numbering.kind(block)
            if listed:
                kind, depth = listed
                marker = "-" if kind == "bullet" else "1."
                out.append(("list", f"{'   ' * depth}{marker} {text.strip()}"))
                continue
            if style.startswith("Quote") or style.startswith("Intense Quote"):
                out.append(("quote", "> " + text.strip().replace("\n", "\n> ")))
                continue
            out.append(("para", text.strip()))
        lines: list[str] = []
        for index, (kind, text) in enumerate(out):
            if index and not (kind == "list" and out[index - 1][0] == "list"):
                lines.append("")
            lines.append(text)
        return "\n".join(lines)

    def _table_markdown(self, title: str, table: "Table") -> str:
        rows = [[_escape(_cell_text(c)).replace("|", "\\|").replace("\n", " ") for c in _cells(row)]
                for row in table.rows]
        rows = [r for r in rows if any(r)]
        if not rows:
            return ""
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)


# --- paragraphs and cells ------------------------------------------------------------


class _Styles:
    """The styles of one document by ID, read once: python-docx's `paragraph.style` searches
    the styles part on every call, which made a 1,000-row chronology take seconds."""

    def __init__(self, part: Any) -> None:
        from docx.styles import BabelFish

        self.names: dict[str, str] = {}
        self.based: dict[str, str] = {}
        self.numbering: dict[str, Any] = {}
        self.default = ""
        try:
            styles = part.styles.element
        except (KeyError, AttributeError, NotImplementedError):
            return
        for style in styles.findall(f"{_W}style"):
            sid = style.get(f"{_W}styleId", "")
            name = style.find(f"{_W}name")
            self.names[sid] = BabelFish.internal2ui(name.get(f"{_W}val", "") if name is not None else sid)
            based = style.find(f"{_W}basedOn")
            if based is not None:
                self.based[sid] = based.get(f"{_W}val", "")
            ppr = style.find(f"{_W}pPr")
            num = ppr.find(f"{_W}numPr") if ppr is not None else None
            if num is not None:
                self.numbering[sid] = num
            if style.get(f"{_W}type") == "paragraph" and style.get(f"{_W}default") in ("1", "true", "on"):
                self.default = sid

    def paragraph_id(self, paragraph: "Paragraph") -> str:
        ppr = paragraph._p.pPr
        sid = ppr.pStyle.val if ppr is not None and ppr.pStyle is not None else ""
        return sid if sid in self.names else self.default

    def paragraph(self, paragraph: "Paragraph") -> str:
        return self.names.get(self.paragraph_id(paragraph), "")

    def run(self, run: Any) -> str:
        rpr = run._r.rPr
        sid = rpr.rStyle.val if rpr is not None and rpr.rStyle is not None else ""
        return self.names.get(sid, "")

    def num_pr(self, sid: str) -> Any:
        """The list properties a paragraph style gives, its own or those of a style it is based on."""
        seen: set[str] = set()
        while sid and sid not in seen:
            if sid in self.numbering:
                return self.numbering[sid]
            seen.add(sid)
            sid = self.based.get(sid, "")
        return None


_STYLES: "weakref.WeakKeyDictionary[Any, _Styles]" = weakref.WeakKeyDictionary()


def _styles(paragraph: Any) -> _Styles:
    part = paragraph.part
    found = _STYLES.get(part)
    if found is None:
        found = _STYLES[part] = _Styles(part)
    return found


def _style(paragraph: "Paragraph") -> str:
    return _styles(paragraph).paragraph(paragraph)


def _is_guidance(block: Any) -> bool:
    return hasattr(block, "_p") and _style(block) == form.GUIDANCE_STYLE  # a paragraph, not a table


def _heading_level(style: str) -> int:
    match = re.match(r"^Heading ([1-9])$", style)
    return int(match.group(1)) if match else 0


def _has_picture(paragraph: "Paragraph") -> bool:
    element = paragraph._p
    return element.find(f".//{_W}drawing") is not None or element.find(f".//{_W}pict") is not None \
        or element.find(f".//{_W}object") is not None


def _cells(row: Any) -> list[Any]:
    """The cells of a row, each once (python-docx repeats a merged cell for each column it spans)."""
    seen: list[Any] = []
    for cell in row.cells:
        if not any(cell._tc is s._tc for s in seen):
            seen.append(cell)
    return seen


def _cell_text(cell: Any) -> str:
    """A cell's answer: its paragraphs that are not guidance, joined by line breaks, trimmed."""
    parts = [" ".join(p.text.split()) for p in cell.paragraphs if not _is_guidance(p)]
    return "\n".join(p for p in parts if p).strip()


def _label(cell: Any) -> str:
    for paragraph in cell.paragraphs:
        if not _is_guidance(paragraph) and paragraph.text.strip():
            return " ".join(paragraph.text.split())
    return ""


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"\"{text[:60]}…\"" if len(text) > 60 else f"\"{text}\""


_ESCAPE = re.compile(r"([\\`*_\[\]<>])")
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])(?=\s|$)")


def _escape(text: str) -> str:
    """Text as Markdown that shows exactly that text."""
    text = _ESCAPE.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def _inline(paragraph: "Paragraph") -> str:
    """A paragraph's runs as inline Markdown: bold, italics and links kept, line breaks as hard breaks."""
    from docx.text.hyperlink import Hyperlink

    pieces: list[tuple[str, bool, bool, str]] = []  # (text, bold, italic, url)
    for item in paragraph.iter_inner_content():
        if isinstance(item, Hyperlink):
            pieces.append((item.text, False, False, item.address or ""))
            continue
        style = _styles(paragraph).run(item)
        bold = bool(item.bold) or style in ("Strong", "Strong Emphasis")
        italic = bool(item.italic) or style in ("Emphasis", "Strong Emphasis")
        pieces.append((item.text, bold, italic, ""))
    merged: list[tuple[str, bool, bool, str]] = []
    for piece in pieces:
        if merged and not piece[3] and not merged[-1][3] and merged[-1][1:3] == piece[1:3]:
            merged[-1] = (merged[-1][0] + piece[0], *merged[-1][1:])
        else:
            merged.append(piece)
    out = []
    for text, bold, italic, url in merged:
        text = text.replace("\t", " ")
        if url:
            out.append(f"[{_escape(text)}]({url.replace(')', '%29').replace(' ', '%20')})")
            continue
        core = text.strip()
        if not core or not (bold or italic):
            out.append(_escape(text))
            continue
        mark = "***" if bold and italic else "**" if bold else "*"
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
        out.append(f"{lead}{mark}{_escape(core)}{mark}{trail}")
    return "".join(out).replace("\n", "\\\n")


class _Numbering:
    """Whether a paragraph is an item of a bulleted or numbered list, and how deep."""

    def __init__(self, doc: "DocumentObject") -> None:
        self.formats: dict[tuple[str, int], str] = {}
        try:
            numbering = doc.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {}
        for item in numbering.findall(f"{_W}abstractNum"):
            levels = {}
            for level in item.findall(f"{_W}lvl"):
                fmt = level.find(f"{_W}numFmt")
                levels[int(level.get(f"{_W}ilvl", "0"))] = fmt.get(f"{_W}val", "") if fmt is not None else ""
            abstract[item.get(f"{_W}abstractNumId")] = levels
        for num in numbering.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            levels = abstract.get(ref.get(f"{_W}val") if ref is not None else None, {})
            for ilvl, fmt in levels.items():
                self.formats[(num.get(f"{_W}numId", ""), ilvl)] = fmt

    def kind(self, paragraph: "Paragraph") -> tuple[str, int] | None:
        style = _style(paragraph)
        depth_of_style = re.search(r" (\d)$", style)
        depth = int(depth_of_style.group(1)) - 1 if depth_of_style else 0
        num_id, ilvl = _num_pr(paragraph)
        if num_id and num_id != "0":
            fmt = self.formats.get((num_id, ilvl), "bullet")
            # Word's "List Bullet 2" is level 0 of a list of its own, indented: its name says the depth.
            return ("bullet" if fmt in ("bullet", "none", "") else "number"), max(ilvl, depth)
        if style.startswith("List Bullet"):
            return "bullet", depth
        if style.startswith("List Number"):
            return "number", depth
        return None



def _num_pr(paragraph: "Paragraph") -> tuple[str, int]:
    """The paragraph's list (numId, level), its own or its style's."""
    ppr = paragraph._p.pPr
    num = ppr.find(f"{_W}numPr") if ppr is not None else None
    if num is None:
        styles = _styles(paragraph)
        num = styles.num_pr(styles.paragraph_id(paragraph))
    if num is None:
        return "", 0
    num_id, ilvl = num.find(f"{_W}numId"), num.find(f"{_W}ilvl")
    return (num_id.get(f"{_W}val", "") if num_id is not None else "",
            int(ilvl.get(f"{_W}val", "0")) if ilvl is not None else 0)


# --- dates ---------------------------------------------------------------------------


def parse_date(text: str) -> str | None:
    """A date as people write it in a form (2025-06-03, 3 June 2025, Tuesday 3rd June
    2025, 03/06/2025, day first) as an ISO date; None when it cannot be read for certain
    (a two-digit year, a day that does not exist, anything else)."""
    text = " ".join(text.strip().lower().split())
    day = month = year = 0
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _NUMERIC.match(text):
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) != 4:
            return None
    elif match := _WORDS.match(text):
        if match.group(2) not in _MONTHS or len(match.group(3)) != 4:
            return None
        day, month, year = int(match.group(1)), _MONTHS[match.group(2)], int(match.group(3))
    else:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
