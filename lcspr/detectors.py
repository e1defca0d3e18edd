"""What must not be published, found in text.

Three families of detector:

- the case's registered identifiers (lcspr.identities), case- and accent-insensitive,
  whole words (so a possessive `Jody's` is found and `Jodyville` is not), a person's
  name also as initial + surname and surname alone, a registered date in the usual
  written forms, a registered NHS number in any spacing;
- identifiers of any child: NHS numbers (modulus 11, python-stdnum `stdnum.gb.nhs`),
  Unique Pupil Numbers (python-stdnum `stdnum.gb.upn`), UK postcodes, dates near
  "born", "DOB", "died", ages stated with a date, UK phone numbers, e-mail addresses
  (the patterns are lcspr's own regular expressions);
- leftovers: unresolved template tags, the skeletons' guidance text, DRAFT and
  OFFICIAL-SENSITIVE markings.

A hit knows its span in the text it was found in, so a caller can show it
masked: no detector's output ever holds an identifier whole except `Hit.folded`,
which is only ever hashed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from lcspr.identities import DATE_KINDS, PERSON_KINDS, Identity

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(
    r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
    re.IGNORECASE)
_LIFE_EVENT = re.compile(r"\b(?:born|birth|dob|d\.o\.b|died|death|deceased|passed away)\b", re.IGNORECASE)
_AGE = re.compile(r"\b(?:aged?\s+\d{1,2}|\d{1,2}[\s-]+(?:years?|months?|weeks?)[\s-]+old|\d{1,2}\s?(?:yo|y/o))\b",
                  re.IGNORECASE)
_NHS = re.compile(r"(?<![\d\w])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d\w])")
_UPN = re.compile(r"\b[A-Z]\d{11}[0-9A-Z]\b")
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s*\d[ABD-HJLNP-UW-Z]{2}\b")
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,5}\)?(?:[\s-]?\d{2,4}){1,3}(?!\d)")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_TEMPLATE_TAG = re.compile(r"\{\{|\}\}|\{%|%\}")
_DRAFT = re.compile(r"\bDRAFT\b")
_SENSITIVE = re.compile(r"\bOFFICIAL[\s-]+SENSITIVE\b", re.IGNORECASE)
#: How far from a date a word such as "born" or an age makes the date identifying.
NEAR = 60

#: Kinds of finding that are identifiers (shown masked); the others are leftovers.
LEFTOVERS = frozenset({"template-tag", "template-guidance", "marking", "embedded-file"})


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    kind: str  # e.g. "child (Child A)", "nhs-number", "marking"
    folded: str  # the match, folded: hashed into an acceptance key, never shown

    @property
    def masked(self) -> bool:
        return self.kind.split(" ", 1)[0] not in LEFTOVERS


def fold(text: str) -> tuple[str, list[int] | None]:
    """`text` lower-cased without accents (é → e, ’ → '), and for each character of the
    result the index in `text` it came from (None when they are the same: plain ASCII)."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in "\u2018\u2019":
            ch = "'"
        for c in unicodedata.normalize("NFKD", ch).casefold():
            if not unicodedata.combining(c):
                out.append(c)
                where.append(i)
    return "".join(out), where


def _words(text: str) -> str:
    """A regular expression for `text` folded, any run of spaces or line breaks between its words."""
    return r"\s+".join(re.escape(w) for w in fold(text)[0].split())


def variants(identity: Identity) -> list[str]:
    """The regular expressions one registered identity is looked for by."""
    found: list[str] = []
    for spelling in identity.spellings():
        if identity.kind == "nhs-number":
            digits = re.sub(r"\D", "", spelling)
            found.append(r"[\s-]?".join(digits) if digits else _words(spelling))
            continue
        found.append(_words(spelling))
        words = spelling.split()
        if identity.kind in PERSON_KINDS and len(words) >= 2:
            initial, surname = fold(words[0])[0][:1], words[-1]
            found.append(rf"{re.escape(initial)}\.?\s*{_words(surname)}")
            if len(surname) >= 3:
                found.append(_words(surname))
        if identity.kind in DATE_KINDS:
            found.extend(_date_forms(spelling))
    return found


def _date_forms(iso: str) -> list[str]:
    match = re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2})\s*", iso)
    if not match:
        return []
    year, month, day = match[1], int(match[2]), int(match[3])
    if not 1 <= month <= 12:
        return []
    name = _MONTHS[month - 1]
    d = rf"0?{day}(?:st|nd|rd|th)?"
    return [rf"0?{day}[/.]0?{month}[/.](?:{year}|{year[2:]})", rf"{d}\s+{name[:3]}[a-z]*\.?,?\s+{year}",
            rf"{name[:3]}[a-z]*\.?\s+{d},?\s+{year}"]


class Detectors:
    """Every detector, compiled once for one case's register and the skeletons' guidance."""

    def __init__(self, identities: list[Identity], guidance: Sequence[str] = (), registered_only: bool = False) -> None:
        self._only = registered_only
        self._labels: list[tuple[re.Pattern[str], str]] = []
        parts: list[str] = []
        for identity in identities:
            label = "registered " + identity.kind + (f" ({identity.pseudonym})" if identity.pseudonym else "")
            for variant in variants(identity):
                parts.append(variant)
                self._labels.append((re.compile(variant), label))
        # Longest first, so "jody exampleton" is one hit, not "jody" and then "exampleton".
        parts.sort(key=len, reverse=True)
        self._registered = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)") if parts else None
        guides = [r"\s+".join(re.escape(w) for w in fold(g)[0].split()[:8]) for g in guidance if len(g.split()) >= 5]
        self._guidance = re.compile("|".join(guides)) if guides else None

    def find(self, text: str, before: str = "", after: str = "") -> list[Hit]:
        """Every hit in `text`, without overlaps (registered identifiers first); `before`
        and `after` are the neighbouring text (a table's next cell), read only for
        the words that make a date identifying."""
        hits: list[Hit] = []
        folded, where = fold(text)
        for pattern, kind in ((self._registered, ""), (self._guidance, "template-guidance")):
            if pattern is None:
                continue
            for m in pattern.finditer(folded):
                start, end = _back(where, m.start(), m.end(), len(text))
                hits.append(Hit(start, end, kind or self._label(m.group()), " ".join(m.group().split())))
        if not self._only:
            hits.extend(_patterns(text, before, after))
        return _without_overlaps(hits)

    def _label(self, matched: str) -> str:
        for pattern, label in self._labels:
            if pattern.fullmatch(matched):
                return label
        return "registered"


def _back(where: list[int] | None, start: int, end: int, length: int) -> tuple[int, int]:
    if where is None:
        return start, end
    return where[start], (where[end] if end < len(where) else length)


def _patterns(text: str, before: str, after: str) -> list[Hit]:
    from stdnum.gb import nhs, upn

    hits: list[Hit] = []
    for m in _NHS.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        said = re.search(r"nhs", text[max(0, m.start() - 30):m.start()], re.IGNORECASE)
        if nhs.is_valid(digits) or said:
            hits.append(Hit(m.start(), m.end(), "nhs-number", digits))
    for m in _UPN.finditer(text):
        if upn.is_valid(m.group()):
            hits.append(Hit(m.start(), m.end(), "upn", m.group()))
    hits += [Hit(m.start(), m.end(), "postcode", re.sub(r"\s", "", m.group())) for m in _POSTCODE.finditer(text)]
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        digits = "0" + digits[2:].lstrip("0") if digits.startswith("44") else digits
        if len(digits) in (10, 11):
            hits.append(Hit(m.start(), m.end(), "phone-number", digits))
    hits += [Hit(m.start(), m.end(), "email", m.group().lower()) for m in _EMAIL.finditer(text)]
    hits += _dates(text, before, after)
    hits += [Hit(m.start(), m.end(), "template-tag", m.group()) for m in _TEMPLATE_TAG.finditer(text)]
    hits += [Hit(m.start(), m.end(), "marking DRAFT", "draft") for m in _DRAFT.finditer(text)]
    hits += [Hit(m.start(), m.end(), "marking OFFICIAL-SENSITIVE", "official-sensitive")
             for m in _SENSITIVE.finditer(text)]
    return hits


def _dates(text: str, before: str, after: str) -> list[Hit]:
    """Exact dates near a birth or death, and ages stated with a date."""
    dates = list(_DATE.finditer(text))
    if not dates:
        return []
    # The neighbours are read for context only; offsets shift by the text before.
    context = before[-NEAR:] + " " + text + " " + after[:NEAR]
    shift = len(before[-NEAR:]) + 1
    hits: list[Hit] = []
    for m in dates:
        near = context[max(0, m.start() + shift - NEAR):m.end() + shift + NEAR]
        if _LIFE_EVENT.search(near):
            hits.append(Hit(m.start(), m.end(), "date of birth or death", m.group().lower()))
        elif _AGE.search(near):
            hits.append(Hit(m.start(), m.end(), "age with a date", m.group().lower()))
    if any(h.kind == "age with a date" for h in hits):
        hits += [Hit(a.start(), a.end(), "age with a date", a.group().lower()) for a in _AGE.finditer(text)]
    return hits


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    """The hits in text order, a hit overlapping an earlier-listed one dropped."""
    kept: list[Hit] = []
    for hit in hits:
        if not any(hit.start < k.end and k.start < hit.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)
