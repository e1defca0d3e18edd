"""The decision record: one type, one writer, one reader, one judge of moves.

Every commit lcspr makes carries its record in `Lcspr-*` trailers. This module
owns them: the `Decision` type, its one writer (`Decision.message`) and its one
reader (`Decision.read`, fed by Git's own trailer parsing, so `git
interpret-trailers`, `git log --format=%(trailers)` and lcspr always agree), and
`judge`, the one function that says whether a move is legal. `advance`, `next`
and `audit` all call `judge`, so the audit can never disagree with the command
it audits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lcspr.errors import did_you_mean
from lcspr.mdfile import field_value

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.workflow import Transition, Workflow

# The trailers, in the order the writer puts them.
CASE = "Lcspr-Case"
ACTION = "Lcspr-Action"
FROM = "Lcspr-From"
TO = "Lcspr-To"
DECIDED_BY = "Lcspr-Decided-By"
#: For a decision made outside the partnership (the National Panel's): the role that recorded it.
RECORDER = "Lcspr-Recorder"
HOLDER = "Lcspr-Holder"
DECIDED_ON = "Lcspr-Decided-On"
RECORDED_AT = "Lcspr-Recorded-At"
REQUESTED = "Lcspr-Requested"
INCLUDED = "Lcspr-Included"
SENT = "Lcspr-Sent"
APPROVED = "Lcspr-Approved"
CHECKED = "Lcspr-Checked"
#: What the decision noted and did not refuse (a warning of the menu, a deadline met late).
NOTED = "Lcspr-Noted"
CORRECTS = "Lcspr-Corrects"
FINDING = "Lcspr-Finding"
AGENCY = "Lcspr-Agency"
RECEIVED = "Lcspr-Received"
#: A reallocation: the ID the case (Lcspr-Case, its old ID) was moved to.
MOVED_TO = "Lcspr-Moved-To"

# The same, as the reader looks them up (parse_trailers keys them in lower case).
_CASE, _ACTION, _FROM, _TO, _DECIDED_BY, _RECORDER, _HOLDER, _DECIDED_ON, _RECORDED_AT = (
    k.lower() for k in (CASE, ACTION, FROM, TO, DECIDED_BY, RECORDER, HOLDER, DECIDED_ON, RECORDED_AT))
_REQUESTED, _INCLUDED, _SENT, _APPROVED, _CHECKED, _NOTED, _CORRECTS, _FINDING, _AGENCY, _RECEIVED = (
    k.lower() for k in (REQUESTED, INCLUDED, SENT, APPROVED, CHECKED, NOTED, CORRECTS, FINDING, AGENCY, RECEIVED))

# The actions.
INIT = "init"
NEW_CASE = "new-case"
IMPORT = "import"
ADVANCE = "advance"
REALLOCATE = "reallocate"
CORRECTION = "correction"
RECEIVE = "receive"
#: Actions that open a case or move its status: decisions.
DECISIONS = (NEW_CASE, ADVANCE, IMPORT)
#: Actions that record something other than a status: starting the repository,
#: moving a case that two branches opened under one ID, correcting a finding,
#: receiving an agency's referral-response form.
BOOKKEEPING = (INIT, REALLOCATE, CORRECTION, RECEIVE)
ACTIONS = DECISIONS + BOOKKEEPING

#: What each action's record cannot do without.
REQUIRED: dict[str, tuple[str, ...]] = {
    NEW_CASE: (CASE, TO, RECORDED_AT),
    IMPORT: (CASE, TO, RECORDED_AT),
    ADVANCE: (CASE, FROM, TO, DECIDED_BY, DECIDED_ON, RECORDED_AT),
    CORRECTION: (CORRECTS, DECIDED_BY, RECORDED_AT),
    REALLOCATE: (CASE,),
    RECEIVE: (CASE, AGENCY, RECEIVED, DECIDED_ON, RECORDED_AT),
}

_LOWER = {key: key.lower() for keys in REQUIRED.values() for key in keys}


@dataclass
class Decision:
    """One record in the trail: what was decided, by whom, when, why, and on what.

    `approved` pins the content an approval was given on: (file relative to the
    case folder, Git blob ID). `findings` are the findings a correction answers,
    each `<case or -> <kind>`."""

    action: str
    case: str = ""
    source: str = ""
    target: str = ""
    decided_by: str = ""
    recorder: str = ""
    holder: str = ""
    decided_on: str = ""
    recorded_at: str = ""
    subject: str = ""
    reason: str = ""
    requested: list[str] = field(default_factory=list)
    included: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    approved: list[tuple[str, str]] = field(default_factory=list)
    #: What the publication check passed, each `<path> sha256:<hex>` (lcspr.publication.gate).
    checked: list[str] = field(default_factory=list)
    noted: list[str] = field(default_factory=list)
    corrects: str = ""
    findings: list[str] = field(default_factory=list)
    #: The agency whose referral-response form a receipt records.
    agency: str = ""
    #: What a receipt kept: `<path in the case folder> sha256:<hex>` of the form as received.
    received: str = ""
    #: A reallocation: the new ID of the case.
    moved_to: str = ""
    #: What the command tells the user besides the record (how a state's name was read).
    said: list[str] = field(default_factory=list, init=False)
    # Known once the record is a commit.
    commit: str = ""
    recorded_by: str = ""
    committed_at: str = ""
    #: Every trailer as read, by lower-case key (the reader's raw material, for checks).
    trailers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_decision(self) -> bool:
        return self.action in DECISIONS

    def trailer_lines(self) -> list[tuple[str, str]]:
        single = [(CASE, self.case), (ACTION, self.action), (FROM, self.source), (TO, self.target),
                  (DECIDED_BY, self.decided_by), (RECORDER, self.recorder), (HOLDER, self.holder),
                  (DECIDED_ON, self.decided_on), (RECORDED_AT, self.recorded_at), (CORRECTS, self.corrects),
                  (AGENCY, self.agency), (RECEIVED, self.received), (MOVED_TO, self.moved_to)]
        lines = [(key, value) for key, value in single if value]
        lines += [(REQUESTED, v) for v in self.requested]
        lines += [(INCLUDED, v) for v in self.included]
        lines += [(SENT, v) for v in self.sent]
        lines += [(APPROVED, f"{path} {blob}") for path, blob in self.approved]
        lines += [(CHECKED, v) for v in self.checked]
        lines += [(NOTED, v) for v in self.noted]
        lines += [(FINDING, v) for v in self.findings]
        return lines

    def message(self) -> str:
        """The commit message: subject, the reason as given, then the trailers."""
        parts = [" ".join(self.subject.split())]
        if self.reason.strip():
            parts.append(self.reason.strip())
        parts.append("\n".join(f"{key}: {' '.join(value.split())}" for key, value in self.trailer_lines()))
        return "\n\n".join(parts) + "\n"

    @classmethod
    def read(cls, subject: str, body: str, trailers: dict[str, list[str]], commit: str = "", recorded_by: str = "",
             committed_at: str = "") -> "Decision":
        """The record of a commit, from its subject, body and trailers (as Git parsed them)."""
        if not trailers:  # a plain commit (most hand commits): no record to read
            return cls("", subject=subject, reason=body, trailers=trailers, commit=commit, recorded_by=recorded_by,
                       committed_at=committed_at)
        first = {key: values[0] for key, values in trailers.items() if values}.get
        get = trailers.get
        none: list[str] = []
        approved = []
        for value in get(_APPROVED, none):
            path, _, blob = value.rpartition(" ")
            approved.append((path, blob) if path else (value, ""))
        return cls(
            action=first(_ACTION, ""), case=first(_CASE, ""), source=first(_FROM, ""), target=first(_TO, ""),
            decided_by=first(_DECIDED_BY, ""), recorder=first(_RECORDER, ""), holder=first(_HOLDER, ""),
            decided_on=first(_DECIDED_ON, ""), recorded_at=first(_RECORDED_AT, ""), subject=subject, reason=body,
            requested=list(get(_REQUESTED, none)), included=list(get(_INCLUDED, none)), sent=list(get(_SENT, none)),
            approved=approved, checked=list(get(_CHECKED, none)), noted=list(get(_NOTED, none)),
            corrects=first(_CORRECTS, ""), findings=list(get(_FINDING, none)),
            agency=first(_AGENCY, ""), received=first(_RECEIVED, ""), moved_to=first(MOVED_TO.lower(), ""),
            trailers=trailers, commit=commit, recorded_by=recorded_by, committed_at=committed_at,
        )

    def missing_trailers(self) -> list[str]:
        """The trailers this record's action needs and does not have."""
        return [key for key in REQUIRED.get(self.action, ()) if not self.trailers.get(_LOWER[key])]


def parse_trailers(text: str) -> dict[str, list[str]]:
    """Trailers as Git prints them with `%(trailers:only,unfold)`, by lower-case key."""
    result: dict[str, list[str]] = {}
    for key, value in _TRAILER_LINE.findall(text):
        key = key.strip().lower()
        if key:
            found = result.get(key)
            if found is None:
                result[key] = [value.strip()]
            else:
                found.append(value.strip())
    return result


#: `key: value` on one line (a line with no colon is not a trailer).
_TRAILER_LINE = re.compile(r"^([^:\n]*):(.*)$", re.MULTILINE)


def split_body(message: str, has_trailers: bool) -> tuple[str, str]:
    """(subject, body) of a commit message; Git found trailers only in the last
    paragraph, so when it found any, that paragraph is not the body."""
    message = message.strip("\n")
    subject, _, rest = message.partition("\n")
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", rest.strip("\n")) if p.strip()]
    if has_trailers and paragraphs:
        paragraphs = paragraphs[:-1]
    return subject.strip(), "\n\n".join(paragraphs)


# --- whether a move is legal ---------------------------------------------------

UNKNOWN_STATE = "unknown-state"
ILLEGAL = "illegal"
ROLE = "role"
UNMET = "unmet"


@dataclass(frozen=True)
class Verdict:
    """Whether a move is legal: the transition it takes, or why it is refused
    (`refusal` is one of UNKNOWN_STATE, ILLEGAL, ROLE, UNMET; `reasons` say it in words)."""

    transition: "Transition | None"
    refusal: str = ""
    reasons: tuple[str, ...] = ()

    @property
    def legal(self) -> bool:
        return not self.refusal


def target_of(transition: "Transition", held_from: str | None) -> str | None:
    """The state a transition leads to; for a resume, the state the case was held from."""
    from lcspr.workflow import ANY_STATE

    return held_from if transition.target == ANY_STATE else transition.target


def judge(workflow: "Workflow", source: str, target: str, by: str | None, held_from: str | None = None,
          missing: Callable[["Transition"], list[str]] | None = None, recorder: str | None = None) -> Verdict:
    """Whether `by` may move a case from `source` to `target`.

    `held_from` is the state a case on hold was held from (a resume may go only
    there); `missing(transition)` lists what the case, as it is after the move,
    lacks for it (None: requirements are not checked). Among the transitions
    that lead there and that `by` may decide, the first whose requirements are
    met is taken. A move decided outside the partnership (`recorded_by:`, the
    National Panel's) needs `recorder`, a role that records it on the decider's
    behalf; any other move is recorded by the role that decides, with no recorder.
    (`by` None: roles are not checked.)"""
    # A state's former name (`aliases:`) is that state, in a case's history too.
    target = workflow.canonical(target)
    held_from = workflow.canonical(held_from) if held_from else held_from
    candidates = workflow.leading_to(source, target, held_from)
    if not candidates:
        legal = list(dict.fromkeys(str(t) for t in (target_of(t, held_from) for t in workflow.transitions_from(source)) if t))
        listing = f"Legal next states: {workflow.listing(legal)}." if legal else f"{source} is a final state."
        if target not in workflow.states:
            hint = did_you_mean(target, workflow.states, quoted=False)
            return Verdict(None, UNKNOWN_STATE, (
                f"{target!r} is not a state of the workflow{hint}{'' if hint else '.'} {listing}",))
        return Verdict(None, ILLEGAL, (f"cannot move from {source} to {target}. {listing}",))
    allowed = [t for t in candidates if by is None or by in t.by]
    if not allowed:
        deciders = ", ".join(dict.fromkeys(r for t in candidates for r in t.by))
        for_them = ", ".join(dict.fromkeys(r for t in candidates for r in t.recorded_by))
        on_behalf = f" (recorded on its behalf by {for_them}: --by {candidates[0].by[0]})" if for_them else ""
        return Verdict(candidates[0], ROLE, (
            f"{by} may not decide {source} -> {target}; it is decided by {deciders}{on_behalf}.",))
    if by is not None:
        recorded = [t for t in allowed if ((recorder in t.recorded_by) if t.recorded_by else not recorder)]
        if not recorded:
            t = allowed[0]
            if not t.recorded_by:
                return Verdict(t, ROLE, (f"{source} -> {target} is recorded by the role that decides it ({by}), "
                                         f"not on its behalf by {recorder}.",))
            return Verdict(t, ROLE, (
                f"{source} -> {target} is decided by {by} and recorded on its behalf by "
                f"{', '.join(t.recorded_by)}; {recorder or 'no role'} may not record it.",))
        allowed = recorded
    if missing is None:
        return Verdict(allowed[0])
    first: list[str] | None = None
    for transition in allowed:
        gaps = missing(transition)
        if not gaps:
            return Verdict(transition)
        first = gaps if first is None else first
    return Verdict(allowed[0], UNMET, tuple(first or ()))


#: What a hold records besides its stamps; what a resume records (the days on hold so far).
HOLD_FIELDS = ("on_hold.previous", "on_hold.reason")
RESUME_FIELDS = ("on_hold.days",)


def owned_fields(workflow: "Workflow") -> set[str]:
    """Every case.md field a decision owns: the status, and what any transition sets or stamps
    (a hold also records where the case was held from and why, a resume the days on hold,
    a move that meets a deadline late that it was late)."""
    owned = {"status"}
    for transition in workflow.transitions:
        owned.update(transition_fields(transition, workflow))
    return owned


def transition_fields(transition: "Transition", workflow: "Workflow | None" = None) -> set[str]:
    """The case.md fields one transition writes."""
    fields = {"status", *transition.sets, *transition.stamps}
    if transition.hold:
        fields.update(HOLD_FIELDS)
    if transition.resume:
        fields.update(RESUME_FIELDS)
    if workflow is not None:
        fields.update(str(d["late"]) for d in workflow.deadlines if d.get("late") and d["done"] in fields)
    return fields


def by_top(names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Dotted field names grouped by their top-level field, for `changed_fields`."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.partition(".")[0], []).append(name)
    return {top: tuple(group) for top, group in groups.items()}


def changed_fields(before: dict[str, Any], after: dict[str, Any], names: dict[str, tuple[str, ...]]) -> list[str]:
    """Which of the dotted field names (grouped by their top-level field with `by_top`)
    differ between two case.md data: only the top-level fields that changed are looked into."""
    found = [name for top, group in names.items() if before.get(top) != after.get(top)
             for name in group if "." not in name or field_value(before, name) != field_value(after, name)]
    return sorted(found)
