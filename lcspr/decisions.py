"""Decisions: `lcspr advance` and `lcspr next`.

A decision moves a case from one workflow state to another. `advance` checks
that the move is legal, that the role may decide it, and that everything the
target state needs is there; then it writes the status (and any fields given)
into case.md, changing only those lines, validates the whole case, and
commits exactly that case's folder in one commit whose trailers record who
decided, when and why.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lcspr import gitops, mdfile, records, rules
from lcspr.calendar import parse_iso_date
from lcspr.errors import TransitionRefused, UsageError, ValidationFailed, did_you_mean
from lcspr.intake import response_skeleton
from lcspr.records import Case
from lcspr.repository import Repository
from lcspr.workflow import ANY_STATE, Requirement, Transition

#: Fields only decisions change; --set may not touch them.
PROTECTED = {"id", "status"}
#: In a transition's `sets`, the role that decides (e.g. who approved a report).
DECIDER = "$by"
_FIELD = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")


@dataclass(frozen=True)
class Option:
    """A legal next state and what is still missing to enter it."""

    state: str
    title: str
    by: tuple[str, ...]
    missing: list[str]
    starts: list[str] = field(default_factory=list)
    stops: list[str] = field(default_factory=list)


@dataclass
class Decision:
    """What `advance` recorded."""

    case: str
    source: str
    target: str
    commit: str
    decided_by: str
    included: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)


def parse_assignments(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """`--set a.b=value` pairs. A value written as a list, a mapping or in quotes
    (`[a, c]`, `{agency: icb}`, `"..."`) is read as YAML, strictly (dates stay
    text); true, false, null and whole numbers are those; anything else is the
    text exactly as written, so a colon or a `#` in a sentence is not taken for YAML."""
    result: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--set {item!r}: write FIELD=VALUE, e.g. --set workshop.date=2026-12-09")
        if not _FIELD.match(name):
            raise UsageError(
                f"--set {item!r}: {name!r} is not a field of case.md; name it with lower-case words "
                "joined by dots, e.g. --set workshop.lead.role=...")
        if name.split(".")[0] in PROTECTED:
            raise UsageError(f"--set {name}: `{name}` is changed only by lcspr itself.")
        result[name] = _value(item, name, raw)
    return result


def _value(item: str, name: str, raw: str) -> Any:
    text = raw.strip()
    structured = text[:1] in ("[", "{", '"', "'")
    try:
        value, _ = mdfile.load_yaml(raw, f"--set {name}")
    except Exception as exc:
        if structured:
            raise UsageError(f"--set {item!r}: the value is not valid YAML ({exc}).") from None
        return text
    if structured or isinstance(value, (bool, int)) or (value is None and text in ("", "~", "null", "Null", "NULL")):
        return value
    return value if value == text else text


def _find(repo: Repository, case: Case, target: str) -> Transition:
    current = case.status
    workflow = repo.workflow
    if target == current:
        raise TransitionRefused(f"{case.id} is already at {current}; nothing was recorded.")
    options = workflow.transitions_from(current)
    for transition in options:
        if transition.target == target:
            return transition
        if transition.resume and transition.target == ANY_STATE and target == rules.get(case.data, "on_hold.previous"):
            return transition
    if target not in workflow.states:
        hint = did_you_mean(target, workflow.states, quoted=False)
        raise UsageError(f"{target!r} is not a state of the workflow{hint}")
    legal = sorted({_target(case, t) for t in options})
    listing = ", ".join(legal) if legal else "none: it is a final state"
    raise TransitionRefused(f"{case.id} cannot move from {current} to {target}. Legal next states: {listing}.")


def _check_status_unchanged(repo: Repository, case: Case) -> None:
    """Refuse a case whose status on disk is not the one its last commit recorded:
    a status changes only by a decision, and the record must say where it came from."""
    rel = records.relative(repo.config, case.files["case"].path)
    done = gitops.git(repo.root, "show", f"HEAD:{rel}", check=False)
    if done.returncode != 0:
        raise TransitionRefused(
            f"{rel} is not in Git yet, so there is no recorded state to move from; bring the case in "
            f"with `lcspr import` (or `lcspr new-case`) first."
        )
    committed = mdfile.parse(done.stdout, case.files["case"].path, rel).data.get("status")
    if str(committed) != case.status:
        raise TransitionRefused(
            f"{rel} says `status: {case.status}` but the last recorded decision left {case.id} at "
            f"{committed}; a status changes only by `lcspr advance`. Put `status: {committed}` back "
            "and try again."
        )


def _target(case: Case, transition: Transition) -> str:
    """The state a transition leads to; for a resume, the state the case was held from."""
    if transition.target != ANY_STATE:
        return transition.target
    previous = rules.get(case.data, "on_hold.previous")
    if not rules.is_set(previous):
        raise TransitionRefused(
            f"{case.id} is {case.status} but case.md does not record the state it was held from "
            "(`on_hold.previous`), so it cannot resume; set `on_hold.previous` to that state by hand, "
            "commit it, and try again."
        )
    return str(previous)


def _updates(case: Case, transition: Transition, target: str, on: str, reason: str,
             assignments: dict[str, Any], by: str) -> dict[str, Any]:
    """Every case.md field the decision writes, dotted path → value, in writing order."""
    updates: dict[str, Any] = {"status": target}
    updates.update(assignments)
    updates.update({name: by if value == DECIDER else value for name, value in transition.sets.items()})
    for stamp in transition.stamps:
        if transition.hold or transition.resume or not rules.is_set(rules.get(case.data, stamp)):
            updates.setdefault(stamp, on)
    if transition.hold:
        updates["on_hold.previous"] = case.status
        updates["on_hold.reason"] = reason
    return updates


def _apply(data: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(data)
    for dotted, value in updates.items():
        node = result
        parts = dotted.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = value
    return result


def missing(repo: Repository, case: Case, transition: Transition, target: str, data: dict[str, Any]) -> list[str]:
    """Everything the target state and the transition need that `data` lacks."""
    wanted = list(repo.workflow.requirements(target)) + list(transition.requires)
    out: list[str] = []
    for requirement in wanted:
        out.extend(_check(repo, case, requirement, data))
    return out


def _check(repo: Repository, case: Case, req: Requirement, data: dict[str, Any]) -> list[str]:
    if req.rule:
        check = rules.RULES.get(req.rule)
        if check is None:
            return [f"the workflow names an unknown rule {req.rule!r}"]
        return check(repo, case, data)
    if req.file:
        md = case.files.get(req.file)
        if md is None:
            return [f"{req.file}.md is missing"]
        from lcspr.validation import check_file

        return [str(p) for p in check_file(repo, case.id, req.file, md)]
    assert req.field is not None
    kind, _, dotted = req.field.rpartition(":")
    if kind:
        md = case.files.get(kind)
        source, name = (md.data if md else {}), f"{kind}.md"
    else:
        source, name = data, "case.md"
    value = rules.get(source, dotted)
    if req.has_equals:
        if value != req.equals:
            now = "not set" if value is None else repr(value)
            return [f"{name} `{dotted}` must be {req.equals!r} (it is {now})"]
        return []
    return [] if rules.is_set(value) else [f"{name} is missing `{dotted}`"]


def options(repo: Repository, case_id: str, on: str | None = None, today: date | None = None) -> list[Option]:
    """The legal next states of a case, each with what is still missing and the
    deadlines entering it would start or stop."""
    from lcspr.deadlines import changes, open_deadlines

    case = records.read_case(repo.config, case_id)
    today = today or date.today()
    on = on or today.isoformat()
    now = open_deadlines(repo.config, repo.workflow, case, today=today)
    result = []
    for transition in repo.workflow.transitions_from(case.status):
        target = _target(case, transition)
        if target is None:
            continue
        data = _apply(case.data, _updates(case, transition, target, on, "(reason)", {}, transition.by[0]))
        started, stopped = changes(now, open_deadlines(repo.config, repo.workflow, case, data, target, today))
        result.append(Option(
            target, repo.workflow.title(target), transition.by, missing(repo, case, transition, target, data),
            [f"{d.label}, due {d.due}" for d in started], [d.label for d in stopped],
        ))
    return result


def advance(
    repo: Repository,
    case_id: str,
    target: str,
    reason: str,
    by: str | None = None,
    on: str | None = None,
    assignments: dict[str, Any] | None = None,
    today: date | None = None,
) -> Decision:
    """Record one decision: check it, write it, validate the case, commit the case folder."""
    config = repo.config
    if not reason or not reason.strip():
        raise UsageError("--reason is required and must say why the decision was made.")
    given = by
    by = by or config.default_role
    if by not in config.roles:
        hint = did_you_mean(by, config.roles, quoted=False)
        where = f"--by {by!r}" if given else f"default_role {by!r} (used when no --by is given)"
        raise UsageError(f"{where} is not a role in lcspr.toml (roles: {', '.join(config.roles)}){hint}")
    today = today or date.today()
    on = on or today.isoformat()
    if parse_iso_date(on, "--on") > today:
        raise UsageError(f"--on {on} is in the future; a decision is recorded on or after the day it was made.")
    folder = records.case_folder(config, case_id)
    with gitops.writing(config.root, folder):
        # Read under the lock: a second process deciding on the same case sees
        # the first one's commit, never a stale status.
        case = records.read_case(config, case_id)
        return _decide(repo, case, target, reason.strip(), by, on, assignments or {})


def _decide(repo: Repository, case: Case, target: str, reason: str, by: str, on: str,
            assignments: dict[str, Any]) -> Decision:
    config = repo.config
    _check_status_unchanged(repo, case)
    transition = _find(repo, case, target)
    if by not in transition.by:
        raise TransitionRefused(
            f"{case.id}: {by} may not decide {case.status} -> {target}; it is decided by {', '.join(transition.by)}."
        )
    updates = _updates(case, transition, target, on, reason, assignments, by)
    gaps = missing(repo, case, transition, target, _apply(case.data, updates))
    if gaps:
        raise TransitionRefused(f"{case.id} cannot move to {target}:\n" + "\n".join(f"  - {gap}" for gap in gaps))

    case_md = case.files["case"]
    new_text = mdfile.set_fields(case_md, {tuple(k.split(".")): v for k, v in updates.items()})
    included = gitops.changed_files(config.root, case.folder)
    sent: list[str] = []

    new_data = _apply(case.data, updates)
    requested = [a for a in new_data.get("agencies_involved") or [] if a not in case.responses()] \
        if "responses" in transition.requests else []

    def write() -> None:
        mdfile.write_atomic(case_md.path, new_text)
        for agency in requested:
            path = case.folder / records.RESPONSES_DIR / f"{records.check_agency(config, agency)}.md"
            mdfile.write_atomic(path, response_skeleton(repo, case.id, agency, on))
        from lcspr.validation import check_case

        problems = check_case(repo, case.id)[1]
        if problems:
            raise ValidationFailed(
                f"{case.id} would not validate after this decision, so nothing was recorded:\n"
                + "\n".join(str(p) for p in problems),
                problems,
            )
        if transition.sends:
            from lcspr.documents import render_for_decision

            written = render_for_decision(repo, case.id, list(transition.sends))
            sent.extend(records.relative(config, p) for p in written)

    trailers = [
        ("Lcspr-Case", case.id),
        ("Lcspr-Action", "advance"),
        ("Lcspr-From", case.status),
        ("Lcspr-To", target),
        ("Lcspr-Decided-By", by),
        ("Lcspr-Decided-On", on),
        ("Lcspr-Recorded-At", gitops.now_utc()),
    ]
    def message() -> str:
        # What lcspr did besides the status goes in trailers, so the body is the
        # reason exactly as given.
        notes = [("Lcspr-Requested", agency) for agency in requested]
        notes += [("Lcspr-Included", path) for path in included]
        notes += [("Lcspr-Sent", path) for path in sent]
        return gitops.message_with_trailers(f"{case.id}: {case.status} -> {target}", reason, trailers + notes)

    commit = gitops.record_change(config.root, case.folder, write, message, sign=config.sign)
    return Decision(case.id, case.status, target, commit, by, included, sent, requested)
