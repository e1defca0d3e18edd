"""What each Word document shows: the template variables, built from the case files.

`build(config, case, kind, agency)` turns the frontmatter and bodies of a case into
the values a template fills in. Every value is display text (dates as "14 January
2026", agency IDs as the names in lcspr.toml, codes as words), a list of such
records, `Markdown` that becomes Word structure, or `Linked` text whose web address
becomes a link. A fact the files leave out is
said in words ("Not recorded", "Not yet approved"), never left blank; a fact a
document cannot do without (report.md's findings, say) is a `RenderError` that
names the file and what to write.

No docx here: the values are plain data, so they can be checked without Word.
`VARIABLES` lists, for each document, the top-level variables its template gets;
docs/documents.md describes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from lcspr.config import Config
from lcspr.errors import RenderError
from lcspr.mdfile import MarkdownFile
from lcspr.records import Case
from lcspr.skeletons import refuse_skeleton

NOT_RECORDED = "Not recorded"

#: The top-level variables of each document's template.
VARIABLES: dict[str, tuple[str, ...]] = {
    "referral": ("partnership", "case_id", "draft", "case", "referral"),
    "response": ("partnership", "case_id", "draft", "case", "response"),
    "report": ("partnership", "case_id", "draft", "case", "report"),
}

#: The sections of report.md's body (its `## ` headings) the report places, by variable.
REPORT_SECTIONS: dict[str, str] = {
    "background": "Background",
    "key_practice_episodes": "Key practice episodes",
    "findings": "Findings",
}

#: Sections of report.md the report places when they are written, by variable.
OPTIONAL_REPORT_SECTIONS: dict[str, str] = {
    "executive_summary": "Executive summary",
}

#: The report template's own headings (Heading 1), in order, with the names of the
#: Markdown sections placed among them: what the report's contents list. The shipped
#: template (lcspr/templates_build.py) has these; a test keeps the two in step.
REPORT_OUTLINE: tuple[str, ...] = (
    "?executive_summary", "About the review", "Terms of reference", "Reviewer and panel", "Background", "=background",
    "Multi-agency chronology", "Key practice episodes", "=key_practice_episodes", "Findings", "=findings",
    "=further_sections", "Recommendations", "Approval and publication",
)
#: Heading levels the contents list (the TOC field's `\o "1-3"`).
CONTENTS_LEVELS = 3

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")

AGE_BANDS: dict[Any, str] = {
    "unborn": "Unborn",
    "under-1": "Under 1 year",
    "1-4": "1 to 4 years",
    "5-10": "5 to 10 years",
    "11-15": "11 to 15 years",
    "16-17": "16 or 17 years",
}
INCIDENT_KINDS: dict[Any, str] = {"death": "Death", "serious-harm": "Serious harm"}
ABUSE_OR_NEGLECT: dict[Any, str] = {"known": "Known", "suspected": "Suspected"}
REG11_CRITERIA: dict[Any, str] = {
    "a": "(a) highlights or may highlight improvements needed, including ones identified before",
    "b": "(b) highlights or may highlight recurrent themes",
    "c": "(c) raises concerns about two or more agencies working together",
    "d": "(d) the National Panel concluded a local review may be more appropriate",
}
PRACTITIONER_EVENTS: dict[Any, str] = {
    "practitioner-meeting": "Practitioner meeting",
    "multi-agency-workshop": "Multi-agency workshop",
}


@dataclass(frozen=True)
class Markdown:
    """Markdown text that the template shows as Word structure (`{{p name }}`).

    `heading_offset` is added to every heading level: a case file's `## Concerns`
    becomes Heading 1, the level of the template's own sections."""

    text: str
    heading_offset: int = -1
    #: The case file the text comes from, to name it in an error (`cases/ID/report.md`).
    source: str = ""


class Linked(str):
    """Text holding one web address, which the document shows as a link to it (a
    report's publication record: `Published on 10 August 2026 at https://...`). It is
    text everywhere else, so a check or a test reads it as the words it prints."""

    url: str

    def __new__(cls, text: str, url: str) -> "Linked":
        linked = super().__new__(cls, text)
        linked.url = url
        return linked


class Fields(dict):  # type: ignore[type-arg]
    """A mapping of template values that knows its own name (`report.reviewer`), so
    that a template asking for a key it lacks gets an error naming the full path."""

    def __init__(self, path: str, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.path = path


def build(config: Config, case: Case, kind: str, agency: str | None = None, draft: bool = False,
          levels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The template variables of one document: `kind` is referral, response (with
    `agency`) or report; `draft` true for a version that is not the one published
    (the template marks it); `levels` the workflow's level titles (the default
    workflow's when not given). Raises RenderError when a file the document needs is missing."""
    context: dict[str, Any] = {
        "partnership": config.partnership,
        "case_id": case.id,
        "draft": draft,
        "case": _case(config, case.data, default_level_titles() if levels is None else levels),
    }
    if kind == "referral":
        md = _file(case, "referral", "referral.md")
        refuse_skeleton(md, "referral")
        context["referral"] = _referral(config, md)
    elif kind == "response":
        if agency is None:
            raise RenderError("a referral response needs the agency it is from")
        md = _file(case, f"response:{agency}", f"responses/{agency}.md")
        refuse_skeleton(md, "response")
        context["response"] = _response(config, md, agency)
    elif kind == "report":
        context["report"] = _report(config, case)
    else:
        raise RenderError(f"{kind!r} is not a document: choose referral, response or report")
    return context


def _file(case: Case, kind: str, name: str) -> MarkdownFile:
    md = case.files.get(kind)
    if md is None:
        skeleton = "response.md" if kind.startswith("response:") else name
        raise RenderError(
            f"{case.id} has no {name}: write it (the skeleton is templates/case/{skeleton})."
        )
    return md


# --- case.md -------------------------------------------------------------------


@lru_cache(maxsize=1)
def default_level_titles() -> Mapping[str, str]:
    """The level titles of lcspr's own workflow."""
    from lcspr import workflow

    return workflow.load(validate=False).level_titles


def _case(config: Config, data: dict[str, Any], levels: Mapping[str, str]) -> Fields:
    decision = data.get("lig_decision") or {}
    dates = data.get("dates") or {}
    subjects = [_subject(s) for s in data.get("subjects") or []]
    return Fields("case", {
        "title": _text(data.get("title")),
        "subjects": "; ".join(subjects) or NOT_RECORDED,
        "referred_by": config.agency_name(data.get("referred_by", "")) or NOT_RECORDED,
        "received": format_date(dates.get("received")),
        "level": _level(data.get("level"), levels),
        "lig_decision_date": format_date(dates.get("lig_decision"), "Not yet decided"),
        "criteria": "; ".join(REG11_CRITERIA.get(c, c) for c in decision.get("criteria") or []) or NOT_RECORDED,
        "rationale": _text(decision.get("rationale")),
        "planned_publication": format_date(dates.get("planned_publication"), "Not yet planned"),
    })


def _subject(subject: dict[str, Any]) -> str:
    details = [AGE_BANDS[subject["age_band"]].lower() if subject.get("age_band") in AGE_BANDS else "",
               subject.get("relationship") or ""]
    details = [d for d in details if d]
    pseudonym = str(subject.get("pseudonym", NOT_RECORDED))
    return f"{pseudonym} ({', '.join(details)})" if details else pseudonym


def _level(level: str | None, levels: Mapping[str, str]) -> str:
    if not level:
        return "Not yet decided"
    return levels.get(level, level)


# --- referral.md ---------------------------------------------------------------


def _referral(config: Config, md: MarkdownFile) -> Fields:
    data = md.data
    child = data.get("child") or {}
    incident = data.get("incident") or {}
    return Fields("referral", {
        "date": format_date(data.get("date")),
        "referring_agency": config.agency_name(data.get("referring_agency", "")) or NOT_RECORDED,
        "referrer_role": _text(data.get("referrer_role")),
        "safeguarding_lead_agreed": _yes_no(data.get("safeguarding_lead_agreed")),
        "child": Fields("referral.child", {
            "pseudonym": _text(child.get("pseudonym")),
            "age_band": AGE_BANDS.get(child.get("age_band"), NOT_RECORDED),
        }),
        "incident": Fields("referral.incident", {
            "kind": INCIDENT_KINDS.get(incident.get("kind"), NOT_RECORDED),
            "date": format_date(incident.get("date")),
            "abuse_or_neglect": ABUSE_OR_NEGLECT.get(incident.get("abuse_or_neglect"), NOT_RECORDED),
            "child_lives_in": _text(incident.get("child_lives_in")),
            "happened_in": _text(incident.get("happened_in")),
        }),
        "agencies_involved": [config.agency_name(a) for a in data.get("agencies_involved") or []],
        "criteria": [
            Fields("referral.criteria[]", {
                "criterion": REG11_CRITERIA.get(item.get("criterion"), str(item.get("criterion"))),
                "why": _text(item.get("why")),
            })
            for item in data.get("criteria") or []
        ],
        "body": _body(md),
    })


# --- responses/<agency>.md -----------------------------------------------------


def _response(config: Config, md: MarkdownFile, agency: str) -> Fields:
    data = md.data
    involvement = data.get("involvement") or {}
    return Fields("response", {
        "agency": config.agency_name(data.get("agency") or agency),
        "responder_role": _text(data.get("responder_role")),
        "requested": format_date(data.get("requested")),
        "date": format_date(data.get("date"), "Awaited"),
        "involvement": Fields("response.involvement", {
            "from": format_date(involvement.get("from")),
            "to": format_date(involvement.get("to")),
            "nature": _text(involvement.get("nature")),
        }),
        "narrative": _yes_no(data.get("narrative"), absent="No"),
        "chronology": [
            Fields("response.chronology[]", _entry(entry)) for entry in data.get("chronology") or []
        ],
        "body": _body(md),
    })


def _entry(entry: dict[str, Any]) -> dict[str, str]:
    return {
        "date": format_date(entry.get("date")),
        "event": _text(entry.get("event")),
        "significance": _text(entry.get("significance")),
    }


# --- report.md -----------------------------------------------------------------


def _report(config: Config, case: Case) -> Fields:
    md = _file(case, "report", "report.md")
    data = md.data
    sections, further = report_sections(md)
    chronology, sources = merged_chronology(config, case)
    return Fields("report", {
        "title": _text(data.get("title")),
        "methodology_reason": _text(data.get("methodology_reason")),
        "terms_of_reference": [str(q) for q in data.get("terms_of_reference") or []],
        "reviewer": _reviewer(config, case.data),
        "panel": [
            Fields("report.panel[]", {
                "agency": config.agency_name(member.get("agency", "")),
                "role": _text(member.get("role")),
            })
            for member in case.data.get("panel") or []
        ],
        "practitioner_events": _practitioner_events(case.data),
        **{name: Markdown(text, source=md.display) for name, text in sections.items()},
        # An optional section not written is empty text: `{%p if report.executive_summary %}`.
        **{name: Markdown(sections[name], source=md.display) if name in sections else ""
           for name in OPTIONAL_REPORT_SECTIONS},
        "further_sections": [
            Fields("report.further_sections[]", {"title": title, "body": Markdown(text, source=md.display)})
            for title, text in further
        ],
        "chronology": chronology,
        "chronology_note": (
            f"Merged from the chronologies of {_and_list(sources)}, in date order."
            if sources else "No agency has returned a chronology yet."
        ),
        "recommendations": [
            Fields("report.recommendations[]", {
                "id": _text(item.get("id")),
                "text": _text(item.get("text")),
                "owner": config.agency_name(item.get("owner", "")),
                "target": format_date(item.get("target")),
            })
            for item in data.get("recommendations") or []
        ],
        "approval": _approval(config, case.data),
        "pre_publication": _pre_publication(case.data),
        "publication": _publication(case.data),
        "publication_date": _publication_date(case.data),
        "contents": _contents(sections, further),
    })


def _contents(sections: dict[str, str], further: list[tuple[str, str]]) -> list[Fields]:
    """The report's headings, in order, as its contents list them: each `level` (1 to
    3) and `title` (plain text). The template's own headings (REPORT_OUTLINE) with the
    headings inside report.md's sections, one level below their `## ` section."""
    entries: list[tuple[int, str]] = []
    for item in REPORT_OUTLINE:
        if item == "=further_sections":
            for title, text in further:
                entries.append((1, _plain(title)))
                entries.extend(_inner_headings(text))
        elif item.startswith("?"):  # an optional section, under its own heading when written
            if sections.get(item[1:]):
                entries.append((1, OPTIONAL_REPORT_SECTIONS[item[1:]]))
                entries.extend(_inner_headings(sections[item[1:]]))
        elif item.startswith("="):
            entries.extend(_inner_headings(sections[item[1:]]))
        else:
            entries.append((1, item))
    return [Fields("report.contents[]", {"level": level, "title": title}) for level, title in entries]


def _inner_headings(text: str) -> list[tuple[int, str]]:
    """The headings of a section's Markdown, at the level the report shows them (`### `
    is Heading 2), down to CONTENTS_LEVELS."""
    found = []
    for _, _, tag, title in _headings(text):
        level = max(int(tag[1:]) - 1, 1)
        if level <= CONTENTS_LEVELS and title:
            found.append((level, _plain(title)))
    return found


def _plain(markdown: str) -> str:
    """A heading's inline Markdown as the words the report shows (`*a*` is `a`)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark", {"html": False}).parseInline(markdown)
    words = "".join(child.content if child.type in ("text", "code_inline") else " " if "break" in child.type else ""
                    for token in tokens for child in token.children or ())
    return " ".join(words.split()) or markdown


def merged_chronology(config: Config, case: Case) -> tuple[list[Fields], list[str]]:
    """Every agency's chronology entries as one list sorted by date (then agency name,
    then the order the agency wrote them), each with its agency's display name; and
    the names of the agencies that contributed, sorted."""
    keyed: list[tuple[str, str, int, dict[str, Any]]] = []
    for agency_id, md in case.responses().items():
        name = config.agency_name(md.data.get("agency") or agency_id)
        for index, entry in enumerate(md.data.get("chronology") or []):
            keyed.append((str(entry.get("date", "")), name, index, entry))
    # ISO dates sort as text; sorting the keys, not the rendered rows, keeps this
    # one pass over a long chronology.
    keyed.sort(key=lambda item: item[:3])
    rows = [Fields("report.chronology[]", {"agency": name, **_entry(entry)}) for _, name, _, entry in keyed]
    return rows, sorted({name for _, name, _, _ in keyed})


def report_sections(md: MarkdownFile) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """report.md's body split at its `## ` headings: the sections of REPORT_SECTIONS (and
    of OPTIONAL_REPORT_SECTIONS, when written) by variable name, and any others as (heading, text) in the order written. A leading
    `# ` title is dropped (the report's title is in the frontmatter). Raises
    RenderError for a missing, repeated or empty section, or text before the first
    `## ` heading, so no part of the report is silently left out."""
    preamble, sections = split_sections(md.body, level=2)
    if preamble.strip():
        raise RenderError(
            f"{md.display}: text before the first `## ` heading would be left out of the report; "
            "move it under `## Background` (or another `## ` heading)."
        )
    wanted = {title.casefold(): name for name, title in {**REPORT_SECTIONS, **OPTIONAL_REPORT_SECTIONS}.items()}
    found: dict[str, str] = {}
    further: list[tuple[str, str]] = []
    seen: set[str] = set()
    for title, text in sections:
        key = title.casefold()
        if key in seen:
            raise RenderError(f"{md.display}: the heading `## {title}` appears twice; merge the two sections.")
        seen.add(key)
        if key in wanted:
            found[wanted[key]] = text
        else:
            further.append((title, text))
    for name, title in OPTIONAL_REPORT_SECTIONS.items():
        if name in found and not found[name].strip():
            raise RenderError(
                f"{md.display}: the section `## {title}` is empty; write it, or remove the heading."
            )
    for name, title in REPORT_SECTIONS.items():
        if name not in found:
            raise RenderError(f"{md.display}: has no `## {title}` section; add it.")
        if not found[name].strip():
            raise RenderError(f"{md.display}: the section `## {title}` is empty; write it.")
    return found, further


def split_sections(body: str, level: int) -> tuple[str, list[tuple[str, str]]]:
    """Split Markdown at its headings of `level`, found by a CommonMark parser (so a
    `#` inside a code block is no heading): the text before the first one, and
    (heading text, section text) for each. A leading `# ` title is dropped first."""
    body = strip_title(body)
    lines = body.splitlines(keepends=True)
    cuts = [(start, after, title) for start, after, tag, title in _headings(body) if tag == f"h{level}"]
    preamble = "".join(lines[: cuts[0][0] if cuts else len(lines)])
    sections = []
    for index, (_, after, title) in enumerate(cuts):
        end = cuts[index + 1][0] if index + 1 < len(cuts) else len(lines)
        sections.append((title, "".join(lines[after:end]).strip("\n") + "\n"))
    return preamble, sections


def strip_title(body: str) -> str:
    """`body` without a level-1 heading that opens it: the file's own title, which the
    document replaces with its own."""
    from markdown_it import MarkdownIt

    # Only the blocks matter here: inline parsing is most of the cost of a long report.
    tokens = MarkdownIt("commonmark").disable("inline").parse(body)
    first = next((t for t in tokens if t.level == 0 and t.map is not None), None)
    if first is None or first.map is None or first.type != "heading_open" or first.tag != "h1":
        return body
    return "".join(body.splitlines(keepends=True)[first.map[1]:]).lstrip("\n")


def _headings(body: str) -> list[tuple[int, int, str, str]]:
    """Top-level headings as (first line, line after, tag, text)."""
    from markdown_it import MarkdownIt

    # Only the blocks matter (a heading's raw text is its inline token's content).
    tokens = MarkdownIt("commonmark").enable("table").disable("inline").parse(body)
    return [
        (token.map[0], token.map[1], token.tag, tokens[i + 1].content.strip())
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.level == 0 and token.map is not None
    ]


def _body(md: MarkdownFile) -> Markdown:
    """A referral's or response's whole body, without its leading `# ` title."""
    text = strip_title(md.body)
    return Markdown(text if text.strip() else NOT_RECORDED, source=md.display)


def _reviewer(config: Config, data: dict[str, Any]) -> Fields:
    """Who led the review, for any route: the Level 3 reviewer, the Level 2 workshop
    lead, or the Level 1 lead agency."""
    reviewer = data.get("reviewer") or {}
    lead = (data.get("workshop") or {}).get("lead") or {}
    single = data.get("single_agency") or {}
    if reviewer:
        kind = reviewer.get("kind")
        appointments: dict[Any, str] = {
            "independent": "Externally commissioned Independent Reviewer",
            "partnership-agency": "From a partnership agency: "
            + (config.agency_name(reviewer["agency"]) if reviewer.get("agency") else NOT_RECORDED),
        }
        appointment = appointments.get(kind, NOT_RECORDED)
        return Fields("report.reviewer", {
            "role": _text(reviewer.get("role")),
            "appointment": appointment,
            "independence": _independence(reviewer.get("independent_of_case")),
        })
    if lead:
        agency = config.agency_name(lead["agency"]) if lead.get("agency") else NOT_RECORDED
        return Fields("report.reviewer", {
            "role": _text(lead.get("role")),
            "appointment": f"Workshop lead, a senior manager from {agency}",
            "independence": _independence(lead.get("independent_of_case")),
        })
    if single:
        agency = config.agency_name(single["lead_agency"]) if single.get("lead_agency") else NOT_RECORDED
        kind = "health review" if single.get("health_review") else "single-agency review"
        signed = single.get("signed_off_by")
        return Fields("report.reviewer", {
            "role": f"{agency} ({kind})",
            "appointment": f"Signed off by {signed}" if signed else "Sign-off not yet recorded",
            "independence": "Not applicable: the agency reviews its own practice",
        })
    return Fields("report.reviewer", {"role": NOT_RECORDED, "appointment": NOT_RECORDED,
                                      "independence": NOT_RECORDED})


def _independence(value: Any) -> str:
    if value is True:
        return "Declared independent of the case and of the staff involved"
    if value is False:
        return "Not independent of the case"
    return "Independence not declared"


def _practitioner_events(data: dict[str, Any]) -> list[Fields]:
    events = [(str(e.get("date", "")), PRACTITIONER_EVENTS.get(e.get("kind"), str(e.get("kind"))))
              for e in data.get("practitioner_events") or []]
    workshop = data.get("workshop") or {}
    if workshop.get("date"):
        events.append((workshop["date"], "Partnership workshop (half-day table-top)"))
    return [Fields("report.practitioner_events[]", {"date": format_date(day), "kind": kind})
            for day, kind in sorted(events)]


def _approval(config: Config, data: dict[str, Any]) -> str:
    approval = data.get("approval") or {}
    if not approval.get("date"):
        return "Not yet approved"
    bodies: dict[Any, str] = {
        "lig": config.roles.get("lig", "Learning and Inquiry Group"),
        "board": config.roles.get("board", "Main Board"),
        "agency": "the agency's own management",
    }
    body = bodies.get(approval.get("body"), NOT_RECORDED.lower())
    return f"Approved by {body} on {format_date(approval['date'])}"


def _pre_publication(data: dict[str, Any]) -> str:
    sent = (data.get("pre_publication") or {}).get("sent")
    if not sent:
        return "Not yet sent"
    return f"Sent to the Child Safeguarding Practice Review Panel and the Department for Education on {format_date(sent)}"


def _publication_date(data: dict[str, Any]) -> str:
    """The date on the cover of the version for publication: when it was published, else
    when publication is planned."""
    published = (data.get("publication") or {}).get("date")
    return format_date(published or (data.get("dates") or {}).get("planned_publication"), "Not yet planned")


def _publication(data: dict[str, Any]) -> str:
    """The publication record in words; where the report was published is a link."""
    publication = data.get("publication") or {}
    published = publication.get("published")
    when = f" on {format_date(publication['date'])}" if publication.get("date") else ""
    if published is True:
        url = str(publication.get("url") or "")
        if url:
            return Linked(f"Published{when} at {url}", url)
        return f"Published{when}"
    if published is False:
        reason = publication.get("reason_not_published") or "reason not recorded"
        improvements = publication.get("improvements_published")
        instead = (f" Information about the improvements was published{when}: {improvements}"
                   if improvements else " Information about the improvements not yet published.")
        return f"Not published: {reason}.{instead}"
    return "Not yet published"


# --- small formatters ----------------------------------------------------------


def format_date(value: Any, absent: str = NOT_RECORDED) -> str:
    """An ISO date as written in English documents (14 January 2026); `absent` if unset.
    A value that is not an ISO date is shown as written (validation reports it)."""
    if not value:
        return absent
    text = str(value)
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return f"{day} {_MONTHS[month - 1]} {year}"
    except (ValueError, IndexError):
        return text


def _text(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return NOT_RECORDED
    return str(value)


def _yes_no(value: Any, absent: str = NOT_RECORDED) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return absent


def _and_list(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
