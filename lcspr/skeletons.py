"""A skeleton is not a document: refuse to render a referral or a response that is
still the form lcspr wrote (headings and guidance text, every fact missing), which
would otherwise come out as "Not recorded" everywhere with the guidance as content."""

from __future__ import annotations

import re

from lcspr.errors import RenderError
from lcspr.mdfile import MarkdownFile
from lcspr.resources import resource_dir

#: The facts of each form that make it a document; missing all of them with no text of
#: its own, a form is still its skeleton.
FACTS: dict[str, tuple[str, ...]] = {
    "referral": ("incident.kind", "incident.date", "criteria", "agencies_involved"),
    "response": ("date", "involvement.nature", "chronology"),
}
SKELETONS = {"referral": "referral.md", "response": "response.md"}


def _guidance(kind: str) -> set[str]:
    text = (resource_dir("templates") / "case" / SKELETONS[kind]).read_text(encoding="utf-8")
    body = text.rsplit("\n---\n", 1)[-1]
    return {" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()}


def _value(data: object, dotted: str) -> object:
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def missing(md: MarkdownFile, kind: str) -> list[str]:
    """What a form still lacks when it is its skeleton (the guidance text still in it, or
    its headings with nothing under them and no fact set); empty when it is a document.
    A form with no body at all is not a skeleton: its gaps are said in words."""
    if kind not in FACTS:
        return []
    guidance = _guidance(kind)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", md.body) if p.strip()]
    left = [p for p in paragraphs if p in guidance and not p.startswith("#")]
    own = [p for p in paragraphs if not p.startswith("#") and p not in guidance]
    headings = [p.lstrip("#").strip() for p in paragraphs if p.startswith("## ")]
    facts = [f for f in FACTS[kind] if _value(md.data, f) not in (None, "", [], {})]
    if not left and (own or facts or not headings):
        return []
    gaps = [f"replace the skeleton's guidance text (\"{p[:50]}…\") with what happened" for p in left]
    if not own:
        gaps += [f"the text under `## {h}`" for h in headings]
    if not facts:
        gaps += [f"`{f}` in the frontmatter" for f in FACTS[kind]]
    return gaps


def refuse_skeleton(md: MarkdownFile, kind: str) -> None:
    """RenderError naming what is missing when `md` is still the skeleton of its form."""
    gaps = missing(md, kind)
    if gaps:
        raise RenderError(
            f"{md.display} is still the skeleton of a {kind} form: nothing in it is the agency's own, so the "
            "document would be guidance and \"Not recorded\". Write at least one of:\n"
            + "\n".join(f"  - {g}" for g in gaps)
        )
