"""The Word templates: rebuilt from their source, they match the committed files; they
carry the header, footer, marking and properties a partnership's form needs; and the
variables they use are exactly those lcspr provides, from every field of the schemas."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx_outline import header_footer, outline, properties

from lcspr import document_context, documents, records, templates_build
from lcspr.resources import resource_dir

KINDS = ("referral", "response", "report")
SHIPPED = resource_dir("templates")


def test_committed_templates_match_their_source(tmp_path: Path) -> None:
    built = templates_build.build_all(tmp_path)
    assert sorted(p.name for p in built) == ["referral-response.docx", "referral.docx", "review-report.docx"]
    for path in built:
        assert outline(path) == outline(SHIPPED / path.name), (
            f"templates/{path.name} differs from lcspr/templates_build.py: run "
            "`python -m lcspr.templates_build templates` and commit the result"
        )


def test_rebuilding_an_unchanged_template_changes_no_byte(tmp_path: Path) -> None:
    first = templates_build.build("report", tmp_path / "a.docx").read_bytes()
    second = templates_build.build("report", tmp_path / "b.docx").read_bytes()
    assert first == second


@pytest.mark.parametrize("kind", KINDS)
def test_header_has_partnership_and_case_and_footer_numbers_pages(kind: str) -> None:
    parts = header_footer(SHIPPED / documents.DOCUMENTS[kind].template)
    assert "{{ partnership }}\t{{ case_id }}" in parts["header"]
    assert "Page 1 of 1" in parts["footer"]
    assert parts["footer_fields"] == ["PAGE", "NUMPAGES"]


@pytest.mark.parametrize("kind", KINDS)
def test_working_papers_are_marked_official_sensitive_and_the_report_only_as_a_draft(kind: str) -> None:
    parts = header_footer(SHIPPED / documents.DOCUMENTS[kind].template)
    if kind in ("referral", "response"):
        assert parts["header"][0] == parts["footer"][-1] == "OFFICIAL-SENSITIVE"
    else:
        draft = ["{%p if draft %}", templates_build.DRAFT_MARKING, "{%p endif %}"]
        assert parts["header"][:3] == parts["footer"][-3:] == draft


@pytest.mark.parametrize("kind", KINDS)
def test_template_properties_name_the_partnership_not_a_person_or_library(kind: str) -> None:
    path = SHIPPED / documents.DOCUMENTS[kind].template
    props = properties(path)
    assert props["author"] == props["last_modified_by"] == templates_build.EXAMPLE_PARTNERSHIP
    assert props["comments"] == ""
    assert props["title"] == templates_build.TEMPLATES[kind].title
    with zipfile.ZipFile(path) as package:
        metadata = package.read("docProps/core.xml") + package.read("docProps/app.xml")
    assert b"python-docx" not in metadata
    assert b"Steve" not in metadata
    assert f"<Company>{templates_build.EXAMPLE_PARTNERSHIP}</Company>".encode() in metadata


def test_templates_are_built_with_the_given_partnership(tmp_path: Path) -> None:
    path = templates_build.build("referral", tmp_path / "r.docx", partnership="Isle of Example SCP")
    assert properties(path)["author"] == "Isle of Example SCP"


def test_the_build_command_writes_the_three_templates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert templates_build.main([str(tmp_path / "mine")]) == 0
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == [
        "referral-response.docx", "referral.docx", "review-report.docx",
    ]
    assert "Wrote" in capsys.readouterr().out


# --- templates and data cannot drift apart ---------------------------------------


def _context(examples: Any, kind: str) -> dict[str, Any]:
    case = records.read_case(examples.config, "LIG-2026-001")
    return document_context.build(examples.config, case, kind, "police" if kind == "response" else None)


@pytest.mark.parametrize("kind", KINDS)
def test_each_template_uses_only_variables_lcspr_provides(examples: Any, kind: str) -> None:
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(SHIPPED / documents.DOCUMENTS[kind].template))
    used = tpl.get_undeclared_template_variables(documents.environment())
    assert {"partnership", "case_id", kind} <= used <= set(document_context.VARIABLES[kind])
    assert set(_context(examples, kind)) == set(document_context.VARIABLES[kind])


def test_docs_describe_every_variable(examples: Any) -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "documents.md").read_text(encoding="utf-8")
    context = {}
    for kind in KINDS:
        context.update(_context(examples, kind))
    missing = [path for path in _paths(context) if f"`{path}`" not in docs]
    assert not missing, f"docs/documents.md does not describe {missing}"


def _paths(value: Any, prefix: str = "") -> list[str]:
    """Every dotted variable path of a context (list items as `name[].key`)."""
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.append(path)
            out.extend(_paths(item, path))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        out.extend(_paths(value[0], prefix + "[]"))
    return out


# Fields of the schemas that no document shows, and why. Every other field must be
# read when the documents' values are built: a field added to a schema fails
# test_every_schema_field_is_shown_or_left_out_on_purpose until it is shown or listed here.
NOT_SHOWN: dict[str, dict[str, str]] = {
    "case": {
        "id": "shown as case_id (validation checks it equals the folder name)",
        "status": "a workflow state, not a fact of any form",
        **{f"publication_check.accepted[].{name}": "an acceptance of a publication-check finding is the record's, never printed"
           for name in ("finding", "kind", "document", "by", "reason", "on")},
        "agencies_involved": "the referral lists the agencies; the report, those that responded",
        "criminal_investigation": "changes over time and is not for a publishable report",
        "dates.responses_requested": "each response shows when it was requested",
        "dates.closed": "comes after every document",
        "serious_incident.aware": "the rapid review is its own document",
        "serious_incident.notified": "the rapid review is its own document",
        "serious_incident.rapid_review": "the rapid review is its own document",
        **{f"serious_incident.{name}": "the notification and the rapid review are their own documents"
           for name in ("reference", "nature", "criteria_not_met", "outcome", "learning", "panel_response.date",
                        "panel_response.agrees", "panel_response.summary")},
        "dates.national_referral": "a national review's report is the National Panel's",
        "pre_publication.late": "a fact of the record (counted in the figures), not of the report",
        "on_hold.expected_resumption": "a workflow state, not a fact of any form",
        "on_hold.revised_timescale": "a workflow state, not a fact of any form",
        "on_hold.days": "a workflow state, not a fact of any form",
        "safeguarding_leads.meeting": "that route has no review report",
        "safeguarding_leads.outcome": "that route has no review report",
        "single_agency.findings_shared": "a step of the process, not of the report",
        "workshop.practitioners[].role": "the report does not list who attended the workshop",
        "workshop.practitioners[].agency": "the report does not list who attended the workshop",
        "workshop.practitioners[].representative": "the report does not list who attended the workshop",
        "national_review.criteria": "a national review's report is the National Panel's",
        "national_review.decision": "a national review's report is the National Panel's",
        "national_review.decided": "a national review's report is the National Panel's",
        "on_hold.since": "a workflow state, not a fact of any form",
        "on_hold.reason": "a workflow state, not a fact of any form",
        "on_hold.previous": "a workflow state, not a fact of any form",
        "on_hold.resumed": "a workflow state, not a fact of any form",
        "action_plan.started": "monitoring follows publication",
        "action_plan.completed": "monitoring follows publication",
        "action_plan.reviewed": "monitoring follows publication",
        "action_plan.open_actions_reason": "monitoring follows publication",
        "serious_incident.nature": "the register and the figures count it; no form asks for it again",
        "themes": "the register and the figures count them; the report states its learning in its findings",
        "learning_shared[].date": "learning is shared after the report",
        "learning_shared[].kind": "learning is shared after the report",
        "learning_shared[].what": "learning is shared after the report",
    },
    "referral": {"case": "shown as case_id"},
    "response": {"case": "shown as case_id"},
    "report": {"case": "shown as case_id"},
}


def test_every_schema_field_is_shown_or_left_out_on_purpose(examples: Any) -> None:
    config = examples.config
    seen: dict[str, set[str]] = {kind: set() for kind in NOT_SHOWN}
    level_two = records.read_case(config, "LIG-2026-002").data
    variants = [
        {"approval": {"body": "board", "date": "2026-09-03"}, "pre_publication": {"sent": "2026-09-10"},
         "publication": {"published": True, "date": "2026-09-21", "url": "https://scp.example.org/r"}},
        {"reviewer": {"kind": "partnership-agency", "agency": "police", "role": "Reviewer"},
         "publication": {"published": False, "reason_not_published": "Court order.",
                         "improvements_published": "A summary."}},
        {"reviewer": None, "workshop": level_two["workshop"]},
        {"reviewer": None, "single_agency": {"lead_agency": "icb", "health_review": True,
                                             "signed_off_by": "Chief Nurse"}},
    ]
    for changes in variants:
        for kind, agency in (("referral", None), ("response", "police"), ("report", None)):
            case = records.read_case(config, "LIG-2026-001")
            data = dict(case.files["case"].data, **changes)
            case.files["case"].data = _Recorder({k: v for k, v in data.items() if v is not None}, "", seen["case"])
            for file_kind, md in case.files.items():
                if file_kind != "case":
                    md.data = _Recorder(md.data, "", seen[file_kind.split(":")[0]])
            document_context.build(config, case, kind, agency)
    problems = []
    for kind, schema in (("case", "case"), ("referral", "referral"), ("response", "referral-response"),
                         ("report", "review-report")):
        fields = _leaves(json.loads((resource_dir("schemas") / f"{schema}.schema.json").read_text()))
        for field in sorted(fields - seen[kind] - set(NOT_SHOWN[kind])):
            problems.append(f"{schema}.schema.json field `{field}` is neither shown by a document nor in NOT_SHOWN")
        for field in sorted(set(NOT_SHOWN[kind]) & seen[kind]):
            problems.append(f"`{field}` of {schema}.schema.json is shown, so remove it from NOT_SHOWN")
        for field in sorted(set(NOT_SHOWN[kind]) - fields):
            problems.append(f"`{field}` in NOT_SHOWN is not a field of {schema}.schema.json")
    assert not problems, "\n".join(problems)


class _Recorder(dict):  # type: ignore[type-arg]
    """A mapping that records the dotted path of every key read from it (present or not)."""

    def __init__(self, data: dict[str, Any], path: str, seen: set[str]) -> None:
        super().__init__(data)
        self._path, self._seen = path, seen

    def _read(self, key: str, value: Any) -> Any:
        path = f"{self._path}.{key}" if self._path else key
        self._seen.add(path)
        if isinstance(value, dict):
            return _Recorder(value, path, self._seen)
        if isinstance(value, list):
            return [_Recorder(v, path + "[]", self._seen) if isinstance(v, dict) else v for v in value]
        return value

    def __getitem__(self, key: str) -> Any:
        return self._read(key, super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self._read(key, super().get(key, default))


def _leaves(schema: dict[str, Any]) -> set[str]:
    """The dotted paths of every leaf field a schema defines (list items as `[]`)."""
    defs = json.loads((resource_dir("schemas") / "defs.schema.json").read_text())["$defs"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref", "")
        if ref.startswith("defs.schema.json#/$defs/") or ref.startswith("#/$defs/"):
            return resolve(defs[ref.rsplit("/", 1)[1]])
        return node

    def walk(node: dict[str, Any], path: str) -> set[str]:
        node = resolve(node)
        if "properties" in node:
            return set().union(*(walk(child, f"{path}.{key}" if path else key)
                                 for key, child in node["properties"].items()))
        if node.get("type") == "array" and "properties" in resolve(node.get("items", {})):
            return walk(node["items"], path + "[]")
        return {path}

    return walk(schema, "")
