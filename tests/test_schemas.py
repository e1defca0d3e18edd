"""The JSON Schemas (issue 2, point 4) and the examples that must satisfy them (point 8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import PROJECT, git, run
from lcspr import config, schemas
from lcspr.repository import open_repository
from lcspr.resources import resource_dir

SCHEMA_DIR = resource_dir("schemas")
SCHEMA_PATHS = sorted(SCHEMA_DIR.glob("*.schema.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def walk(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every (JSON pointer, sub-schema) in a schema document."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}/{index}")


def test_the_schemas_folder_holds_every_file_kind():
    assert sorted(p.name for p in SCHEMA_PATHS) == sorted({*schemas.SCHEMA_FILES.values(), "defs.schema.json"})


@pytest.mark.parametrize("path", SCHEMA_PATHS, ids=lambda p: p.name)
def test_each_schema_is_draft_2020_12_with_an_id(path):
    from jsonschema import Draft202012Validator

    schema = load(path)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == schemas.BASE + path.name
    Draft202012Validator.check_schema(schema)
    assert schema.get("description")


@pytest.mark.parametrize("path", SCHEMA_PATHS, ids=lambda p: p.name)
def test_every_property_and_definition_has_a_description(path):
    missing = []
    for where, node in walk(load(path)):
        for group in ("properties", "$defs"):
            for name, sub in node.get(group, {}).items() if isinstance(node.get(group), dict) else []:
                if not (isinstance(sub, dict) and sub.get("description")):
                    missing.append(f"{where}/{group}/{name}")
    assert missing == []


@pytest.mark.parametrize("path", SCHEMA_PATHS, ids=lambda p: p.name)
def test_every_ref_resolves(path, examples):
    registry = schemas.registry(schemas.vocabulary(agencies=["police"], roles=["lig"], statuses=["s"], levels=["l"]))
    resolver = registry.resolver(base_uri=load(path)["$id"])
    refs = [node["$ref"] for _, node in walk(load(path)) if isinstance(node.get("$ref"), str)]
    assert refs
    for ref in refs:
        assert resolver.lookup(ref).contents is not None, ref


def test_partnership_lists_are_not_copied_into_the_schemas(examples):
    vocabularies = {
        "agencies": set(config.DEFAULT_AGENCIES),
        "roles": set(config.DEFAULT_ROLES),
        "statuses": set(examples.workflow.states),
        "levels": set(examples.workflow.levels),
    }
    for path in SCHEMA_PATHS:
        for where, node in walk(load(path)):
            if "enum" not in node:
                continue
            values = set(node["enum"])
            for name, vocabulary in vocabularies.items():
                assert values != vocabulary, f"{path.name}{where} copies the {name}"
                if name != "roles":  # `approval.body` names bodies (lig, board, agency), not the roles list
                    assert not values & vocabulary, f"{path.name}{where} holds some of the {name}"
    text = "\n".join(p.read_text() for p in SCHEMA_PATHS)
    assert "childrens-services\"," not in text and "referral-received" not in text and "level-2\"" not in text


def test_agencies_come_from_lcspr_toml(records_root):
    path = records_root / "lcspr.toml"
    text = path.read_text().replace('police = "Police"\n', 'constabulary = "Example Constabulary"\n')
    path.write_text(text.replace('police = ["police"]', 'police = ["constabulary"]'))
    validator = open_repository(records_root).validator
    referral = {"case": "LIG-2026-001", "referring_agency": "constabulary", "date": "2026-01-02",
                "child": {"pseudonym": "Child A"}, "incident": {}}
    assert validator.check("referral", referral) == []
    problems = validator.check("referral", referral | {"referring_agency": "police"})
    assert [p.dotted for p in problems] == ["referring_agency"]
    assert problems[0].message.startswith("'police' is not a known agency (known: childrens-services, constabulary,")


def test_formats_are_asserted(examples):
    problems = examples.validator.check("response", {"case": "LIG-2026-001", "agency": "police", "date": "2026-02-30"})
    assert [(p.dotted, p.message) for p in problems] == [
        ("date", "'2026-02-30' is not a real date: write it YYYY-MM-DD, e.g. 2026-11-26")
    ]
    problems = examples.validator.check("response", {"case": "LIG-2026-001", "agency": "police", "date": "20260201"})
    assert [p.dotted for p in problems] == ["date"]


def test_shared_definitions_apply_through_refs(examples):
    problems = examples.validator.check("report", {"case": "LIG-26-1", "title": ""})
    assert [(p.dotted, p.message) for p in problems] == [
        ("case", "'LIG-26-1' is not valid here: expected a case ID: the partnership's prefix, the year and a "
                 "three-digit number, e.g. LIG-2026-004."),
        ("title", "is empty: fill it in"),
    ]


def test_the_project_settings_are_valid():
    loaded = config.load(PROJECT)
    assert loaded.prefix == "LIG"
    assert loaded.agencies == config.DEFAULT_AGENCIES


def test_the_project_checkout_validates():
    result = run(PROJECT, "validate")
    assert (result.exit_code, result.output) == (0, "7 case(s) valid.\n")


def test_the_examples_cover_the_stages_and_the_fields(examples):
    """At least three cases at different stages; one Level 3 with three responses and a report."""
    from lcspr import records

    cases = {case_id: records.read_case(examples.config, case_id) for case_id in records.case_ids(examples.config)}
    assert len(cases) >= 3
    assert len({case.status for case in cases.values()}) == len(cases)
    level3 = [c for c in cases.values() if c.data.get("level") == "level-3"]
    assert level3 and len(level3[0].responses()) >= 3 and "report" in level3[0].files
    assert all(md.data.get("chronology") for md in level3[0].responses().values())
    used = set()
    for case in cases.values():
        for kind, md in case.files.items():
            used |= {(kind.split(":")[0], key) for key in md.data}
    for kind, field in [("case", "serious_incident"), ("case", "workshop"), ("case", "panel"), ("case", "reviewer"),
                        ("case", "lig_decision"), ("referral", "criteria"), ("response", "involvement"),
                        ("report", "recommendations"), ("report", "terms_of_reference")]:
        assert (kind, field) in used, f"no example uses {kind} {field}"


def _schema_paths(schema: dict, prefix: tuple = ()) -> set[tuple]:
    """Every property path a schema defines inline (through properties and items)."""
    found = set()
    for name, sub in schema.get("properties", {}).items():
        found.add(prefix + (name,))
        found |= _schema_paths(sub, prefix + (name,))
        if isinstance(sub.get("items"), dict):
            found |= _schema_paths(sub["items"], prefix + (name,))
    return found


def _data_paths(data, prefix: tuple = ()) -> set[tuple]:
    found = set()
    if isinstance(data, dict):
        for key, value in data.items():
            found.add(prefix + (key,))
            found |= _data_paths(value, prefix + (key,))
    elif isinstance(data, list):
        for item in data:
            found |= _data_paths(item, prefix)
    return found


@pytest.mark.parametrize("kind, schema, pattern", [
    ("case", "case.schema.json", "*/case.md"),
    ("referral", "referral.schema.json", "*/referral.md"),
    ("response", "referral-response.schema.json", "*/responses/*.md"),
    ("report", "review-report.schema.json", "*/report.md"),
])
def test_every_field_is_used_by_some_example(kind, schema, pattern):
    """The examples exercise every field their schema defines, so the demo, the
    documents and the tests see each one."""
    from lcspr import mdfile

    used = set()
    for path in (PROJECT / "cases").glob(pattern):
        used |= _data_paths(mdfile.read(path).data)
    unused = sorted(".".join(p) for p in _schema_paths(load(SCHEMA_DIR / schema)) - used)
    assert unused == [], f"no example {kind} file uses: {', '.join(unused)}"


def test_the_examples_hold_no_real_names():
    """Pseudonyms only: every subject and child is named by a pseudonym the schema accepts."""
    import re

    pattern = re.compile(load(SCHEMA_DIR / "defs.schema.json")["$defs"]["pseudonym"]["pattern"])
    from lcspr import mdfile

    for path in (PROJECT / "cases").rglob("*.md"):
        data = mdfile.read(path).data
        names = [s.get("pseudonym") for s in data.get("subjects", [])] + [data.get("child", {}).get("pseudonym")]
        for name in filter(None, names):
            assert pattern.match(name), f"{path}: {name!r}"


def test_examples_are_committed(examples_root):
    assert git(examples_root, "status", "--porcelain") == ""


# --- the compiled validator and jsonschema agree ------------------------------------------


def _mutations(data):
    """Variants of a valid file's data, most of them invalid: every field removed, retyped,
    emptied or given a bad value; every date malformed, impossible or in the future."""
    import copy
    import re

    def walk(node, path=()):
        yield path, node
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, (*path, i))

    def changed(path, value=None, remove=False):
        result = copy.deepcopy(data)
        node = result
        for part in path[:-1]:
            node = node[part]
        if remove:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return result

    for path, value in list(walk(data)):
        if not path:
            continue
        if isinstance(path[-1], str):
            yield changed(path, remove=True)
        for other in (123, "", None, True, [], {"x": 1}, "not a known value"):
            yield changed(path, other)
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            for bad in ("2026-02-30", "2099-01-01", "31/10/2026", "2026-1-5"):
                yield changed(path, bad)
        if isinstance(value, dict):
            yield changed((*path, "unknown_field"), "x")
    extra = copy.deepcopy(data)
    extra["unknown_field"] = "x"
    yield extra


def test_the_compiled_validator_and_jsonschema_give_the_same_verdicts(examples):
    from lcspr import mdfile, records
    from lcspr.validation import file_kind

    validator = examples.validator
    compared = invalid = 0
    for case_id in records.case_ids(examples.config):
        for kind, path in records.case_paths(examples.config.cases_dir / case_id).items():
            data = mdfile.read(path).data
            for variant in [data, *_mutations(data)]:
                fast = validator.is_valid(file_kind(kind), variant)
                assert fast is not None, "jsonschema-rs is a dependency and must be installed"
                slow = not list(validator._validators[file_kind(kind)].iter_errors(variant))
                assert fast == slow, (path, variant)
                compared += 1
                invalid += not slow
    assert compared > 2000 and invalid > 1000, (compared, invalid)
