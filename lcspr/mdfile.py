"""Markdown files with YAML frontmatter: read them strictly, edit them in place.

Reading: the frontmatter is YAML read with a deliberately small set of implicit
types (true/false, null, plain decimal integers); everything else, dates
included, stays the string the reviewer wrote. YAML 1.1's surprises (`no` →
False, `01234` → 668, `2026-11-26` → a date object) never reach validation.
Every key and list item keeps its line number so that problems point at
`file:line`.

Editing: `set_fields` changes the text of the values it must and nothing else:
key order, comments, quoting, blank lines and the body stay byte for byte.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcspr.errors import FileFormatError

if TYPE_CHECKING:  # pragma: no cover
    import yaml

Path_ = tuple[str | int, ...]

# A `---` boundary line (three or more dashes, trailing blanks allowed). Unlike
# python-frontmatter's pattern it never runs on into the next lines, so blank
# lines after the closing `---` stay in the body and line numbers stay right.
_BOUNDARY = re.compile(r"^-{3,}[ \t]*\r?$", re.MULTILINE)
# Some editors save UTF-8 with a byte order mark; it is kept, not parsed.
_BOM = "\ufeff"


def _with_strict_types(base: Any) -> Any:
    """A loader class on `base` that resolves only true/false, null and plain integers."""
    loader: Any = type(f"Strict{base.__name__}", (base,), {"yaml_implicit_resolvers": {}})
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
    )
    loader.add_implicit_resolver(
        "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
    )
    return loader


class _Loaders:
    """PyYAML's loaders with the strict rules, made when a file is first parsed.

    PyYAML is imported here, not when lcspr starts: importing it costs more than
    `show` spends on everything else, and `show` of an unchanged case parses
    nothing (`read_memo`)."""

    @functools.cached_property
    def strict(self) -> Any:
        import yaml

        return _with_strict_types(yaml.SafeLoader)

    @functools.cached_property
    def fast(self) -> Any:
        """The libyaml loader, or None where PyYAML was built without libyaml."""
        import yaml

        return _with_strict_types(yaml.CSafeLoader) if hasattr(yaml, "CSafeLoader") else None


_loaders = _Loaders()

# Bounds that keep a hostile file cheap. A case file is written by anyone who can
# commit, and every command reads every case, so no file may cost more than a
# bounded amount of time or memory. Real case files are far inside these: a
# 2,000-entry chronology is about 250 KB, 14,000 YAML nodes and 4 levels deep.
MAX_FILE_BYTES = 4 * 1024 * 1024
"""The largest case file (or workflow file) lcspr reads, in bytes."""
MAX_YAML_DEPTH = 50
"""How deeply lists and mappings may nest in frontmatter."""
MAX_YAML_NODES = 250_000
"""How many values, keys and collections one frontmatter may hold."""
MAX_INTEGER_DIGITS = 18
"""The longest unquoted integer; a longer number must be quoted (it is an ID, not a count)."""

_STR, _INT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null"))
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


@dataclass
class MarkdownFile:
    """One case file: its text, frontmatter data, body, and where each key stands."""

    path: Path
    display: str
    text: str
    data: dict[str, Any]
    body: str
    lines: dict[Path_, int] = field(repr=False)
    fm_offset: int = field(repr=False)  # index in `text` where the frontmatter YAML starts
    fm_first_line: int = field(repr=False)  # 1-based line of the frontmatter's first line

    def line_of(self, where: Path_) -> int:
        """The line of `where`, or of its nearest ancestor that has one."""
        where = tuple(where)
        while where:
            if where in self.lines:
                return self.lines[where]
            where = where[:-1]
        return self.lines.get((), 1)


def _split(text: str, display: str) -> tuple[int, int, int]:
    """Return (start, end, body_start) of the frontmatter YAML within `text`."""
    skip = len(_BOM) if text.startswith(_BOM) else 0
    first = _BOUNDARY.match(text[skip:])
    if not first:
        raise FileFormatError(
            f"{display}:1: no frontmatter: the file must start with a line `---`, then the "
            "YAML fields, then another `---` line, then the Markdown text."
        )
    start = skip + first.end()
    if text.startswith("\r\n", start) or text.startswith("\n", start):
        start += 2 if text.startswith("\r\n", start) else 1
    closing = _BOUNDARY.search(text, start)
    if not closing:
        raise FileFormatError(
            f"{display}:1: the frontmatter opened on line 1 is never closed: add a line `---` "
            "after the last YAML field."
        )
    body_start = closing.end()
    if text.startswith("\r\n", body_start):
        body_start += 2
    elif text.startswith("\n", body_start):
        body_start += 1
    return start, closing.start(), body_start


def parse(text: str, path: Path, display: str | None = None) -> MarkdownFile:
    """Parse `text` (the contents of `path`) strictly; raise FileFormatError with a line."""
    import yaml

    display = display or str(path)
    check_size(len(text.encode("utf-8", "surrogatepass")), display)
    start, end, body_start = _split(text, display)
    first_line = text.count("\n", 0, start) + 1
    lines: dict[Path_, int] = {(): first_line}
    if _loaders.fast is not None:
        # One pass over libyaml's events: a valid file's data and lines, as the tree below
        # would give them. Anything out of the ordinary is read again below, which
        # explains it or accepts it.
        try:
            found = _from_events(yaml.parse(text[start:end], Loader=_loaders.fast), lines, first_line)
        except (_Unusual, yaml.YAMLError):
            found = None
        if isinstance(found, dict):
            return MarkdownFile(path, display, text, found, text[body_start:], lines, start, first_line)
    node = _compose(text[start:end], display, first_line)
    data: dict[str, Any] = {}
    if node is None:
        lines = {(): first_line}
    else:
        if node.tag != _MAP:
            raise FileFormatError(
                f"{display}:{first_line}: the frontmatter must be a mapping of `field: value` "
                f"lines, not a {_kind(node)}."
            )
        lines = {(): first_line}
        data = _construct(node, (), lines, display, first_line)
    return MarkdownFile(path, display, text, data, text[body_start:], lines, start, first_line)


def read(path: Path, display: str | None = None) -> MarkdownFile:
    """Read and parse the file at `path`."""
    display = display or str(path)
    return parse(read_text(path, display), path, display)


def read_text(path: Path, display: str) -> str:
    """The text of the file at `path`, refused (naming `display`) when it is too large,
    missing, unreadable or not UTF-8."""
    try:
        check_size(path.stat().st_size, display)  # before reading it all into memory
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileFormatError(f"{display}: file not found.") from None
    except OSError as exc:
        raise FileFormatError(f"{display}: cannot be read ({exc.strerror}).") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise FileFormatError(f"{display}:{line}: not UTF-8 text; save the file as UTF-8.") from None
    return text


def check_size(size: int, display: str) -> None:
    """Refuse a file of more than MAX_FILE_BYTES before anything parses it."""
    if size > MAX_FILE_BYTES:
        raise FileFormatError(
            f"{display}: is {size:,} bytes, more than the {MAX_FILE_BYTES:,} lcspr reads in one file; "
            "split the text (a long chronology or report belongs in several files) or remove what does not belong."
        )


def load_yaml(text: str, display: str) -> tuple[Any, dict[Path_, int]]:
    """Parse a whole YAML file (a workflow, say) strictly, with the line of every key."""
    import yaml

    check_size(len(text.encode("utf-8", "surrogatepass")), display)
    if _loaders.fast is not None:
        # One pass over libyaml's events, as `parse` reads a frontmatter; anything out of
        # the ordinary is read again through the node tree, which explains it.
        lines: dict[Path_, int] = {(): 1}
        try:
            found = _from_events(yaml.parse(text, Loader=_loaders.fast), lines, 1)
        except (_Unusual, yaml.YAMLError):
            found = None
        if found is not None:
            return found, lines
    node = _compose(text, display, 1, what="the YAML")
    lines = {(): 1}
    return (None if node is None else _construct(node, (), lines, display, 1)), lines


_UNCLOSED = {
    "flow sequence": "this `[` is never closed with `]`",
    "flow mapping": "this `{` is never closed with `}`",
    "quoted scalar": "this quote is never closed",
}


def _compose(yaml_text: str, display: str, first_line: int, what: str = "the frontmatter") -> yaml.Node | None:
    """The node tree of a frontmatter, read with libyaml when PyYAML has it.

    Reading only needs each node's line, which libyaml gives as the Python
    parser does; it is about ten times faster on a long chronology. Edits use
    the Python parser (`_set_one`), whose marks are character offsets. An
    error is always explained by the Python parser, whose messages the
    reviewer sees.

    The events are checked (`_check_events`) before any tree is built: PyYAML
    builds trees by recursion and expands aliases wherever they are used, so a
    few KB of nesting or nested aliases would otherwise cost minutes and GBs."""
    import yaml

    if _loaders.fast is not None:
        try:
            _check_events(yaml_text, _loaders.fast, display, first_line, what)
            return yaml.compose(yaml_text, Loader=_loaders.fast)
        except yaml.YAMLError:
            pass
    try:
        # The Python parser is explained by its own events first: it stops at the same
        # hostile event, long before a deep nesting would make its scanner slow.
        _check_events(yaml_text, _loaders.strict, display, first_line, what)
        return yaml.compose(yaml_text, Loader=_loaders.strict)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context
        at_end = any(words in (exc.problem or "") for words in ("end of stream", "<stream end>"))
        unclosed = next((say for what, say in _UNCLOSED.items() if what in (exc.context or "")), None)
        if at_end and unclosed and exc.context_mark:
            # An unclosed quote or bracket is only noticed at the closing `---`: point at where it opens.
            mark, problem = exc.context_mark, unclosed
        where = f"{display}:{mark.line + first_line}" if mark else display
        column = f", column {mark.column + 1}" if mark else ""
        raise FileFormatError(
            f"{where}: the frontmatter is not valid YAML{column}: {problem}. "
            "Check the indentation and quoting on that line."
        ) from None
    except yaml.YAMLError as exc:
        raise FileFormatError(f"{display}: the frontmatter is not valid YAML: {exc}") from None


def _check_events(yaml_text: str, loader: Any, display: str, first_line: int, what: str) -> None:
    """Refuse anchors, aliases, nesting deeper than MAX_YAML_DEPTH and more than
    MAX_YAML_NODES nodes, at the first event that breaks a rule (`what` names the
    text in messages: the frontmatter, the YAML).

    Parsing into events is linear and keeps no tree, so this costs a fraction of
    the reading it protects. Anchors and aliases are refused outright rather than
    bounded: a case file has no use for them, and `set_fields` cannot edit them."""
    import yaml

    def at(event: yaml.Event) -> str:
        line = event.start_mark.line + first_line if event.start_mark else first_line
        return f"{display}:{line}: {what}"

    depth = nodes = 0
    for event in yaml.parse(yaml_text, Loader=loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            kind = "an alias (`*name`)" if isinstance(event, yaml.AliasEvent) else "an anchor (`&name`)"
            raise FileFormatError(
                f"{at(event)} uses {kind}; lcspr does not accept YAML anchors or aliases. "
                "Write the value out in full where it is needed."
            )
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            nodes += 1
            if nodes > MAX_YAML_NODES:
                raise FileFormatError(
                    f"{at(event)} holds more than {MAX_YAML_NODES:,} values; "
                    "lcspr reads no more than that from one file. Split it, or remove what does not belong."
                )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise FileFormatError(
                    f"{at(event)} nests lists and fields more than {MAX_YAML_DEPTH} deep; "
                    "lcspr reads no deeper. Check the indentation and brackets there."
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _kind(node: yaml.Node) -> str:
    return "list" if node.tag == _SEQ else "single value"


def _construct(node: yaml.Node, where: Path_, lines: dict[Path_, int], display: str, first: int) -> Any:
    """Build plain Python data from a node, recording the line of every key and item."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + first
            if not isinstance(key_node, yaml.ScalarNode):
                raise FileFormatError(f"{display}:{line}: a field name must be a plain word.")
            key = key_node.value
            if key in result:
                raise FileFormatError(
                    f"{display}:{line}: `{key}` appears twice in the same mapping (first on line "
                    f"{lines[(*where, key)]}); keep one."
                )
            lines[(*where, key)] = line
            result[key] = _construct(value_node, (*where, key), lines, display, first)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            lines[(*where, index)] = item.start_mark.line + first
            items.append(_construct(item, (*where, index), lines, display, first))
        return items
    if node.tag == _STR:
        return node.value
    if node.tag == _BOOL:
        return node.value.lower() == "true"
    if node.tag == _INT:
        if len(node.value.lstrip("+-")) > MAX_INTEGER_DIGITS:
            raise FileFormatError(
                f"{display}:{node.start_mark.line + first}: a number of {len(node.value.lstrip('+-')):,} digits "
                f"is longer than the {MAX_INTEGER_DIGITS} lcspr reads; if it is an identifier or text, put it in quotes."
            )
        return int(node.value)
    if node.tag == _NULL:
        return None
    raise FileFormatError(
        f"{display}:{node.start_mark.line + first}: the tag {node.tag} is not supported; "
        "write the value as plain text (quote it if needed)."
    )


# --- editing -------------------------------------------------------------------------


def set_fields(md: MarkdownFile, updates: dict[Path_, Any]) -> str:
    """Return md.text with each frontmatter path in `updates` set to its value.

    Only the lines holding those values change (a new key adds lines at the end
    of its mapping); everything else stays byte for byte. If the result would not
    read back as exactly those values, FileFormatError says so and nothing is set."""
    text = md.text
    for where, value in updates.items():
        current = parse(text, md.path, md.display)
        text = _set_one(current, tuple(where), value)
    try:
        result = parse(text, md.path, md.display)
        unsafe = [where for where, value in updates.items() if _get(result.data, tuple(where)) != value]
    except (FileFormatError, KeyError, IndexError, TypeError):
        unsafe = list(updates)
    if unsafe:
        line = md.line_of(tuple(unsafe[0]))
        raise FileFormatError(
            f"{md.display}:{line}: lcspr could not set {_dotted(unsafe[0])} without changing more of the "
            "file than that value (anchors, aliases or an unusual layout there); nothing was written. "
            "Edit the value by hand and commit it."
        )
    return text


def field_value(data: Any, dotted: str) -> Any:
    """The value at a dotted path of frontmatter data (`workshop.lead.role`), or None."""
    value = data
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _get(data: Any, where: Path_) -> Any:
    for part in where:
        data = data[part]
    return data


def _dotted(where: Path_) -> str:
    return ".".join(str(p) for p in where)


def _set_one(md: MarkdownFile, where: Path_, value: Any) -> str:
    import yaml

    text, base, nl = md.text, md.fm_offset, _newline(md.text)
    root = yaml.compose(text[base : _split(text, md.display)[1]], Loader=_loaders.strict)
    if root is None:
        return text[:base] + _block(where, value, "", nl) + text[base:]
    parent: yaml.Node = root
    for depth, part in enumerate(where):
        key_node, child = _child(parent, part)
        if child is None:
            if not isinstance(parent, yaml.MappingNode) or parent.flow_style:
                raise FileFormatError(
                    f"{md.display}:{parent.start_mark.line + md.fm_first_line}: cannot add "
                    f"{_dotted(where)} inside a one-line value; write that value as indented lines."
                )
            return _insert(text, base, parent, where[depth:], value, nl)
        if depth == len(where) - 1:
            return _replace(text, base, key_node, child, value, md, nl)
        if key_node is not None and _is_empty(child):
            # `publication:` (or `publication: ~`) with nothing under it yet:
            # the null goes and the nested keys are written beneath the key.
            start, end = base + child.start_mark.index, base + child.end_mark.index
            head = text[:start].rstrip(" ") if end > start else text[:start]
            line_end = _line_end(text, end)
            indent = " " * (key_node.start_mark.column + 2)
            return head + text[end:line_end] + _block(where[depth + 1 :], value, indent, nl) + text[line_end:]
        parent = child
    raise FileFormatError(f"{md.display}: cannot set {_dotted(where)}.")  # pragma: no cover


def _is_empty(node: yaml.Node) -> bool:
    """`key:`, `key: ~`, `key: null`, `key: {}` or `key: []`: nothing under it yet."""
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return node.tag == _NULL
    return bool(getattr(node, "flow_style", False)) and not node.value


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node | None]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return next(((k, v) for k, v in node.value if k.value == part), (None, None))
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return None, node.value[part]
    return None, None


def _last_end(node: yaml.Node) -> int:
    """Index just past the last character of a node's own text.

    A block collection's end mark sits at the next key, past any comment lines
    in between; the end of its last scalar does not."""
    import yaml

    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    return node.end_mark.index


def _newline(text: str) -> str:
    """The line ending the file already uses (its first line's), for lines lcspr adds."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def _line_end(text: str, index: int) -> int:
    """Index just past the newline of the line holding `index`."""
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _replace(
    text: str, base: int, key: yaml.Node | None, node: yaml.Node, value: Any, md: MarkdownFile, nl: str
) -> str:
    import yaml

    start = base + node.start_mark.index
    if isinstance(node, yaml.ScalarNode) and node.tag == _NULL and not node.value:
        # `key:` with no value: the value goes after the colon.
        return text[:start].rstrip(" ") + " " + yaml_inline(value) + text[start:]
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        # A block scalar (`key: >-` and indented lines) ends at the next key;
        # its own lines go, blank lines after its text stay.
        end = base + node.end_mark.index
        stop = _line_end(text, start + len(text[start:end].rstrip()))
        return text[:start] + yaml_inline(value) + nl + text[stop:]
    if isinstance(node, yaml.ScalarNode) and not isinstance(value, (list, dict)):
        return text[:start] + yaml_scalar(value, node.style) + text[base + node.end_mark.index :]
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        return text[:start] + yaml_inline(value) + text[base + node.end_mark.index :]
    if key is None:
        raise FileFormatError(
            f"{md.display}:{node.start_mark.line + md.fm_first_line}: cannot replace a nested list item."
        )
    # A block list or mapping becomes one line; its old lines go.
    colon = text.index(":", base + key.end_mark.index)
    return text[: colon + 1] + " " + yaml_inline(value) + nl + text[_line_end(text, base + _last_end(node)) :]


def _insert(text: str, base: int, mapping: yaml.MappingNode, rest: Path_, value: Any, nl: str) -> str:
    """Add `rest: value` as new lines after the last entry of a block mapping."""
    indent = " " * mapping.value[0][0].start_mark.column if mapping.value else ""
    insert_at = _line_end(text, base + _last_end(mapping) - 1) if mapping.value else base
    # Comment lines indented under the last entry (`criteria: []` and its
    # commented-out example items) stay with it.
    while (comment := _INDENTED_COMMENT.match(text, insert_at)) and len(comment[1]) > len(indent):
        insert_at = _line_end(text, insert_at)
    return text[:insert_at] + _block(rest, value, indent, nl) + text[insert_at:]


_INDENTED_COMMENT = re.compile(r"( +)#")


def _block(where: Path_, value: Any, indent: str, nl: str = "\n") -> str:
    """`a:\\n  b: value\\n` lines for a path that does not exist yet."""
    lines = []
    for depth, part in enumerate(where[:-1]):
        lines.append(f"{indent}{'  ' * depth}{part}:")
    depth = len(where) - 1
    lines.append(f"{indent}{'  ' * depth}{where[-1]}: {yaml_inline(value)}")
    return nl.join(lines) + nl


_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/@()'&+,-]*$")


def yaml_scalar(value: Any, style: str | None = None) -> str:
    """One value as YAML text that reads back as exactly `value` with the strict loader."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if style == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if style == '"':
        return json.dumps(text, ensure_ascii=False)
    if _PLAIN_SAFE.match(text) and not text.endswith(" ") and ": " not in text and " #" not in text:
        if _reads_as_text(text):
            return text
    return json.dumps(text, ensure_ascii=False)


def _reads_as_text(plain: str) -> bool:
    """True when `plain`, unquoted, is text to lcspr and to any YAML 1.1 reader too
    (`no`, `yes`, `on`, `01234`, `0x1F` are not); ISO dates are written plain by design."""
    import yaml

    strict, general = yaml.compose(plain, Loader=_loaders.strict), yaml.compose(plain, Loader=yaml.SafeLoader)
    if strict is None or general is None or strict.tag != _STR:
        return False
    return general.tag in (_STR, "tag:yaml.org,2002:timestamp")


def yaml_inline(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(yaml_inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {yaml_inline(v)}" for k, v in value.items()) + "}"
    return yaml_scalar(value)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace `path` with `data` (text is written as UTF-8, line endings as given) so a
    reader sees the old file or the new, never half. A new file gets the mode the
    user's umask gives any file; a replaced one keeps its own."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only when writing: readers start faster without it

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask (read by setting it, then putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# --- data alone, fast -------------------------------------------------------------------

_PLAIN_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_PLAIN_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_PLAIN_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
# The first characters each can start with ("" is the empty value, a null).
_BOOL_INITIALS, _INT_INITIALS, _NULL_INITIALS = frozenset("tTfF"), frozenset("-+0123456789"), frozenset(("~", "n", "N", ""))


class _Unusual(Exception):
    """Something the one-pass reader leaves to `parse`, which explains or accepts it."""


def frontmatter_data(text: str, display: str) -> dict[str, Any]:
    """What `parse(text, ...).data` gives, read in one pass over libyaml's events, with
    no line numbers: for readers of many files that need the data alone (the audit
    reads every version of every case.md in the history). Anything out of the
    ordinary (an error, a tag, an anchor, a duplicate key, a limit reached) is
    handed to `parse`, so the answer and every refusal are always `parse`'s."""
    import yaml

    check_size(len(text.encode("utf-8", "surrogatepass")), display)
    try:
        start, end, _ = _split(text, display)
        if _loaders.fast is None:
            raise _Unusual
        data = _from_events(yaml.parse(text[start:end], Loader=_loaders.fast))
        if not isinstance(data, dict):
            raise _Unusual
        return data
    except (_Unusual, yaml.YAMLError, FileFormatError):
        return parse(text, Path(display), display).data


def _from_events(events: Any, lines: dict[Path_, int] | None = None, first: int = 1) -> Any:
    """Plain data from parser events: mappings with plain keys, lists, and scalars
    resolved by the strict rules (true/false, null, decimal integers, else text).
    Given `lines`, record in it the line of every key and item, as `parse` does
    (`first`: the line the YAML starts on)."""
    import yaml

    # Per open collection: (container, [pending key, its line], its path).
    stack: list[tuple[Any, list[Any], Path_]] = []
    root: Any = None
    nodes = documents = 0

    def add(value: Any, line: int) -> Path_:
        """Put `value` (whose first event is on `line`) in the open collection; its path."""
        nonlocal root
        if not stack:
            root = value
            return ()
        container, key, path = stack[-1]
        if isinstance(container, list):
            where: Path_ = (*path, len(container))
            container.append(value)
        elif key:
            name, key_line = key
            key.clear()
            if name in container:
                raise _Unusual  # a duplicate key: parse says where
            container[name] = value
            where, line = (*path, name), key_line
        else:
            raise _Unusual  # a key that is not text: parse says where
        if lines is not None:
            lines[where] = line
        return where

    for event in events:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor is not None or event.tag not in (None, "!"):
                raise _Unusual
            nodes += 1
            if nodes > MAX_YAML_NODES:
                raise _Unusual
            value = event.value
            if stack and not stack[-1][1] and isinstance(stack[-1][0], dict):
                stack[-1][1].extend((value, event.start_mark.line + first))  # a key, quoted or not: always text
                continue
            if event.implicit[0] and not event.style:
                # The strict rules, each tried only on a value that can start as it does.
                initial = value[:1]
                if initial in _NULL_INITIALS and _PLAIN_NULL.match(value):
                    value = None
                elif initial in _BOOL_INITIALS and _PLAIN_BOOL.match(value):
                    value = value.lower() == "true"
                elif initial in _INT_INITIALS and _PLAIN_INT.match(value):
                    if len(value.lstrip("+-")) > MAX_INTEGER_DIGITS:
                        raise _Unusual
                    value = int(value)
            add(value, event.start_mark.line + first)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.anchor is not None or event.tag not in (None, "!"):
                raise _Unusual
            nodes += 1
            if nodes > MAX_YAML_NODES or len(stack) >= MAX_YAML_DEPTH:
                raise _Unusual
            if stack and not stack[-1][1] and isinstance(stack[-1][0], dict):
                raise _Unusual  # a list or mapping as a key
            container: Any = {} if kind is yaml.MappingStartEvent else []
            path = add(container, event.start_mark.line + first)
            stack.append((container, [], path))
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Unusual  # a second document: one file holds one
        elif kind not in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent):
            raise _Unusual  # an alias
    return root
