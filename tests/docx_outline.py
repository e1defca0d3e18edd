"""Read a Word document's text and structure, for comparing documents without hashes."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from lxml import etree
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph


def blocks(path: Path) -> list[tuple[Any, ...]]:
    """The body in order: ("p", style, text) per paragraph, ("table", rows) per table,
    each row a list of cell texts."""
    doc = Document(str(path))
    out: list[tuple[Any, ...]] = []
    for item in doc.iter_inner_content():
        if isinstance(item, Paragraph):
            out.append(("p", item.style.name if item.style is not None else "", item.text))
        elif isinstance(item, Table):
            out.append(("table", table_rows(item)))
    return out


def table_rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def tables(path: Path) -> list[list[list[str]]]:
    return [b[1] for b in blocks(path) if b[0] == "table"]


def paragraphs(path: Path, style: str | None = None) -> list[str]:
    return [b[2] for b in blocks(path) if b[0] == "p" and (style is None or b[1] == style)]


def headings(path: Path) -> list[tuple[int, str]]:
    """(level, text) of every Heading paragraph, in order."""
    return [
        (int(b[1].split()[-1]), b[2])
        for b in blocks(path)
        if b[0] == "p" and b[1].startswith("Heading ") and b[1].split()[-1].isdigit()
    ]


def header_footer(path: Path) -> dict[str, Any]:
    """The text of the first section's header and footer paragraphs, and the field
    instructions (PAGE, NUMPAGES) in the footer."""
    section = Document(str(path)).sections[0]
    footer_xml = section.footer._element
    return {
        "header": [p.text for p in section.header.paragraphs],
        "footer": [p.text for p in section.footer.paragraphs],
        "footer_fields": [t.text.strip() for t in footer_xml.iter(qn("w:instrText"))],
    }


_CORE_NAMESPACES = {
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/terms/",
}
_NAMES = {"creator": "author", "lastModifiedBy": "last_modified_by", "description": "comments"}


def properties(path: Path) -> dict[str, str]:
    """The core properties read from docProps/core.xml itself (author, last_modified_by,
    title, comments, ...). An element outside the core namespaces fails: Word would not
    read it as a property."""
    with zipfile.ZipFile(path) as package:
        root = etree.fromstring(package.read("docProps/core.xml"))
    props = {}
    for element in root:
        name = etree.QName(element)
        assert name.namespace in _CORE_NAMESPACES, f"{path.name}: core property in a foreign namespace: {name}"
        props[_NAMES.get(name.localname, name.localname)] = element.text or ""
    return props


def outline(path: Path) -> dict[str, Any]:
    """Everything a reader sees, plus the page size: what two builds of a template must share."""
    doc = Document(str(path))
    section = doc.sections[0]
    return {
        "blocks": blocks(path),
        **header_footer(path),
        "page": (section.page_width, section.page_height, section.left_margin, section.top_margin),
        "properties": properties(path),
    }
