"""Every piece of text a Word or PDF file carries, wherever in the file it hides.

A .docx is a zip of XML parts, and text that a reader of the page never sees is
still in them: headers, footers, footnotes, endnotes, comments, tracked deletions
(`w:delText`, with the author of each change), hidden text (`w:vanish` is a
display property: the text stays in `w:t`), text boxes, image alt text
(`wp:docPr` descr and title), field codes (`w:instrText`, `w:fldSimple`),
document variables (settings.xml `w:docVar`), core/app/custom properties,
people.xml, and the relationship targets (the attached template's path, links).
`docx_chunks` reads every XML part with a parser that expands no entity and
fetches nothing, joins a paragraph's runs so `Jo` + `hn` reads as `John`, and
refuses a file that is not a zip, is encrypted or unpacks to more than a cap.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from urllib.parse import unquote

from lcspr.errors import DocumentUnreadable

#: What one document may unpack to: a 200-page report is a few MB of XML.
MAX_UNPACKED = 256 * 1024 * 1024
MAX_PARTS = 5000
PDF_TIMEOUT_SECONDS = 120
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted Office file (or a Word 97-2003 .doc)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _T, _DEL_T, _INSTR, _TAB, _BR, _CR = (W + n for n in ("p", "t", "delText", "instrText", "tab", "br", "cr"))
_TEXTS = {_T, _DEL_T, _INSTR}
_BREAKS = {_TAB: " ", _BR: "\n", _CR: "\n"}
#: Attributes that hold text a person wrote (alt text, authors, field instructions, variables).
_ATTRIBUTES = frozenset({"descr", "title", "author", "initials", "userId", "providerId", "alt", "instr",
                         "tooltip", "val", "name", "Target"})
#: The elements whose attributes above are text (the same names elsewhere are styles and IDs).
_ATTRIBUTE_OWNERS = frozenset({"docPr", "cNvPr", "shape", "imagedata", "comment", "ins", "del", "moveFrom",
                               "moveTo", "fldSimple", "docVar", "person", "presenceInfo", "hyperlink",
                               "Relationship", "attachedTemplate", "rPrChange", "pPrChange", "property"})
#: Property elements that change on every save: not part of what a document says.
_VOLATILE = frozenset({"created", "modified", "lastPrinted", "TotalTime", "revision"})


@dataclass(frozen=True)
class Chunk:
    """One piece of text: the part it is in, where in that part, and the text."""

    part: str
    where: str
    text: str


def part_label(name: str) -> str:
    """`word/footer2.xml (footer)`: a part as a person can look for it."""
    base = name.rsplit("/", 1)[-1]
    for stem, label in ((".rels", "relationships"), ("document.xml", "body"), ("header", "header"), ("footer", "footer"),
                        ("footnotes", "footnotes"), ("endnotes", "endnotes"), ("comments", "comments"),
                        ("people", "people"), ("settings", "settings"), ("core", "core properties"),
                        ("app", "app properties"), ("custom", "custom properties")):
        if base.startswith(stem) or base.endswith(stem):
            return f"{name} ({label})"
    return name


def docx_chunks(data: bytes, display: str) -> list[Chunk]:
    """Every text of a .docx's XML parts, paragraph by paragraph and attribute by attribute."""
    if data[:8] == _OLE:
        raise DocumentUnreadable(
            f"{display} is encrypted (or an old Word 97-2003 file); lcspr cannot read what is in it. Remove the "
            "password and save it as a .docx, then check again.")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DocumentUnreadable(f"{display} is not a Word document (not a .docx zip); check the file.") from None
    if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise _too_big(display)
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        raise DocumentUnreadable(f"{display} is a zip file but not a Word document (it has no word/document.xml).")
    chunks: list[Chunk] = []
    budget = MAX_UNPACKED
    with archive:
        for info in infos:
            if info.flag_bits & 0x1:
                raise DocumentUnreadable(f"{display}: part {info.filename} is encrypted; lcspr cannot check it.")
            if info.filename.startswith("word/embeddings/"):
                chunks.append(Chunk(info.filename, "embedded file", "\x00embedded"))
            if not info.filename.endswith((".xml", ".rels")):
                continue
            raw = _read_capped(archive, info, budget, display)
            budget -= len(raw)
            chunks.extend(_xml_chunks(raw, part_label(info.filename), display))
    return chunks


def _too_big(display: str) -> DocumentUnreadable:
    return DocumentUnreadable(
        f"{display} unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MB (or {MAX_PARTS} parts); it is not a "
        "report lcspr will check. Look for embedded files or images that should not be there.")


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, display: str) -> bytes:
    # The sizes in a zip's directory can lie: stop reading at the budget, whatever they say.
    try:
        with archive.open(info) as stream:
            raw = stream.read(budget + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
        raise DocumentUnreadable(f"{display}: part {info.filename} cannot be read ({exc}).") from None
    if len(raw) > budget:
        raise _too_big(display)
    return raw


def _parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=False)


def _xml_chunks(raw: bytes, part: str, display: str) -> list[Chunk]:
    from lxml import etree

    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentUnreadable(f"{display}: {part} is not well-formed XML ({exc}).") from None
    if root is None:
        return []
    if root.tag.startswith(W):
        return _word_chunks(root, part)
    return _plain_chunks(root, part)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _word_chunks(root: Any, part: str) -> list[Chunk]:
    """A WordprocessingML part: each paragraph's runs joined (nested paragraphs of a
    text box are paragraphs of their own), then the text held in attributes."""
    from lxml import etree

    chunks: list[Chunk] = []
    stack: list[list[str]] = []
    count = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if tag == _P:
            if event == "start":
                stack.append([])
            else:
                count += 1
                text = "".join(stack.pop())
                if text.strip():
                    chunks.append(Chunk(part, f"paragraph {count}", text))
        elif event != "start":
            continue
        elif tag in _TEXTS:
            if el.text and stack:
                stack[-1].append(el.text)
            elif el.text:  # text outside any paragraph: a chunk of its own
                chunks.append(Chunk(part, _local(tag), el.text))
        elif tag in _BREAKS:
            if stack:
                stack[-1].append(_BREAKS[tag])
        else:
            chunks.extend(_attribute_chunks(el, part))
    return chunks


def _attribute_chunks(el: Any, part: str) -> list[Chunk]:
    name = _local(el.tag)
    if name not in _ATTRIBUTE_OWNERS or not len(el.attrib):
        return []
    found = []
    for key, value in el.attrib.items():
        attribute = _local(key)
        if attribute in _ATTRIBUTES and value.strip():
            text = unquote(value) if attribute == "Target" else value
            found.append(Chunk(part, f"{name} {attribute}", text))
    return found


def _plain_chunks(root: Any, part: str) -> list[Chunk]:
    """Any other XML part (properties, people, relationships, custom XML): every
    element's text and the text-bearing attributes."""
    chunks = []
    for el in root.iter():
        name = _local(el.tag)
        if el.text and el.text.strip() and name not in _VOLATILE:
            chunks.append(Chunk(part, name, el.text))
        chunks.extend(_attribute_chunks(el, part))
    return chunks


def fingerprint(chunks: list[Chunk]) -> str:
    """The sha256 of what a document says: every chunk, without the times of its saving,
    so the same content rendered twice is one document and any change is another."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(f"{chunk.part}\x1f{chunk.where}\x1f{chunk.text}\x1e".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def pdf_chunks(path: str, display: str) -> list[Chunk]:
    """A PDF's text page by page, through poppler's `pdftotext`."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise DocumentUnreadable(
            f"{display} is a PDF and `pdftotext` (poppler) is not installed, so it cannot be checked; install "
            "poppler-utils (Debian/Ubuntu), poppler (Homebrew) or remove the PDF.")
    try:
        done = subprocess.run([tool, "-enc", "UTF-8", path, "-"], capture_output=True, timeout=PDF_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise DocumentUnreadable(f"{display}: pdftotext did not finish in {PDF_TIMEOUT_SECONDS} s.") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DocumentUnreadable(f"{display} cannot be read as a PDF ({said[-1] if said else 'pdftotext failed'}).")
    pages = done.stdout.decode("utf-8", "replace").split("\f")
    return [Chunk("PDF", f"page {n}", text) for n, text in enumerate(pages, 1) if text.strip()]
