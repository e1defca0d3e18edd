"""Paths in a records repository that lcspr may read or write: never through a link.

A records repository is written by many people in many clones, and Git stores a
symbolic link as readily as a file. A link committed as a case folder, a case file,
`documents/` or a template would make lcspr read text from anywhere on the
secretariat's computer into a document, or write a document anywhere. So lcspr
follows no symbolic link below the repository's root, not even one that points back
inside it (a rule simple to state and to check in review), and refuses any path that
resolves outside the root (a Windows junction, one `..` too many).
"""

from __future__ import annotations

import os
from pathlib import Path

from lcspr.errors import UnsafePath

#: Why a path is refused, after the path itself in a message.
_LINK = (
    "is a symbolic link{target}; lcspr follows no link in a records repository, because a link can lead "
    "to files outside it. Replace the link with the real {noun} and commit that."
)
_OUTSIDE = "is outside the records repository; lcspr reads and writes only the repository's own files. {fix}"


def inside_repository(root: Path, path: Path, what: str) -> Path:
    """`path` (absolute, or relative to `root`) with any `..` worked out, when no part of
    it below `root` is a symbolic link and it lies inside `root`; otherwise UnsafePath
    naming the link or the path. `what` names the path in the message ("case file")."""
    found = first_unsafe(root, path, what)
    if found:
        raise UnsafePath(describe(root, *found))
    return Path(os.path.normpath(root / path))


def first_unsafe(root: Path, path: Path, what: str) -> tuple[Path, str] | None:
    """The first part of `path` lcspr must not use and why (see `inside_repository`), or None."""
    raw = root / path
    full = Path(os.path.normpath(raw))
    if not raw.is_relative_to(root) or not full.is_relative_to(root):
        return full, f"(the {what}) " + _OUTSIDE.format(fix="Move it into the repository.")
    current = root
    # One part at a time: a `..` after a link would leave the link's target, which
    # normpath alone would hide; the walk stops at the first link, before any `..`.
    for part in raw.relative_to(root).parts:
        if part == ".." and current == root:
            return full, f"(the {what}) " + _OUTSIDE.format(fix="Move it into the repository.")
        current = current.parent if part == ".." else current / part
        if current.is_symlink():
            return current, _link_reason(current, what if current == full else None)
    if not _resolves_inside(root, full):  # a junction or mount point: no link, yet outside
        return full, f"(the {what}) leads to {os.path.realpath(full)}, which " + _OUTSIDE.format(
            fix=f"Replace it with the real {_noun(full)}."
        )
    return None


def unsafe_in(root: Path, folder: Path, what: str) -> list[tuple[Path, str]]:
    """Every path in `folder`'s tree (`folder` and the way to it included) that lcspr
    must not use, with why, found without following any link."""
    first = first_unsafe(root, folder, what)
    if first:
        return [first]
    found: list[tuple[Path, str]] = []

    def walk(here: Path) -> None:
        with os.scandir(here) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                path = Path(entry.path)
                if entry.is_symlink():
                    found.append((path, _link_reason(path, None)))
                elif entry.is_dir():
                    if _resolves_inside(root, path):
                        walk(path)
                    else:
                        found.append((path, f"leads to {os.path.realpath(path)}, which "
                                      + _OUTSIDE.format(fix="Replace it with the real folder.")))

    if folder.is_dir():
        walk(folder)
    return found


def refuse_unsafe_in(root: Path, folder: Path, what: str) -> None:
    """UnsafePath naming every link in `folder`'s tree (see `unsafe_in`), if it has any."""
    found = unsafe_in(root, folder, what)
    if found:
        raise UnsafePath("\n".join(describe(root, path, why) for path, why in found))


def describe(root: Path, path: Path, why: str) -> str:
    """One refusal as users read it: the path, relative to the repository, then why."""
    return f"{show(root, path)} {why}"


def show(root: Path, path: Path) -> str:
    """`path` as users see it: relative to the repository, with forward slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _resolves_inside(root: Path, path: Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(root)))


def _link_reason(link: Path, what: str | None) -> str:
    try:
        target = f" (to {os.readlink(link)})"
    except OSError:
        target = ""
    return _LINK.format(target=target, noun=what or _noun(link))


def _noun(path: Path) -> str:
    """"folder" or "file", for what a path or link stands for (a broken link: "file")."""
    return "folder" if path.is_dir() else "file"
