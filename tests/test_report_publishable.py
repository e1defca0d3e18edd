"""A report fit to publish (issue 10, point 5): the draft sent to the Board is marked
on every page and the version for publication is not; the PDF is tagged, with a
title and a language; the files carry no personal or machine traces; and the report
reads as a publication (cover, contents, chronology rows kept whole)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import run

from lcspr import documents
from lcspr.repository import open_repository

CASE = "LIG-2026-001"
PARTNERSHIP = "Example Safeguarding Children Partnership"
MARKINGS = ("DRAFT", "OFFICIAL-SENSITIVE")


def parts_text(path: Path, prefix: str) -> dict[str, str]:
    """The text of every part named word/<prefix>*.xml (header1.xml, footer2.xml, ...)."""
    with zipfile.ZipFile(path) as package:
        return {
            name: "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", package.read(name).decode()))
            for name in package.namelist()
            if re.fullmatch(rf"word/{prefix}\d*\.xml", name)
        }


def section_references(path: Path) -> set[str]:
    """The header and footer parts every section of the body points to."""
    with zipfile.ZipFile(path) as package:
        document = package.read("word/document.xml").decode()
        rels = package.read("word/_rels/document.xml.rels").decode()
    ids = set(re.findall(r'<w:(?:header|footer)Reference [^>]*r:id="([^"]+)"', document))
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    return {targets[i] for i in ids}


def assert_marked(path: Path, marked: bool) -> None:
    used = section_references(path)
    assert any(u.startswith("header") for u in used) and any(u.startswith("footer") for u in used)
    for prefix in ("header", "footer"):
        for name, text in parts_text(path, prefix).items():
            if name.removeprefix("word/") not in used:
                continue
            for marking in MARKINGS:
                assert (marking in text) is marked, f"{path.name} {name}: {marking} {'missing' if marked else 'present'}"


def test_a_draft_render_is_marked_on_every_page(examples_root: Path) -> None:
    [path] = documents.render(open_repository(examples_root), CASE, "report")
    assert_marked(path, True)


def test_the_report_for_the_board_is_marked_and_the_one_for_publication_is_not(examples_root: Path) -> None:
    repo = open_repository(examples_root)
    [board] = documents.render_for_decision(repo, CASE, ["report"], "board-approval")
    [final] = documents.render_for_decision(repo, CASE, ["report"], "pre-publication")
    assert_marked(board, True)
    assert_marked(final, False)
    assert documents.is_for_publication(repo, "report", "pre-publication")
    assert not documents.is_for_publication(repo, "report", "board-approval")
