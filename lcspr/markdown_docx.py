"""Markdown bodies of case files as Word structure, in the template's own styles.

`markdown_to_subdoc` turns the Markdown body of a case file into a docxtpl subdocument
for a paragraph-level tag, `{{p body }}`, so that headings, lists, emphasis, links and
tables in a referral or report become real Word structure that looks like the rest of
the partnership's form. `markdown_to_plain` gives the bare text, for one-line fields.

Markdown is parsed by markdown-it-py as CommonMark (plus GFM pipe tables), and the
parser's syntax tree is walked; nothing is matched with regular expressions. Raw HTML
is switched off in the parser, so `<b>` in a case file is shown as typed, never
interpreted. All text goes into Word as python-docx runs, so `&`, `<` and Jinja
delimiters such as `{{` and `{%` arrive in the document as written.

Styles are looked up in the template. A style the template lacks never fails a render;
it falls back as follows:

- `Heading N` -> `Normal`, in bold.
- `List Bullet N` / `List Number N` (and a list style without numbering) -> `Normal`,
  indented by level, the bullet or number written as text.
- `List Continue N` (a second paragraph in a list item) -> `Normal`, indented by level.
- `Quote` -> `Intense Quote` -> `Normal`, indented.
- `HTML Preformatted` (code blocks) -> `Normal`; code is always in a monospace font.
- `Shaded Header Table` (lcspr's templates: a shaded, bold header row, the look of the
  form's own list tables) -> `Table Grid` -> the template's default table style.
- `Hyperlink` (character style) -> blue, underlined text.

docxtpl, python-docx and markdown-it-py are imported inside the functions, because the
command line imports this module and `lcspr --help` should stay fast.
"""

from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

from lcspr.errors import RenderError

if TYPE_CHECKING:
    from collections.abc import Callable

    from docx.parts.document import DocumentPart
    from docx.styles.style import ParagraphStyle
    from docx.styles.styles import Styles
    from docx.table import Table, _Row
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run
    from docxtpl import DocxTemplate
    from docxtpl.subdoc import Subdoc
    from lxml.etree import _Element
    from markdown_it.token import Token
    from markdown_it.tree import SyntaxTreeNode

MONOSPACE_FONT = "Courier New"
"""Font of inline code and code blocks."""

TABLE_STYLE = "Shaded Header Table"
"""The table style of Markdown tables, when the template has it (lcspr.templates_build makes it)."""

HYPERLINK_COLOUR = "0563C1"
"""Word's own hyperlink blue, used when the template has no `Hyperlink` style."""

INDENT_PT = 18
"""Left indent per list level or quote, in points, where a fallback style needs it."""

MAX_HEADING_LEVEL = 9
MAX_LIST_STYLE_LEVEL = 5  # Word's built-in list styles stop at "List Bullet 5"

MAX_NESTING = 50
"""How deeply emphasis, links, lists and quotes may nest in Markdown that lcspr renders.
markdown-it bounds lists and quotes itself, but not emphasis: 50,000 `*` make 25,000
nested levels, which no walk of the tree survives."""

_PARAGRAPH, _CHARACTER, _TABLE = "paragraph", "character", "table"

# XML 1.0 cannot hold most C0 controls, lone surrogates or U+FFFE/U+FFFF; and docxtpl
# reads \a and \f inside rendered text as paragraph and page breaks. Tabs and newlines
# are kept: they become <w:tab/> and <w:br/>.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# After rendering, docxtpl turns "{_{", "}_}", "{_%" and "%_}" anywhere in the document
# XML into Jinja delimiters. Cutting the text at these points into separate <w:t>
# elements keeps such text as written.
_DOCXTPL_UNESCAPE_POINTS = re.compile(r"(?<=\{_)(?=[{%])|(?<=[}%]_)(?=\})")

_ALIGNMENTS = {
    "text-align:left": "LEFT",
    "text-align:center": "CENTER",
    "text-align:right": "RIGHT",
}


def markdown_to_subdoc(tpl: DocxTemplate, text: str, *, heading_offset: int = 0) -> Subdoc:
    """Return a subdocument of `tpl` holding `text` (Markdown) as Word paragraphs and tables.

    Put it in the context for a paragraph-level tag, `{{p name }}`, which replaces that
    whole paragraph. Styles are the template's own (see the module docstring for the
    fallbacks); numbered lists start again at their own first number. Build a new
    subdocument for every render of `tpl`, and place it in the document body only (a
    link relationship is held by the main document part, not by a header or footer).

    `heading_offset` is added to each heading level, so `# Findings` becomes Heading 3
    with an offset of 2; levels are clamped to 1..9. Markdown that is empty or only
    whitespace gives an empty subdocument.
    """
    subdoc = tpl.new_subdoc()
    if text.strip():
        _Writer(subdoc, tpl, heading_offset).blocks(_parse(text).children, _Place())
    return subdoc


def markdown_to_plain(text: str) -> str:
    """Return the text of `text` (Markdown) without markup, on one line.

    Emphasis, code and links keep their text (a link's address is dropped); blocks, line
    breaks and table cells are separated by a single space; leading and trailing
    whitespace is removed.
    """
    if not text.strip():
        return ""
    pieces: list[str] = []
    for node in _parse(text).walk():
        if node.type in ("softbreak", "hardbreak") or (node.type != "root" and node.block):
            pieces.append(" ")
        if node.type in ("text", "code_inline", "code_block", "fence", "html_inline", "html_block"):
            pieces.append(node.content)
    return " ".join("".join(pieces).split())


def _parse(text: str) -> SyntaxTreeNode:
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    # html=False: raw HTML in a case file is text the author typed, not markup to obey.
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(_UNWRITABLE.sub("", text))
    _check_nesting(tokens, text)
    return SyntaxTreeNode(tokens)


def _check_nesting(tokens: list[Token], text: str) -> None:
    """Refuse Markdown nested more than MAX_NESTING deep, before any tree is built.

    The token list is flat (each inline token holds its own flat list), so counting
    opening and closing tokens finds the depth in one pass, without recursion."""
    block_depth = 0
    for token in tokens:
        block_depth += token.nesting
        depth = block_depth
        for child in token.children or ():
            depth += child.nesting
            if depth > MAX_NESTING:
                break
        if max(depth, block_depth) > MAX_NESTING:
            line = token.map[0] if token.map else 0
            quoted = " ".join(text.splitlines()[line:line + 1])[:60] if text.strip() else ""
            raise RenderError(
                f"a Markdown text nests emphasis (`*`, `_`), links, lists or quotes more than {MAX_NESTING} deep, "
                f"at the paragraph that begins \u201c{quoted}\u201d; lcspr does not render that. "
                "Write it with less nesting."
            )


@dataclass(frozen=True)
class _Place:
    """Where a block sits: how many lists deep, and whether inside a block quote."""

    list_depth: int = 0
    quoted: bool = False


@dataclass(frozen=True)
class _Format:
    """Character formatting in force for a run of text."""

    bold: bool = False
    italic: bool = False
    code: bool = False
    link: bool = False


@dataclass(frozen=True)
class _Marker:
    """How the first paragraph of each item of one list gets its bullet or number."""

    style: str | None
    depth: int
    num_id: int | None = None  # set for numbered lists that restart their numbering
    ilvl: int = 0
    ordered: bool = False
    start: int = 1
    textual: bool = False  # the template cannot number this list: write the marker


class _Writer:
    """Appends Word paragraphs and tables for Markdown blocks to one subdocument."""

    def __init__(self, subdoc: Subdoc, tpl: DocxTemplate, heading_offset: int) -> None:
        self._doc = subdoc
        # A subdocument made by new_subdoc() shares the template's document part, so
        # styles, numbering and link relationships resolve against the template.
        self._part: DocumentPart = subdoc.part
        self._links = _LinkTargets(self._part)
        self._formats: dict[_Format, _Element | None] = {}
        self._styles: Styles = subdoc.styles
        self._found: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._heading_offset = heading_offset
        self._text_width = _text_width(tpl)
        self._block_writers: dict[str, Callable[[SyntaxTreeNode, _Place], None]] = {
            "heading": self._heading,
            "paragraph": self._paragraph,
            "bullet_list": self._list,
            "ordered_list": self._list,
            "blockquote": self._blockquote,
            "fence": self._code_block,
            "code_block": self._code_block,
            "html_block": self._code_block,
            "hr": self._thematic_break,
            "table": self._table,
        }

    # -- styles ---------------------------------------------------------------------

    def _style(self, kind: str, *names: str) -> str | None:
        """The first of `names` that the template defines as a `kind` style, else None.

        None leaves the paragraph (or run, or table) in the template's default style.
        """
        key = (kind, names)
        if key not in self._found:
            self._found[key] = next((n for n in names if _style_type(self._styles, n) == kind), None)
        return self._found[key]

    # -- blocks ---------------------------------------------------------------------

    def blocks(self, nodes: list[SyntaxTreeNode], place: _Place) -> None:
        """Append each of `nodes` (block-level Markdown) in order."""
        for node in nodes:
            self._block(node, place)

    def _block(self, node: SyntaxTreeNode, place: _Place) -> None:
        writer = self._block_writers.get(node.type)
        if writer is not None:
            writer(node, place)
        elif node.children:
            self.blocks(node.children, place)
        elif node.content:
            self._literal_paragraph(node.content, place)

    def _heading(self, node: SyntaxTreeNode, place: _Place) -> None:
        level = min(max(int(node.tag[1:]) + self._heading_offset, 1), MAX_HEADING_LEVEL)
        style = self._style(_PARAGRAPH, f"Heading {level}")
        paragraph = self._doc.add_paragraph(style=style)
        self._inline(paragraph, node, _Format(bold=style is None))

    def _paragraph(self, node: SyntaxTreeNode, place: _Place) -> None:
        if place.quoted:
            paragraph = self._quote_paragraph(place)
        elif place.list_depth:
            # A later paragraph of a list item: aligned with the item's text, no marker.
            level = min(place.list_depth, MAX_LIST_STYLE_LEVEL)
            style = self._style(_PARAGRAPH, _numbered_style("List Continue", level))
            paragraph = self._doc.add_paragraph(style=style)
            if style is None:
                _indent(paragraph, place.list_depth)
        else:
            paragraph = self._doc.add_paragraph()
        self._inline(paragraph, node, _Format())

    def _quote_paragraph(self, place: _Place) -> Paragraph:
        style = self._style(_PARAGRAPH, "Quote", "Intense Quote")
        paragraph = self._doc.add_paragraph(style=style)
        if style is None:
            _indent(paragraph, place.list_depth + 1)
        return cast("Paragraph", paragraph)

    def _blockquote(self, node: SyntaxTreeNode, place: _Place) -> None:
        self.blocks(node.children, replace(place, quoted=True))

    def _code_block(self, node: SyntaxTreeNode, place: _Place) -> None:
        self._literal_paragraph(node.content, place, code=node.type != "html_block")

    def _literal_paragraph(self, content: str, place: _Place, *, code: bool = False) -> None:
        """One paragraph holding `content` exactly as written, lines kept as line breaks."""
        style = self._style(_PARAGRAPH, "HTML Preformatted") if code else None
        paragraph = self._doc.add_paragraph(style=style)
        depth = place.list_depth + place.quoted
        if depth:
            _indent(paragraph, depth)
        self._run(paragraph, content.rstrip("\n"), _Format(code=code))

    def _thematic_break(self, node: SyntaxTreeNode, place: _Place) -> None:
        self._doc.add_paragraph()

    # -- lists ----------------------------------------------------------------------

    def _list(self, node: SyntaxTreeNode, place: _Place) -> None:
        marker = self._marker(node, place.list_depth + 1)
        inner = replace(place, list_depth=marker.depth)
        for index, item in enumerate(node.children):
            self._list_item(item, inner, marker, marker.start + index)

    def _marker(self, node: SyntaxTreeNode, depth: int) -> _Marker:
        ordered = node.type == "ordered_list"
        start = int(node.attrs.get("start", 1)) if ordered else 1
        level = min(depth, MAX_LIST_STYLE_LEVEL)
        style = self._style(_PARAGRAPH, _numbered_style("List Number" if ordered else "List Bullet", level))
        numbering = _style_numbering(self._styles[style]) if style else None
        if numbering is None:
            return _Marker(style, depth, ordered=ordered, start=start, textual=True)
        if not ordered:
            return _Marker(style, depth)
        num_id, ilvl = numbering
        restarted = _restart_numbering(self._part, num_id, ilvl, start)
        # Without a numbering part to add to, the list keeps the style's own numbering,
        # which Word continues from any earlier list in the same style.
        return _Marker(style, depth, num_id=restarted, ilvl=ilvl, ordered=True, start=start)

    def _list_item(self, item: SyntaxTreeNode, place: _Place, marker: _Marker, number: int) -> None:
        children = list(item.children)
        paragraph = self._doc.add_paragraph(style=marker.style)
        if marker.num_id is not None:
            _set_numbering(paragraph, marker.num_id, marker.ilvl)
        if marker.textual:
            _indent(paragraph, marker.depth, hanging=True)
            self._run(paragraph, f"{number}.\t" if marker.ordered else "\u2022\t", _Format())
        # The item's first paragraph carries the marker; an item that opens with another
        # block (or is empty) keeps an empty marker paragraph, as Word shows it.
        if children and children[0].type == "paragraph":
            self._inline(paragraph, children.pop(0), _Format())
        self.blocks(children, place)

    # -- tables ---------------------------------------------------------------------

    def _table(self, node: SyntaxTreeNode, place: _Place) -> None:
        from docx.table import _Row

        # Rows are added one by one and each row's cells read once: python-docx's
        # `table.cell(r, c)` and `column.cells` rebuild the whole cell grid on every
        # call, which made a 400-row table take 38 s.
        rows = [row for section in node.children for row in section.children]
        columns = max(len(row.children) for row in rows)
        table = self._doc.add_table(rows=0, cols=columns)
        style = self._style(_TABLE, TABLE_STYLE, "Table Grid")
        if style is not None:
            table.style = style
        if self._text_width:
            _set_column_widths(table, self._text_width // columns)
        # One empty row, each cell with its column's width, copied for every row:
        # python-docx's add_row sets each cell's width through slow setters.
        empty = table.add_row()._tr
        table._tbl.remove(empty)
        _keep_whole(empty)  # no row splits across a page, as in the generated tables
        for row in rows:
            header = row.parent is not None and row.parent.type == "thead"
            added = _Row(deepcopy(empty), table)
            table._tbl.append(added._tr)
            if header:
                _repeat_as_header(added)
            for cell, cell_node in zip(added.cells, row.children):
                paragraph = cell.paragraphs[0]
                _align(paragraph, _ALIGNMENTS.get(str(cell_node.attrs.get("style", ""))))
                self._inline(paragraph, cell_node, _Format(bold=header))

    # -- inline ---------------------------------------------------------------------

    def _inline(
        self,
        paragraph: Paragraph,
        node: SyntaxTreeNode,
        fmt: _Format,
        link: _Element | None = None,
    ) -> None:
        """Append runs for the inline content under `node`, inside `link` when given."""
        for child in node.children:
            kind = child.type
            if kind in ("text", "html_inline"):
                self._run(paragraph, child.content, fmt, link)
            elif kind == "code_inline":
                self._run(paragraph, child.content, replace(fmt, code=True), link)
            elif kind == "softbreak":
                # A soft break is the author wrapping a line in the file, not a new line.
                self._run(paragraph, " ", fmt, link)
            elif kind == "hardbreak":
                self._run(paragraph, "\n", fmt, link)
            elif kind == "strong":
                self._inline(paragraph, child, replace(fmt, bold=True), link)
            elif kind == "em":
                self._inline(paragraph, child, replace(fmt, italic=True), link)
            elif kind == "link" and link is None:
                target = _add_hyperlink(paragraph, self._links.r_id(str(child.attrs["href"])))
                self._inline(paragraph, child, replace(fmt, link=True), target)
            elif kind == "image":
                # An image cannot be fetched into the document: keep its description and address.
                self._inline(paragraph, child, fmt, link)
                self._run(paragraph, f" ({child.attrs['src']})", fmt, link)
            else:
                self._inline(paragraph, child, fmt, link)

    def _run(self, paragraph: Paragraph, text: str, fmt: _Format, link: _Element | None = None) -> None:
        # Runs are built as XML, their properties copied from one made per format:
        # python-docx's setters search the element's children on every call, which
        # was most of the time a long table or a text with many links took.
        if not text:
            return
        from docx.oxml import OxmlElement

        run = OxmlElement("w:r")
        properties = self._run_properties(paragraph, fmt)
        if properties is not None:
            run.append(deepcopy(properties))
        _write_text(run, text)
        # python-docx has no API to add runs inside a hyperlink
        (link if link is not None else paragraph._p).append(run)

    def _run_properties(self, paragraph: Paragraph, fmt: _Format) -> _Element | None:
        """The `<w:rPr>` of a run in `fmt` (None for plain text), set once per format
        by python-docx's own setters on a scratch run."""
        if fmt not in self._formats:
            from docx.oxml import OxmlElement
            from docx.text.run import Run

            run = Run(OxmlElement("w:r"), paragraph)
            if fmt.bold:
                run.bold = True
            if fmt.italic:
                run.italic = True
            if fmt.code:
                run.font.name = MONOSPACE_FONT
            if fmt.link:
                self._style_link(run)
            self._formats[fmt] = run._r.rPr
        return self._formats[fmt]

    def _style_link(self, run: Run) -> None:
        from docx.shared import RGBColor

        style = self._style(_CHARACTER, "Hyperlink")
        if style is not None:
            run.style = style
        else:
            run.font.color.rgb = RGBColor.from_string(HYPERLINK_COLOUR)
            run.font.underline = True


def _style_type(styles: Styles, name: str) -> str | None:
    """The kind of the template's style called `name`, or None when it has none."""
    from docx.enum.style import WD_STYLE_TYPE

    try:
        style = styles[name]
    except KeyError:
        return None
    kinds = {
        WD_STYLE_TYPE.PARAGRAPH: _PARAGRAPH,
        WD_STYLE_TYPE.CHARACTER: _CHARACTER,
        WD_STYLE_TYPE.TABLE: _TABLE,
    }
    return kinds.get(style.type)


def _numbered_style(base: str, level: int) -> str:
    """Word's name for `base` at list `level`: "List Bullet", "List Bullet 2", ..."""
    return base if level == 1 else f"{base} {level}"


def _style_numbering(style: ParagraphStyle | None) -> tuple[int, int] | None:
    """(numId, ilvl) that a paragraph style (or a style it is based on) numbers with."""
    for _ in range(20):  # bounded: a broken template may have a basedOn loop
        if style is None:
            return None
        ppr = style.element.pPr
        num_pr = ppr.numPr if ppr is not None else None
        if num_pr is not None and num_pr.numId is not None:
            num_id = int(num_pr.numId.val)
            # numId 0 is Word's way of saying "no numbering" in a derived style.
            if not num_id:
                return None
            return num_id, int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0
        style = style.base_style
    return None


def _restart_numbering(part: DocumentPart, num_id: int, ilvl: int, start: int) -> int | None:
    """A new numbering instance sharing `num_id`'s definition but counting from `start`.

    Every list that uses the same numbering instance continues one count in Word; a
    separate instance with a start override is how Word itself restarts a list.
    Returns its numId, or None when the template has no numbering definition to share.
    """
    try:
        numbering = part.numbering_part.element
        existing = numbering.num_having_numId(num_id)
    except (KeyError, NotImplementedError):
        return None
    num = numbering.add_num(existing.abstractNumId.val)
    num.add_lvlOverride(ilvl=ilvl).add_startOverride(start)
    return int(num.numId)


def _set_numbering(paragraph: Paragraph, num_id: int, ilvl: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = ilvl
    num_pr.get_or_add_numId().val = num_id


def _indent(paragraph: Paragraph, level: int, *, hanging: bool = False) -> None:
    from docx.shared import Pt

    paragraph.paragraph_format.left_indent = Pt(INDENT_PT * level)
    if hanging:
        paragraph.paragraph_format.first_line_indent = Pt(-INDENT_PT)


def _align(paragraph: Paragraph, alignment: str | None) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    if alignment is not None:
        paragraph.alignment = getattr(WD_ALIGN_PARAGRAPH, alignment)


def _write_text(run: _Element, text: str) -> None:
    """Put `text` in the `<w:r>` element `run` as literal text: tabs and newlines as
    Word tabs and breaks (as python-docx's `add_text`, `add_tab` and `add_break` do)."""
    from docx.oxml.ns import qn
    from lxml.etree import SubElement

    for line_index, line in enumerate(text.split("\n")):
        if line_index:
            SubElement(run, qn("w:br"))
        for chunk_index, chunk in enumerate(line.split("\t")):
            if chunk_index:
                SubElement(run, qn("w:tab"))
            for piece in _DOCXTPL_UNESCAPE_POINTS.split(chunk):
                if piece:
                    element = SubElement(run, qn("w:t"))
                    element.text = piece
                    if piece != piece.strip():  # Word drops leading and trailing spaces otherwise
                        element.set(qn("xml:space"), "preserve")


def _add_hyperlink(paragraph: Paragraph, r_id: str) -> _Element:
    """Append an empty hyperlink (relationship `r_id`) to `paragraph`; runs go inside it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), r_id)
    hyperlink.set(qn("w:history"), "1")
    paragraph._p.append(hyperlink)
    return hyperlink


class _LinkTargets:
    """The relationship IDs of a part's external links, one per address.

    python-docx's `part.relate_to` compares the address with every relationship the
    part has and counts up from rId1 to a free ID on each call, so 8,000 links took
    20 s; this keeps the addresses and the next free number in hand instead."""

    def __init__(self, part: DocumentPart) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE

        self._type = RELATIONSHIP_TYPE.HYPERLINK
        self._rels = part.rels
        self._ids = {
            rel.target_ref: r_id for r_id, rel in self._rels.items() if rel.is_external and rel.reltype == self._type
        }
        self._next = 1

    def r_id(self, url: str) -> str:
        """The ID of the relationship to `url`, added when the part has none yet."""
        found = self._ids.get(url)
        if found is None:
            while f"rId{self._next}" in self._rels:  # checked each time: numbering may add one
                self._next += 1
            found = f"rId{self._next}"
            self._rels.add_relationship(self._type, url, found, is_external=True)
            self._ids[url] = found
        return found


def _text_width(tpl: DocxTemplate) -> int | None:
    """Width between the margins of the template's last section, in EMU, if it says."""
    section = tpl.get_docx().sections[-1]
    if section.page_width is None or section.left_margin is None or section.right_margin is None:
        return None
    return int(section.page_width - section.left_margin - section.right_margin)


def _set_column_widths(table: Table, width: int) -> None:
    # The subdocument is a blank python-docx document whose page size is not the
    # template's, so columns are sized to the template's text width instead. Set
    # before any row is added: a new row's cells take their column's width.
    from docx.shared import Emu

    for column in table.columns:
        column.width = Emu(width)


def _keep_whole(tr: _Element) -> None:
    """Mark a table row (`w:tr`) as never split across pages."""
    from docx.oxml import OxmlElement

    tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _repeat_as_header(row: _Row) -> None:
    """Mark a row as a header row, repeated by Word at the top of each page."""
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
