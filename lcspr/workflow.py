"""The workflow: states, transitions, requirements and deadlines, read from data.

The default (`lcspr/workflow.yaml`) encodes the partnership's methodologies menu
and the statutory steps; a records repository may name its own file in
lcspr.toml. Either is checked against `schemas/workflow.schema.json`.
"""

from __future__ import annotations

import re
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from lcspr import mdfile, read_memo
from lcspr.errors import WorkflowError
from lcspr.mdfile import Path_

DEFAULT_WORKFLOW = Path(__file__).resolve().parent / "workflow.yaml"
ANY_STATE = "*"


if TYPE_CHECKING:  # pragma: no cover
    # The workflow file's shapes, for the type checker only (its schema checks the file):
    # made at run time they cost `show` a millisecond and a half.

    class RequirementSpec(TypedDict, total=False):
        """One requirement as the workflow file writes it (workflow.schema.json)."""

        field: str
        equals: Any  # any YAML value the field must hold
        file: str
        rule: str
        warn: bool


    class _StateTitle(TypedDict):
        title: str


    class StateSpec(_StateTitle, total=False):
        """A state as the workflow file writes it: its title and what entering it requires."""

        requires: list[RequirementSpec]
        aliases: list[str]


    class SettingLength(TypedDict, total=False):
        """A deadline's length taken from an lcspr.toml [calendar] setting."""

        setting: str
        before: bool


    #: A deadline as the workflow file writes it (`from` is a Python keyword, hence this form).
    DeadlineSpec = TypedDict("DeadlineSpec", {
        "id": str,
        "title": str,
        "rule": str,
        "per": str,
        "levels": list[str],
        "from": "str | dict[str, str]",
        "working_days": "int | SettingLength",
        "months": "int | SettingLength",
        "done": str,
        "stops_at": list[str],
        "extends_on_hold": bool,
        "revised_by": str,
        "late": str,
    }, total=False)


@dataclass(frozen=True)
class Requirement:
    """One thing a target state or a transition needs: a field, a file or a rule."""

    field: str | None = None
    equals: Any = None
    has_equals: bool = False
    file: str | None = None
    rule: str | None = None
    #: Unmet, the move is not refused: the decision says so and records it (Lcspr-Noted).
    warn: bool = False

    def describe(self) -> str:
        """The requirement in the workflow's own words (`field: a.b`, `rule: name`)."""
        if self.rule:
            return f"rule: {self.rule}"
        if self.file:
            return f"file: {self.file}"
        return f"field: {self.field}" + (f" = {self.equals!r}" if self.has_equals else "")


@dataclass(frozen=True)
class Transition:
    """One move the workflow allows: from which states, to which, by whom, and what it sets and requires."""

    sources: tuple[str, ...]
    target: str
    by: tuple[str, ...]
    sets: dict[str, Any] = field(default_factory=dict)
    stamps: tuple[str, ...] = ()
    sends: tuple[str, ...] = ()
    requires: tuple[Requirement, ...] = ()
    requests: tuple[str, ...] = ()
    hold: bool = False
    resume: bool = False
    #: For a decision made outside the partnership (the National Panel's): the roles
    #: that record it on the decider's behalf (Lcspr-Recorded-For).
    recorded_by: tuple[str, ...] = ()
    approves: tuple[str, ...] = ()
    keeps_approved: tuple[str, ...] = ()
    #: Documents the publication check must pass for, in exactly the form sent (lcspr.publication.gate).
    checks_publication: tuple[str, ...] = ()


@dataclass(frozen=True)
class Workflow:
    """The workflow as lcspr uses it: its states, levels, moves and deadlines."""

    path: Path
    initial: str
    levels: tuple[str, ...]
    states: dict[str, StateSpec]
    transitions: tuple[Transition, ...]
    deadlines: tuple[DeadlineSpec, ...] = ()
    #: The roles that may record a correction of an audit finding.
    correctors: tuple[str, ...] = ()
    #: Each level's title, as documents print it (the level's ID when the workflow gives none).
    level_titles: dict[str, str] = field(default_factory=dict)

    def title(self, state: str) -> str:
        spec = self.states.get(self.canonical(state))
        return spec["title"] if spec is not None else state

    def canonical(self, state: str) -> str:
        """The state a name stands for: itself, or the state a former name (`aliases:`) now is."""
        return self.aliases.get(state, state)

    def level_title(self, level: str) -> str:
        return self.level_titles.get(level, level)

    @functools.cached_property
    def hold_states(self) -> frozenset[str]:
        """The states a case is on hold in: those a `hold: true` move enters."""
        return frozenset(t.target for t in self.transitions if t.hold)

    @functools.cached_property
    def aliases(self) -> dict[str, str]:
        """Former names of states (a state's `aliases:`), each to the state it now is."""
        return {str(old): name for name, state in self.states.items() for old in state.get("aliases", [])}

    def resolve(self, name: str, source: str, held_from: str | None = None) -> tuple[str, str]:
        """The state a name given by a user means, from `source`, and a note saying how
        it was read ("" when it is a state's own name). A state's former name (its
        `aliases:`) is that state; a level's name is the state a legal move from
        `source` enters on that route (the move that sets `level` to it). Anything else
        is returned as given, for `trail.judge` to refuse with the legal moves."""
        if name in self.states:
            return name, ""
        if name in self.aliases:
            state = self.aliases[name]
            return state, f"{name} is now called {state}: {self.title(state)}."
        if name in self.levels:
            from lcspr.trail import target_of

            routes = list(dict.fromkeys(
                str(target_of(t, held_from)) for t in self.transitions_from(source) if t.sets.get("level") == name))
            entered = sorted({t.target for t in self.transitions if t.sets.get("level") == name})
            if len(routes) == 1:
                return routes[0], f"{name} is {routes[0]}: {self.title(routes[0])}."
            if entered:
                said = " or ".join(entered)
                return name, f"{name} ({self.level_title(name)}) is {said} in this workflow."
        return name, ""

    def listing(self, states: list[str] | tuple[str, ...]) -> str:
        """`a: its title; b: its title`, for messages."""
        return "; ".join(f"{s}: {self.title(s)}" for s in states)

    def requirements(self, state: str) -> tuple[Requirement, ...]:
        return self._requirement_table.get(self.canonical(state), ())

    @functools.cached_property
    def _requirement_table(self) -> dict[str, tuple[Requirement, ...]]:
        """Each state's requirements, made once (the audit asks for every move)."""
        return {name: tuple(_requirement(r) for r in state.get("requires", [])) for name, state in self.states.items()}

    def transitions_from(self, state: str) -> list[Transition]:
        return list(self._from_table.get(self.canonical(state), ()))

    def leading_to(self, source: str, target: str, held_from: str | None = None) -> tuple[Transition, ...]:
        """The transitions from `source` that lead to `target` (a resume leads back to
        `held_from`), in the workflow's order; worked out once for each move. A state's
        former name stands for that state."""
        source = self.canonical(source)
        key = (source, target, held_from)
        found = self._leading.get(key)
        if found is None:
            found = self._leading[key] = tuple(
                t for t in self._from_table.get(source, ()) if (held_from if t.target == ANY_STATE else t.target) == target)
        return found

    @functools.cached_property
    def _leading(self) -> dict[tuple[str, str, str | None], tuple[Transition, ...]]:
        return {}

    @functools.cached_property
    def _from_table(self) -> dict[str, tuple[Transition, ...]]:
        """The transitions leaving each state, in the workflow's order, made once."""
        table: dict[str, list[Transition]] = {}
        for transition in self.transitions:
            for source in dict.fromkeys(transition.sources):
                table.setdefault(source, []).append(transition)
        return {state: tuple(found) for state, found in table.items()}


def _requirement(raw: RequirementSpec) -> Requirement:
    return Requirement(
        field=raw.get("field"),
        equals=raw.get("equals"),
        has_equals="equals" in raw,
        file=raw.get("file"),
        rule=raw.get("rule"),
        warn=bool(raw.get("warn", False)),
    )


def load(path: Path | None = None, display: str | None = None, validate: bool = True,
         root: Path | None = None) -> Workflow:
    """Read a workflow file (the default when `path` is None) and check it; with
    `root`, a text checked before is taken as it parsed then (`read_memo`): it is
    neither parsed nor checked again."""
    path = path or DEFAULT_WORKFLOW
    display = display or str(path)
    # A workflow outside the repository is named by lcspr.toml, which anyone who can
    # commit may change: its problems are told by line only, never quoting its text,
    # so lcspr.toml cannot be used to print some other file of this computer.
    private = root is not None and path != DEFAULT_WORKFLOW and not path.resolve().is_relative_to(root.resolve())
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkflowError(f"{display}: cannot be read ({exc.strerror}); check [overrides] workflow in lcspr.toml.") from None
    # What a checked text parsed to is kept with it: the same text is neither parsed nor checked again.
    memo = read_memo.Memo(root, "workflow", read_memo.checks_basis(), keep=2) if root else None
    try:
        data = memo.get(display, text) if memo is not None else None
        if not isinstance(data, dict):
            try:
                data, lines = mdfile.load_yaml(text, display)
            except Exception as exc:  # FileFormatError already names file:line
                # mdfile words its YAML errors for case files' frontmatter.
                raise WorkflowError(str(exc).replace("the frontmatter is not valid YAML", "not valid YAML")) from None
            if validate:
                _check(data, lines, display)
                if memo is not None and read_memo.plain(data):
                    memo.put(display, text, data)
                    memo.save()
    except WorkflowError as exc:
        if not private:
            raise
        where = sorted({int(n) for n in re.findall(re.escape(display) + r":(\d+):", str(exc))})
        at = f" (at line {', '.join(map(str, where))})" if where else ""
        raise WorkflowError(
            f"{display} is not a valid workflow{at}. lcspr quotes nothing from a file outside the records "
            "repository; open the file to see what is wrong there, or copy it into the repository and run "
            "`lcspr validate` for each problem in full."
        ) from None
    return Workflow(
        path=path,
        initial=data["initial"],
        levels=tuple(_level_id(level) for level in data.get("levels", [])),
        level_titles={_level_id(level): str(level.get("title", level["id"])) if isinstance(level, dict) else level
                      for level in data.get("levels", [])},
        states=data["states"],
        transitions=tuple(
            Transition(
                sources=tuple(t["from"]),
                target=t["to"],
                by=tuple(t["by"]),
                sets=dict(t.get("sets", {})),
                stamps=tuple(t.get("stamps", [])),
                sends=tuple(t.get("sends", [])),
                requests=tuple(t.get("requests", [])),
                requires=tuple(_requirement(r) for r in t.get("requires", [])),
                hold=bool(t.get("hold", False)),
                resume=bool(t.get("resume", False)),
                recorded_by=tuple(t.get("recorded_by", [])),
                approves=tuple(t.get("approves", [])),
                keeps_approved=tuple(t.get("keeps_approved", [])),
                checks_publication=tuple(t.get("checks_publication", [])),
            )
            for t in data["transitions"]
        ),
        deadlines=tuple(data.get("deadlines", [])),
        correctors=tuple((data.get("corrections") or {}).get("by", [])),
    )


def _level_id(level: Any) -> str:
    """A level as the workflow lists it: its ID, or `{id: ..., title: ...}`."""
    return str(level["id"]) if isinstance(level, dict) else str(level)


def _check(data: Any, lines: dict[Path_, int], display: str) -> None:
    from lcspr import schemas

    problems = [
        f"{display}:{_line(lines, p.where)}: {p.dotted or '(top level)'}: {p.message}"
        for p in schemas.Validator(schemas.vocabulary()).check("workflow", data)
    ]
    if not problems:
        states = set(data["states"])
        if data["initial"] not in states:
            problems.append(f"{display}:{_line(lines, ('initial',))}: initial: {data['initial']!r} is not a state")
        for i, t in enumerate(data["transitions"]):
            for j, source in enumerate(t["from"]):
                if source not in states:
                    problems.append(f"{display}:{_line(lines, ('transitions', i, 'from', j))}: transitions[{i}].from: {source!r} is not a state")
            if t["to"] != ANY_STATE and t["to"] not in states:
                problems.append(f"{display}:{_line(lines, ('transitions', i, 'to'))}: transitions[{i}].to: {t['to']!r} is not a state")
            if (t["to"] == ANY_STATE) != bool(t.get("resume")):
                problems.append(f"{display}:{_line(lines, ('transitions', i, 'to'))}: transitions[{i}]: `to: \"*\"` goes with `resume: true`, and only with it")
            level = t.get("sets", {}).get("level")
            known = [_level_id(v) for v in data.get("levels", [])]
            if level is not None and level not in known:
                problems.append(f"{display}:{_line(lines, ('transitions', i, 'sets', 'level'))}: transitions[{i}].sets.level: {level!r} is not one of the levels ({', '.join(known)})")
        problems.extend(_unknown_rules(data, lines, display))
        problems.extend(_name_clashes(data, lines, display))
        levels = {_level_id(v) for v in data.get("levels", [])}
        for i, d in enumerate(data.get("deadlines", [])):
            for j, state in enumerate(d.get("stops_at", [])):
                if state not in states:
                    problems.append(f"{display}:{_line(lines, ('deadlines', i, 'stops_at', j))}: deadlines[{i}].stops_at: {state!r} is not a state")
            for j, level in enumerate(d.get("levels", [])):
                if level not in levels:
                    problems.append(f"{display}:{_line(lines, ('deadlines', i, 'levels', j))}: deadlines[{i}].levels: {level!r} is not one of the workflow's levels")
    if problems:
        raise WorkflowError("the workflow is not valid:\n" + "\n".join(problems))


def _name_clashes(data: dict[str, Any], lines: dict[Path_, int], display: str) -> list[str]:
    """A former name (`aliases:`) must not be a state's name or another state's former name."""
    problems, seen = [], dict.fromkeys(data["states"], "")
    for name, state in data["states"].items():
        for j, old in enumerate(state.get("aliases", [])):
            if old in seen:
                owner = seen[old] or old
                problems.append(f"{display}:{_line(lines, ('states', name, 'aliases', j))}: states.{name}.aliases: "
                                f"{old!r} already names {owner}; a former name means one state")
            seen[old] = name
    return problems


def _unknown_rules(data: dict[str, Any], lines: dict[Path_, int], display: str) -> list[str]:
    """A `rule:` the code does not know would refuse every decision that needs it: say so now."""
    from lcspr.rules import RULES
    from lcspr.schemas import dotted

    places = [(("states", name, "requires"), state.get("requires", [])) for name, state in data["states"].items()]
    places += [(("transitions", i, "requires"), t.get("requires", [])) for i, t in enumerate(data["transitions"])]
    problems = []
    for where, requirements in places:
        for j, req in enumerate(requirements):
            if "rule" in req and req["rule"] not in RULES:
                problems.append(
                    f"{display}:{_line(lines, (*where, j, 'rule'))}: {dotted((*where, j, 'rule'))}: "
                    f"{req['rule']!r} is not a rule lcspr knows (rules: {', '.join(sorted(RULES))})"
                )
    return problems


def _line(lines: dict[Path_, int], where: Path_) -> int:
    where = tuple(where)
    while where and where not in lines:
        where = where[:-1]
    return lines.get(where, 1)
