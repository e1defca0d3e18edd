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
from typing import TYPE_CHECKING, Any

from lcspr import gitops, mdfile, records, rules, trail
from lcspr.approvals import approved_files, changed_since_approval
from lcspr.calendar import parse_iso_date
from lcspr.errors import TransitionRefused, UsageError, ValidationFailed
from lcspr.records import Case
from lcspr.repository import Repository
from lcspr.trail import Decision
from lcspr.workflow import Requirement, Transition

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.audit import CaseTrail  # audit imports this module

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
    #: Documents the move checks for identifying details when it is made (`lcspr
    #: check-publication ID` shows now what that check would find).
    checks_publication: list[str] = field(default_factory=list)
    #: What the move would note without refusing it (the workflow's `warn: true` requirements).
    warnings: list[str] = field(default_factory=list)
    #: For a decision made outside the partnership: the roles that record it on the decider's behalf.
    recorded_by: list[str] = field(default_factory=list)


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


def _check_status_unchanged(repo: Repository, case: Case, trail_of: CaseTrail) -> None:
    """Refuse a case whose status on disk is not the one its last commit recorded:
    a status changes only by a decision, and the record must say where it came from."""
    rel = records.relative(repo.config, case.files["case"].path)
    blob, committed = trail_of.committed
    if not blob:
        raise TransitionRefused(
            f"{rel} is not in Git yet, so there is no recorded state to move from; bring the case in "
            f"with `lcspr import` (or `lcspr new-case`) first."
        )
    if str(committed) != case.status:
        raise TransitionRefused(
            f"{rel} says `status: {case.status}` but the last recorded decision left {case.id} at "
            f"{committed}; a status changes only by `lcspr advance`. Put `status: {committed}` back "
            "and try again."
        )


def held_from(repo: Repository, case: Case) -> str | None:
    """The state a case on hold was held from, when it is on hold and the record says."""
    if not any(t.resume for t in repo.workflow.transitions_from(case.status)):
        return None
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
    """Every case.md field the decision writes, dotted path → value, in writing order.
    A date is stamped once (the first decision to reach it), except on a hold, a
    resume and an approval, which each record their own day."""
    updates: dict[str, Any] = {"status": target}
    updates.update(assignments)
    updates.update({name: by if value == DECIDER else value for name, value in transition.sets.items()})
    again = transition.hold or transition.resume or bool(transition.approves)
    for stamp in transition.stamps:
        if again or not rules.is_set(rules.get(case.data, stamp)):
            updates.setdefault(stamp, on)
    if transition.hold:
        updates["on_hold.previous"] = case.status
        updates["on_hold.reason"] = reason
    if transition.resume:
        from lcspr.deadlines import days_held

        updates["on_hold.days"] = days_held(case.data, parse_iso_date(on, "--on"), held=True)
    return updates


def _check_assignments(repo: Repository, case: Case, assignments: dict[str, Any]) -> None:
    """Refuse a --set that names a field case.md cannot have, or a value not of its kind
    (an unknown agency), saying so with the closest match, before any requirement is judged."""
    if not assignments:
        return
    given = {name: tuple(name.split(".")) for name in assignments}
    problems = []
    for problem in repo.validator.check("case", _apply(case.data, assignments)):
        where = tuple(str(part) for part in problem.where)
        for name, path in given.items():
            if where[:len(path)] == path:
                problems.append(f"--set {name}: {problem.dotted}: {problem.message}")
                break
    if problems:
        raise UsageError("\n".join(dict.fromkeys(problems)))


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


def missing(repo: Repository, case: Case, transition: Transition, target: str, data: dict[str, Any],
            checked: Any = None) -> list[str]:
    """Everything the target state and the transition need that `data` (case.md as it
    is after the move) and the case's other files lack. `checked` caches the
    validation of files by content, for the audit, which asks again and again."""
    wanted = list(repo.workflow.requirements(target)) + list(transition.requires)
    out: list[str] = []
    for requirement in wanted:
        if not requirement.warn:
            out.extend(_check(repo, case, requirement, data, checked))
    return out


def warnings(repo: Repository, case: Case, transition: Transition, target: str, data: dict[str, Any]) -> list[str]:
    """What the move's `warn: true` requirements find: said and recorded with the
    decision (Lcspr-Noted), never a reason to refuse it."""
    wanted = list(repo.workflow.requirements(target)) + list(transition.requires)
    return [gap for requirement in wanted if requirement.warn for gap in _check(repo, case, requirement, data, None)]


def sendable(repo: Repository, case: Case, transition: Transition, data: dict[str, Any]) -> list[str]:
    """What keeps the documents a move sends (`sends:`) from being made from the case as
    it is after the move (`data`): an empty section of the report, a file not written.
    `next` lists these as missing and `advance` refuses on them before writing anything."""
    if not transition.sends:
        return []
    import dataclasses

    from lcspr import document_context
    from lcspr.errors import RenderError

    files = dict(case.files)
    if "case" in files:
        files["case"] = dataclasses.replace(files["case"], data=data)
    after = dataclasses.replace(case, files=files)
    problems = []
    for kind in dict.fromkeys(transition.sends):
        agencies: list[str | None] = list(after.responses()) if kind == "response" else [None]
        for agency in agencies:
            try:
                document_context.build(repo.config, after, kind, agency, levels=repo.workflow.level_titles)
            except RenderError as exc:
                problems.append(str(exc))
    return problems


def files_needed(repo: Repository, transition: Transition, target: str) -> set[str]:
    """The kinds of case file (besides case.md) the move's requirements read."""
    kinds: set[str] = set()
    for req in (*repo.workflow.requirements(target), *transition.requires):
        if req.file:
            kinds.add(req.file)
        elif req.field and ":" in req.field:
            kinds.add(req.field.rpartition(":")[0])
        elif req.rule:
            kinds.update(rules.READS.get(req.rule, ()))
    return kinds


def _check(repo: Repository, case: Case, req: Requirement, data: dict[str, Any],
           checked: Any) -> list[str]:
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

        key = (case.id, req.file, md.text)
        if checked is None or key not in checked:
            found = [str(p) for p in check_file(repo, case.id, req.file, md)]
            if checked is None:
                return found
            checked[key] = found
        return list(checked[key])
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
    deadlines entering it would start or stop. Every verdict is `trail.judge`'s,
    as for `advance` and `audit`."""
    from lcspr.deadlines import changes, open_deadlines

    case = records.read_case(repo.config, case_id)
    today = today or date.today()
    on = on or today.isoformat()
    now = open_deadlines(repo.config, repo.workflow, case, today=today)
    held = held_from(repo, case)
    changed = changed_since_approval(repo, case)
    result = []
    seen: set[str] = set()
    for transition in repo.workflow.transitions_from(case.status):
        target = trail.target_of(transition, held)
        if target is None or target in seen:
            continue
        seen.add(target)
        after: dict[str, dict[str, Any]] = {}

        def gaps(t: Transition, target: str = target) -> list[str]:
            after[target] = _apply(case.data, _updates(case, t, target, on, "(reason)", {}, t.by[0]))
            return missing(repo, case, t, target, after[target])

        verdict = trail.judge(repo.workflow, case.status, target, None, held, gaps)
        chosen = verdict.transition or transition
        data = after.get(target) or _apply(case.data, _updates(case, chosen, target, on, "(reason)", {}, chosen.by[0]))
        lacking = list(verdict.reasons) + [
            f"{note}; re-approve it first" for kind in chosen.keeps_approved for note in changed.get(kind, [])]
        if not lacking:
            lacking = sendable(repo, case, chosen, data)
        started, stopped = changes(now, open_deadlines(repo.config, repo.workflow, case, data, target, today))
        result.append(Option(
            target, repo.workflow.title(target), tuple(dict.fromkeys(
                r for t in repo.workflow.transitions_from(case.status) if trail.target_of(t, held) == target for r in t.by)),
            lacking, [f"{d.label}, due {d.due}" for d in started], [d.label for d in stopped],
            list(chosen.checks_publication), warnings(repo, case, chosen, target, data),
            list(dict.fromkeys(r for t in repo.workflow.transitions_from(case.status)
                               if trail.target_of(t, held) == target for r in t.recorded_by)),
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
    recorded_by: str | None = None,
) -> Decision:
    """Record one decision: check it, write it, validate the case, commit the case folder."""
    config = repo.config
    if not reason or not reason.strip():
        raise UsageError("--reason is required and must say why the decision was made.")
    given = by
    by = by or config.default_role
    records.check_role(config, by, *(("--by",) if given else ("default_role", " (used when no --by is given)")))
    if recorded_by is not None:
        records.check_role(config, recorded_by, "--recorded-by")
    today = today or date.today()
    on = on or today.isoformat()
    if parse_iso_date(on, "--on") > today:
        raise UsageError(f"--on {on} is in the future; a decision is recorded on or after the day it was made.")
    owned = trail.owned_fields(repo.workflow)
    for name in assignments or {}:
        clash = sorted(o for o in owned if o == name or o.startswith(name + ".") or name.startswith(o + "."))
        if clash:
            raise UsageError(f"--set {name}: `{clash[0]}` is written by the decision itself (its day is --on); "
                             "leave it out.")
    folder = records.case_folder(config, case_id)
    with gitops.writing(config.root, folder):
        # lcspr's own temporary files left by a killed run are never part of the record.
        gitops.clear_leftovers(folder)
        # Read under the lock: a second process deciding on the same case sees
        # the first one's commit, never a stale status.
        case = records.read_case(config, case_id)
        return _decide(repo, case, target, reason.strip(), by, on, assignments or {}, recorded_by, today)


def recorder_for(repo: Repository, source: str, target: str, by: str, recorded_by: str | None,
                 held: str | None) -> str:
    """The role that records a decision on the decider's behalf: for a move decided outside
    the partnership (`recorded_by:` in the workflow), `--recorded-by` or the default role;
    for any other move none, as the role that decides records it."""
    moves = [t for t in repo.workflow.transitions_from(source)
             if trail.target_of(t, held) == target and by in t.by]
    if any(t.recorded_by for t in moves):
        return recorded_by or repo.config.default_role
    if recorded_by is not None:
        raise UsageError(f"--recorded-by is for a decision made outside the partnership (the workflow's "
                         f"`recorded_by:`); {by} records its own decision {source} -> {target}, so leave it out.")
    return ""


def _decide(repo: Repository, case: Case, target: str, reason: str, by: str, on: str,
            assignments: dict[str, Any], recorded_by: str | None = None, today: date | None = None) -> Decision:
    from lcspr.audit import case_trail

    config = repo.config
    trail_of, findings = case_trail(repo, case.id)
    _check_status_unchanged(repo, case, trail_of)
    if target == case.status:
        raise TransitionRefused(f"{case.id} is already at {case.status}; nothing was recorded.")
    if findings:
        raise TransitionRefused(
            f"{case.id} cannot move: its record has findings a decision must not build on:\n"
            + "\n".join(f"  - {f}" for f in findings)
            + "\nPut each right (e.g. restore what was changed by hand, with `git revert`), then record that "
            "with `lcspr correct COMMIT --reason ... --by ROLE`; `lcspr audit` shows the findings."
        )
    _check_on(case, on, trail_of.decided_on)
    held = held_from(repo, case)
    target, how = repo.workflow.resolve(target, case.status, held)
    said = [how] if how else []
    if target not in repo.workflow.states:
        raise UsageError(" ".join([*said, trail.judge(repo.workflow, case.status, target, by, held).reasons[0]]))
    if target == repo.workflow.canonical(case.status):
        raise TransitionRefused(f"{case.id} is already at {case.status}; nothing was recorded.")
    recorder = recorder_for(repo, case.status, target, by, recorded_by, held)

    def gaps(transition: Transition) -> list[str]:
        updates = _updates(case, transition, target, on, reason, assignments, by)
        return missing(repo, case, transition, target, _apply(case.data, updates))

    verdict = trail.judge(repo.workflow, case.status, target, by, held, gaps, recorder)
    if verdict.refusal == trail.UNKNOWN_STATE:
        raise UsageError(verdict.reasons[0])
    _check_assignments(repo, case, assignments)
    if verdict.refusal == trail.UNMET:
        raise TransitionRefused(f"{case.id} cannot move to {target}:\n" + "\n".join(f"  - {g}" for g in verdict.reasons))
    if verdict.refusal == trail.ILLEGAL:
        raise TransitionRefused(f"{case.id} {verdict.reasons[0]}")
    if not verdict.legal:
        raise TransitionRefused(f"{case.id}: {verdict.reasons[0]}")
    transition = verdict.transition
    assert transition is not None
    _check_still_approved(repo, case, transition, target, trail_of)
    unsendable = sendable(repo, case, transition,
                          _apply(case.data, _updates(case, transition, target, on, reason, assignments, by)))
    if unsendable:
        raise TransitionRefused(f"{case.id} cannot move to {target}:\n" + "\n".join(f"  - {g}" for g in unsendable))

    updates = _updates(case, transition, target, on, reason, assignments, by)
    noted = warnings(repo, case, transition, target, _apply(case.data, updates))
    from lcspr.deadlines import met_late

    for spec, due, done in met_late(repo.config, repo.workflow, case.data, _apply(case.data, updates), today):
        updates[str(spec["late"])] = True
        noted.append(f"{spec['title']}: done {done}, after its due date {due} ({spec['rule']}); recorded in "
                     f"`{spec['late']}`")
    case_md = case.files["case"]
    new_text = mdfile.set_fields(case_md, {tuple(k.split(".")): v for k, v in updates.items()})
    included = gitops.changed_files(config.root, case.folder)
    touched = sorted(set(included) & set(trail_of.sent))
    if touched:
        raise TransitionRefused(
            f"{', '.join(touched)} was sent by an earlier decision and has been changed; a sent document stays as "
            f"it was sent, so nothing was recorded. Put it back with `git restore -- {' '.join(touched)}`."
        )
    sent: list[str] = []
    approved: list[tuple[str, str]] = []
    checked: list[str] = []

    new_data = _apply(case.data, updates)
    requested = [a for a in new_data.get("agencies_involved") or [] if a not in case.responses()] \
        if "responses" in transition.requests else []
    if requested:
        from lcspr.intake import response_skeleton  # intake's imports only for a move that asks for responses

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

            written = render_for_decision(repo, case.id, list(transition.sends), target)
            sent.extend(records.relative(config, p) for p in written)
        if transition.checks_publication:  # what is sent, as written, before the commit
            from lcspr.publication import gate

            checked.extend(gate(repo, case.id, transition, target, [config.root / p for p in sent], list(trail_of.sent)))
        for kind in transition.approves:
            names = approved_files(kind, case.names())
            approved.extend(zip(names, gitops.blob_ids(config.root, [case.folder / n for n in names])))

    record = trail.Decision(
        action=trail.ADVANCE, case=case.id, source=case.status, target=target, decided_by=by, recorder=recorder,
        holder=config.holders.get(by, ""), decided_on=on, recorded_at=gitops.now_utc(),
        subject=f"{case.id}: {case.status} -> {target}", reason=reason, noted=noted,
    )
    record.said = said

    def message() -> str:
        # What lcspr did besides the status goes in trailers, so the body is the reason exactly as given.
        record.requested, record.included, record.sent, record.approved = requested, included, sent, approved
        record.checked = checked
        return record.message()

    record.commit = gitops.record_change(config.root, case.folder, write, message, sign=config.sign)
    return record


def _check_on(case: Case, on: str, previous: str) -> None:
    """A decision's day is not before the referral arrived, nor before the case's previous decision."""
    received = rules.get(case.data, "dates.received")
    if rules.is_set(received) and on < str(received):
        raise UsageError(f"--on {on} is before {case.id}'s referral was received ({received}); give the day the "
                         "decision was made.")
    if previous and on < previous:
        raise UsageError(f"--on {on} is before {case.id}'s previous decision ({previous}); decisions are recorded "
                         "in the order they were made, so give that day or a later one.")


def _check_still_approved(repo: Repository, case: Case, transition: Transition, target: str,
                          trail_of: CaseTrail) -> None:
    """Refuse a move that sends or publishes a document changed since its approval,
    showing what changed and the way back to approval."""
    if not transition.keeps_approved:
        return
    changed = changed_since_approval(repo, case, trail_of)
    for kind in transition.keeps_approved:
        if kind not in trail_of.approved and trail_of.imported:
            continue  # approved before the case entered the record: there is no pin to compare
        if kind not in trail_of.approved:
            raise TransitionRefused(f"{case.id} cannot move to {target}: no decision approved its {kind}.")
        notes = changed.get(kind)
        if not notes:
            continue
        rel = records.relative(repo.config, case.folder)
        since = trail_of.approved_in[kind]
        stat = gitops.git(repo.root, "diff", "--stat", since, "--", rel, check=False).stdout.rstrip()
        back = [t.target for t in repo.workflow.transitions_from(case.status)
                if any(u.approves for u in repo.workflow.transitions_from(t.target))]
        way = (f" To change it, take it back for approval: `lcspr advance {case.id} {back[0]} --reason ...`, "
               "then approve it again.") if back else ""
        raise TransitionRefused(
            f"{case.id} cannot move to {target}: the {kind} changed since it was approved, and what is sent must be "
            f"what was approved:\n" + "\n".join(f"  - {n}" for n in notes)
            + (f"\n{stat}" if stat else "")
            + f"\nSee the whole change with `git diff {since[:10]} -- {rel}`.{way}"
        )
