"""The workflow is data: the default validates, a partnership's own file replaces
it, and a broken one is refused with `file:line` errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import add_case, count, run
from lcspr import workflow
from lcspr.errors import WorkflowError
from lcspr.rules import RULES

DEFAULT_TEXT = workflow.DEFAULT_WORKFLOW.read_text(encoding="utf-8")

SMALL = """\
version: 1
initial: referral-received
levels: [local]
states:
  referral-received:
    title: Referral received
  triage:
    title: Triage by the partnership
    requires:
      - field: agencies_involved
  closed:
    title: Closed
transitions:
  - from: [referral-received]
    to: triage
    by: [secretariat]
  - from: [triage]
    to: closed
    by: [lig-chair]
    sets: {level: local}
    stamps: [dates.closed]
"""


def use_workflow(root: Path, text: str) -> None:
    (root / "workflow.yaml").write_text(text, encoding="utf-8")
    with open(root / "lcspr.toml", "a", encoding="utf-8") as toml:
        toml.write('\n[overrides]\nworkflow = "workflow.yaml"\n')


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def test_the_default_workflow_validates_and_encodes_the_menu():
    flow = workflow.load()
    assert flow.initial == "referral-received"
    assert flow.levels == ("safeguarding-leads", "level-1", "level-2", "level-3", "level-4", "no-further-action")
    for state in ("screening", "serious-incident-notified", "rapid-review-under-way", "rapid-review-sent",
                  "notification-criteria-not-met", "national-review-declined", "national-review-commissioned", "safeguarding-leads",
                  "single-agency-review", "partnership-workshop", "local-learning-review", "national-review",
                  "no-further-action", "report-drafting", "board-approval", "approved", "pre-publication",
                  "published", "not-published", "action-plan-monitoring", "on-hold", "closed"):
        assert state in flow.states
    named = {r.rule for state in flow.states for r in flow.requirements(state) if r.rule}
    named |= {r.rule for t in flow.transitions for r in t.requires if r.rule}
    assert named == set(RULES)


def test_every_transition_names_who_decides_it():
    for transition in workflow.load().transitions:
        assert transition.by


def test_unknown_state_in_a_transition_is_refused_with_its_line(records_root):
    text = DEFAULT_TEXT.replace("    to: rapid-review-sent\n", "    to: rapid-reveiw\n")
    use_workflow(records_root, text)
    result = run(records_root, "validate")
    assert result.exit_code == 1
    assert result.output == (
        "Error: the workflow is not valid:\n"
        f"workflow.yaml:{line_of(text, 'to: rapid-reveiw')}: transitions[4].to: 'rapid-reveiw' is not a state\n"
    )


def test_unknown_source_state_is_refused_with_its_line(records_root):
    text = DEFAULT_TEXT.replace("  - from: [referral-received, notification-criteria-not-met]\n",
                                "  - from: [refferal-received, notification-criteria-not-met]\n")
    use_workflow(records_root, text)
    result = run(records_root, "validate")
    assert result.exit_code == 1
    assert (f"workflow.yaml:{line_of(text, 'from: [refferal-received')}: transitions[0].from: "
            "'refferal-received' is not a state\n") in result.output


def test_a_bad_key_is_refused_with_its_line_and_a_suggestion(records_root):
    text = DEFAULT_TEXT.replace("    stamps: [dates.responses_requested]\n", "    stmps: [dates.responses_requested]\n", 1)
    use_workflow(records_root, text)
    result = run(records_root, "validate")
    assert result.exit_code == 1
    assert result.output == (
        "Error: the workflow is not valid:\n"
        f"workflow.yaml:{line_of(text, 'stmps:')}: transitions[0].stmps: `stmps` is not a field here "
        "(fields: from, to, by, sets, stamps, sends, requests, requires, hold, approves, keeps_approved, checks_publication, resume, recorded_by); did you mean 'stamps'?\n"
    )


def test_invalid_yaml_is_refused_with_its_line(records_root):
    text = SMALL.replace("    by: [secretariat]\n", "    by: [secretariat\n")
    use_workflow(records_root, text)
    result = run(records_root, "validate")
    assert result.exit_code == 1
    # YAML notices the missing `]` where the next key starts.
    line = line_of(text, "by: [secretariat") + 1
    assert result.output == (
        f"Error: workflow.yaml:{line}: not valid YAML, column 9: expected ',' or ']', but got ':'. "
        "Check the indentation and quoting on that line.\n"
    )


def test_an_unknown_rule_is_refused_when_the_workflow_loads(records_root):
    text = SMALL.replace("      - field: agencies_involved\n", "      - rule: panel-has-everyone\n")
    use_workflow(records_root, text)
    result = run(records_root, "validate")
    assert result.exit_code == 1
    assert result.output == (
        "Error: the workflow is not valid:\n"
        f"workflow.yaml:{line_of(text, 'rule: panel')}: states.triage.requires[0].rule: 'panel-has-everyone' "
        f"is not a rule lcspr knows (rules: {', '.join(sorted(RULES))})\n"
    )


def test_a_level_the_workflow_does_not_list_is_refused(records_root):
    text = SMALL.replace("sets: {level: local}", "sets: {level: regional}")
    use_workflow(records_root, text)
    with pytest.raises(WorkflowError) as caught:
        workflow.load(records_root / "workflow.yaml", "workflow.yaml")
    assert str(caught.value) == (
        "the workflow is not valid:\n"
        f"workflow.yaml:{line_of(text, 'sets:')}: transitions[1].sets.level: 'regional' is not one of the levels (local)"
    )


def test_a_missing_workflow_file_says_where_it_was_looked_for(records_root):
    with open(records_root / "lcspr.toml", "a", encoding="utf-8") as toml:
        toml.write('\n[overrides]\nworkflow = "flow.yaml"\n')
    result = run(records_root, "validate")
    assert result.exit_code == 1
    assert result.output == (
        "Error: flow.yaml: cannot be read (No such file or directory); check [overrides] workflow in lcspr.toml.\n"
    )


def test_a_custom_workflow_replaces_the_default(records_root):
    use_workflow(records_root, SMALL)
    add_case(records_root, "LIG-2026-010", "referral-received")
    before = count(records_root)

    result = run(records_root, "next", "LIG-2026-010")
    assert result.exit_code == 0
    assert result.output == (
        "triage (Triage by the partnership); decided by secretariat: 1 missing\n"
        "  - case.md is missing `agencies_involved`\n"
    )
    # The default's states are not states any more.
    result = run(records_root, "advance", "LIG-2026-010", "screening", "--reason", "Ask the agencies.")
    assert result.exit_code == 2
    assert result.output == ("Error: 'screening' is not a state of the workflow. "
                             "Legal next states: triage: Triage by the partnership.\n")

    result = run(records_root, "advance", "LIG-2026-010", "triage", "--reason", "Triage it.",
                 "--set", "agencies_involved=[police]", "--on", "2026-11-25")
    assert result.exit_code == 0, result.output
    result = run(records_root, "advance", "LIG-2026-010", "closed", "--reason", "Nothing to learn.",
                 "--by", "lig-chair", "--on", "2026-11-25")
    assert result.exit_code == 0, result.output
    text = (records_root / "cases/LIG-2026-010/case.md").read_text(encoding="utf-8")
    assert "status: closed\nlevel: local\n" in text
    assert "  closed: 2026-11-25\n" in text
    assert count(records_root) == before + 2
    assert run(records_root, "next", "LIG-2026-010").output == "LIG-2026-010 is in a final state.\n"


def test_a_workflow_outside_the_repository_is_named_by_its_path(records_root, tmp_path):
    shared = tmp_path / "shared" / "workflow.yaml"
    shared.parent.mkdir()
    shared.write_text(SMALL.replace("    to: triage\n", "    to: triag\n"), encoding="utf-8")
    with open(records_root / "lcspr.toml", "a", encoding="utf-8") as toml:
        toml.write(f'\n[overrides]\nworkflow = "{shared}"\n')
    result = run(records_root, "validate")
    assert result.exit_code == 1
    # Named by its path and line; its text is not quoted (see test_symlinks).
    assert result.output == (
        f"Error: {shared} is not a valid workflow (at line {line_of(SMALL, 'to: triage')}). lcspr quotes nothing "
        "from a file outside the records repository; open the file to see what is wrong there, or copy it into "
        "the repository and run `lcspr validate` for each problem in full.\n"
    )
    shared.write_text(SMALL, encoding="utf-8")
    assert run(records_root, "validate").exit_code == 0
