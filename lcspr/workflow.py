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
from typing import Any, TypedDict

from lcspr import mdfile
from lcspr.errors import WorkflowError
from lcspr.mdfile import Path_

DEFAULT_WORKFLOW = Path(__file__).resolve().parent / "workflow.yaml"
ANY_STATE = "*"


class RequirementSpec(TypedDict, total=False):
    """One requirement as the workflow file writes it (workflow.schema.json)."""

    field: str
    equals: Any  # any YAML value the field must hold
    file: str
    rule: str


class _StateTitle(TypedDict):
    title: str


class StateSpec(_StateTitle, total=False):
    """A state as the workflow file writes it: its title and what entering it requires."""

    requires: list[RequirementSpec]


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
}, total=False)


@dataclass(frozen=True)
class Requirement:
    """One thing a target state or a transition needs: a field, a file or a rule."""

    field: str | None = None
    equals: Any = None
    has_equals: bool = False
    file: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Transition:
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
    approves: tuple[str, ...] = ()
    keeps_approved: tuple[str, ...] = ()
    #: Documents the publication check must pass for, in exactly the form sent (lcspr.publication.gate).
    checks_publication: tuple[str, ...] = ()


@dataclass(frozen=True)
class Workflow:
    path: Path
    initial: str
    levels: tuple[str, ...]
    states: dict[str, StateSpec]
    transitions: tuple[Transition, ...]
    deadlines: tuple[DeadlineSpec, ...] = ()
    #: The roles that may record a correction of an audit finding.
    correctors: tuple[str, ...] = ()

    def title(self, state: str) -> str:
        spec = self.states.get(state)
        return spec["title"] if spec is not None else state

    def requirements(self, state: str) -> tuple[Requirement, ...]:
        return self._requirement_table.get(state, ())

    @functools.cached_property
    def _requirement_table(self) -> dict[str, tuple[Requirement, ...]]:
        """Each state's requirements, made once (the audit asks for every move)."""
        return {name: tuple(_requirement(r) for r in state.get("requires", [])) for name, state in self.states.items()}

    def transitions_from(self, state: str) -> list[Transition]:
        return list(self._from_table.get(state, ()))

    def leading_to(self, source: str, target: str, held_from: str | None = None) -> tuple[Transition, ...]:
        """The transitions from `source` that lead to `target` (a resume leads back to
        `held_from`), in the workflow's order; worked out once for each move."""
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
    )


def load(path: Path | None = None, display: str | None = None, validate: bool = True,
         root: Path | None = None) -> Workflow:
    """Read a workflow file (the default when `path` is None) and check it; with
    `root`, a check passed before on the same text is remembered there, not redone."""
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
    try:
        try:
            data, lines = mdfile.load_yaml(text, display)
        except Exception as exc:  # FileFormatError already names file:line
            # mdfile words its YAML errors for case files' frontmatter.
            raise WorkflowError(str(exc).replace("the frontmatter is not valid YAML", "not valid YAML")) from None
        if validate:
            from lcspr import results_cache

            key = results_cache.settings_key(f"workflow {display}", text)
            if root is None or not results_cache.checked_before(root, key):
                _check(data, lines, display)
                if root is not None:
                    results_cache.remember_checked(root, key)
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
        levels=tuple(data.get("levels", [])),
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
                approves=tuple(t.get("approves", [])),
                keeps_approved=tuple(t.get("keeps_approved", [])),
                checks_publication=tuple(t.get("checks_publication", [])),
            )
            for t in data["transitions"]
        ),
        deadlines=tuple(data.get("deadlines", [])),
        correctors=tuple((data.get("corrections") or {}).get("by", [])),
    )


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
            if level is not None and level not in data.get("levels", []):
                problems.append(f"{display}:{_line(lines, ('transitions', i, 'sets', 'level'))}: transitions[{i}].sets.level: {level!r} is not one of the levels ({', '.join(data.get('levels', []))})")
        problems.extend(_unknown_rules(data, lines, display))
        levels = set(data.get("levels", []))
        for i, d in enumerate(data.get("deadlines", [])):
            for j, state in enumerate(d.get("stops_at", [])):
                if state not in states:
                    problems.append(f"{display}:{_line(lines, ('deadlines', i, 'stops_at', j))}: deadlines[{i}].stops_at: {state!r} is not a state")
            for j, level in enumerate(d.get("levels", [])):
                if level not in levels:
                    problems.append(f"{display}:{_line(lines, ('deadlines', i, 'levels', j))}: deadlines[{i}].levels: {level!r} is not one of the workflow's levels")
    if problems:
        raise WorkflowError("the workflow is not valid:\n" + "\n".join(problems))


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
