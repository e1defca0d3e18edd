"""JSON Schemas (Draft 2020-12): loading them into one registry and validating.

The static schemas in `schemas/` share definitions through `$ref`. Lists that
belong to a partnership or its workflow (agencies, roles, statuses, levels)
live in one resource made at run time from lcspr.toml and the workflow,
`partnership.json`, so no schema holds a copy that could drift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable

from lcspr.errors import did_you_mean
from lcspr.resources import resource_dir

if TYPE_CHECKING:  # pragma: no cover
    from referencing import Registry

BASE = "https://lcspr.example/schemas/"
PARTNERSHIP = BASE + "partnership.json"

#: File kinds and their schemas.
SCHEMA_FILES = {
    "case": "case.schema.json",
    "referral": "referral.schema.json",
    "response": "referral-response.schema.json",
    "report": "review-report.schema.json",
    "actions": "action-plan.schema.json",
    "config": "config.schema.json",
    "workflow": "workflow.schema.json",
}

#: What the partnership vocabulary's entries are called in messages.
VOCABULARY_NAMES = {"agency": "agency", "role": "role", "status": "status", "level": "level", "theme": "theme"}


@dataclass(frozen=True)
class SchemaProblem:
    """One schema violation: where in the data, and what is wrong, in plain words."""

    where: tuple[str | int, ...]
    message: str

    @property
    def dotted(self) -> str:
        return dotted(self.where)


def dotted(where: Iterable[str | int]) -> str:
    """`('agencies', 2, 'name')` → `agencies[2].name`."""
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@lru_cache(maxsize=None)
def _static_resources() -> tuple[tuple[str, dict[str, Any]], ...]:
    folder = resource_dir("schemas")
    loaded = []
    for path in sorted(folder.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        loaded.append((schema["$id"], schema))
    return tuple(loaded)


def load_schema(kind: str) -> dict[str, Any]:
    """The schema document of a file kind."""
    wanted = BASE + SCHEMA_FILES[kind]
    return next(schema for uri, schema in _static_resources() if uri == wanted)


def vocabulary(
    agencies: Iterable[str] = (), roles: Iterable[str] = (), statuses: Iterable[str] = (), levels: Iterable[str] = (),
    themes: Iterable[str] = (),
) -> dict[str, Any]:
    """The run-time `partnership.json` resource for one records repository."""

    def enum(title: str, values: Iterable[str]) -> dict[str, Any]:
        return {"title": title, "type": "string", "enum": list(values)}

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": PARTNERSHIP,
        "$defs": {
            "agency": enum("agency", agencies),
            "role": enum("role", roles),
            "status": enum("status", statuses),
            "level": enum("level", levels),
            "theme": enum("theme", themes),
        },
    }


def registry(vocab: dict[str, Any]) -> "Registry":
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [(uri, Resource.from_contents(s, default_specification=DRAFT202012)) for uri, s in _static_resources()]
    resources.append((PARTNERSHIP, Resource.from_contents(vocab, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


class Validator:
    """Validates every file kind of one records repository against its schema.

    A compiled validator (jsonschema-rs) decides whether a file is valid; only a
    file that is not pays for jsonschema, which explains each problem in the words
    and at the place users see. Both read the same schemas and registry, and a
    test holds them to the same verdicts."""

    def __init__(self, vocab: dict[str, Any]) -> None:
        self._vocab = vocab
        self._kinds = [kind for kind in SCHEMA_FILES
                       if kind != "workflow" or (resource_dir("schemas") / SCHEMA_FILES[kind]).exists()]
        self._fast: dict[str, Any] | None = None
        self._slow: dict[str, Any] | None = None

    @property
    def _validators(self) -> dict[str, Any]:
        """jsonschema's validators, made (and jsonschema imported) only to explain a failure."""
        if self._slow is None:
            from jsonschema import Draft202012Validator

            shared = registry(self._vocab)
            self._slow = {
                kind: Draft202012Validator(load_schema(kind), registry=shared, format_checker=_format_checker())
                for kind in self._kinds
            }
        return self._slow

    def is_valid(self, kind: str, data: Any) -> bool | None:
        """The compiled validator's verdict, or None where it is not installed."""
        if self._fast is None:
            self._fast = _compiled(self._vocab, self._kinds)
        fast = self._fast.get(kind)
        return None if fast is None else bool(fast.is_valid(data))

    def check(self, kind: str, data: Any) -> list[SchemaProblem]:
        """Every problem with `data` as a file of `kind`, in document order."""
        if self.is_valid(kind, data):
            return []
        errors = sorted(self._validators[kind].iter_errors(data), key=lambda e: _order(e.absolute_path))
        # An empty value breaks both `minLength` and a pattern: say it once.
        return list(dict.fromkeys(_explain(error) for error in errors))


def _compiled(vocab: dict[str, Any], kinds: list[str]) -> dict[str, Any]:
    """jsonschema-rs validators of each kind over the same resources; none where it
    is not installed (every verdict then comes from jsonschema alone)."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a platform without its wheel
        return {}
    resources = [(uri, schema) for uri, schema in _static_resources()] + [(PARTNERSHIP, vocab)]
    shared = jsonschema_rs.Registry(resources)
    return {
        kind: jsonschema_rs.validator_for(load_schema(kind), registry=shared, validate_formats=True,
                                          formats={"past-date": _not_after_today})
        for kind in kinds
    }


def _not_after_today(value: object) -> bool:
    """The `past-date` format: a real date that is not after today (other formats
    and types are other keywords' business)."""
    if not isinstance(value, str):
        return True
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return True  # not a date at all: the `date` format says so
    return day <= date.today()


def _format_checker() -> Any:
    """JSON Schema's formats, and `past-date`: a real date that is not after today."""
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker(())
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)

    checker.checks("past-date")(_not_after_today)
    return checker


def check_config(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems with a parsed lcspr.toml, as (dotted field, message)."""
    problems = Validator(vocabulary()).check("config", raw)
    return [(p.dotted or "(top level)", p.message) for p in problems]


def _order(path: Iterable[Any]) -> tuple[str, ...]:
    return tuple(f"{p:08d}" if isinstance(p, int) else str(p) for p in path)


def _explain(error: Any) -> SchemaProblem:
    """Turn a jsonschema error into a message a secretariat can act on."""
    from jsonschema.exceptions import best_match

    if error.validator in ("anyOf", "oneOf") and error.context:
        null_branch = [e for e in error.context if e.validator == "type" and e.validator_value == "null"]
        rest = [e for e in error.context if e not in null_branch]
        if rest:
            inner = _explain(best_match(rest))
            return SchemaProblem(tuple(error.absolute_path), inner.message)
    where = tuple(error.absolute_path)
    if "propertyNames" in error.absolute_schema_path:
        where = (*where, error.instance)  # point at the bad name itself, not its mapping
    schema, value = error.schema, error.instance
    validator = error.validator
    if validator == "enum":
        title = schema.get("title")
        known = [str(v) for v in schema["enum"]]
        label = f"a known {title}" if title else "one of the allowed values"
        hint = did_you_mean(str(value), known)
        return SchemaProblem(where, f"{value!r} is not {label} (known: {', '.join(known)}){hint}")
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return SchemaProblem(where, f"`{missing}` is missing: add it")
    if validator == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        extra = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        name = extra[0] if extra else "?"
        return SchemaProblem(
            (*where, name), f"`{name}` is not a field here (fields: {', '.join(allowed)}){did_you_mean(name, allowed)}"
        )
    if validator == "format" and schema.get("format") == "past-date":
        return SchemaProblem(where, f"{value!r} is in the future (today is {date.today().isoformat()}): this date "
                                    "records something that has happened; correct it")
    if validator == "format" and schema.get("format") == "date":
        return SchemaProblem(where, f"{value!r} is not a real date: write it YYYY-MM-DD, e.g. 2026-11-26")
    if validator in ("minLength", "minItems", "minProperties", "pattern") and not value:
        return SchemaProblem(where, "is empty: fill it in")
    if validator == "pattern":
        description = schema.get("description", f"text matching {schema['pattern']}")
        return SchemaProblem(where, f"{value!r} is not valid here: expected {description[0].lower()}{description[1:]}")
    if validator == "type":
        expected = schema["type"]
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        words = {"string": "text", "object": "a mapping of fields", "array": "a list", "boolean": "true or false",
                 "integer": "a whole number", "null": "empty"}
        return SchemaProblem(where, f"{value!r} should be {words.get(wanted, wanted)}")
    if validator == "uniqueItems":
        return SchemaProblem(where, "lists the same entry twice: remove the repeat")
    return SchemaProblem(where, error.message)


