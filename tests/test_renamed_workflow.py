"""A partnership that renames every state of the workflow gets the same behaviour:
no state's name is written in lcspr's code (issue: domain fidelity, the last point)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from conftest import EXAMPLES, add_case, git, run
from lcspr import workflow

CASE = "LIG-2026-010"

#: The whole case, as a secretariat would record it: (state, options).
STORY: list[tuple[str, tuple[str, ...]]] = [
    ("serious-incident-notified", ("--by", "secretariat", "--on", "2026-10-05")),
    ("rapid-review-under-way", ("--by", "secretariat", "--on", "2026-10-06")),
    ("rapid-review-sent", ("--by", "secretariat", "--on", "2026-10-20", "--set", "serious_incident.rapid_review=2026-10-20",
                           "--set", "serious_incident.outcome=lcspr")),
    ("partnership-workshop", ("--by", "lig", "--on", "2026-10-21")),
    ("on-hold", ("--by", "lig", "--on", "2026-10-22")),
    ("partnership-workshop", ("--by", "lig", "--on", "2026-10-26")),
    ("report-drafting", ("--by", "secretariat", "--on", "2026-11-02", "--set", "workshop.date=2026-10-30")),
    ("board-approval", ("--by", "secretariat", "--on", "2026-11-03")),
    ("approved", ("--by", "board", "--on", "2026-11-04")),
    ("pre-publication", ("--by", "secretariat", "--on", "2026-11-05",
                         "--set", "dates.planned_publication=2026-11-12")),
    ("published", ("--by", "board", "--on", "2026-11-20", "--set", "publication.url=https://example.org/child-d")),
    ("action-plan-monitoring", ("--by", "secretariat", "--on", "2026-11-23")),
]

EXTRA = ("agencies_involved: [police, acute-trust, childrens-services]\n"
         "criminal_investigation: false\n"
         "serious_incident:\n  aware: 2026-10-01\n  notified: 2026-10-05\n  reference: SIN-2026-0042\n"
         "  nature: serious-harm\n"
         "lig_decision:\n  criteria: [a]\n  rationale: Learning for every agency.\n"
         "workshop:\n  lead:\n    role: Head of Service, Probation\n    agency: probation\n"
         "    independent_of_case: true\n"
         "  practitioners:\n    - role: Ward Sister\n      agency: acute-trust\n")


def renamed(text: str) -> tuple[str, dict[str, str]]:
    """The default workflow with every state (and former name) renamed, and the renaming."""
    data = yaml.safe_load(text)
    names = {name: f"stage-{i:02d}" for i, name in enumerate(data["states"])}
    for state in data["states"].values():
        if "aliases" in state:
            state["aliases"] = [f"old-{old}" for old in state["aliases"]]
    data["states"] = {names[name]: state for name, state in data["states"].items()}
    data["initial"] = names[data["initial"]]
    for t in data["transitions"]:
        t["from"] = [names[s] for s in t["from"]]
        t["to"] = names.get(t["to"], t["to"])  # "*": back to the state left
    for d in data["deadlines"]:
        d["stops_at"] = [names[s] for s in d.get("stops_at", [])]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True), names


def walk(root: Path, names: dict[str, str]) -> dict[str, object]:
    """Record the whole case in `root`, with the states called as `names` says; what it leaves."""
    report = (EXAMPLES / "LIG-2026-001" / "report.md").read_text(encoding="utf-8").replace("LIG-2026-001", CASE)
    add_case(root, CASE, names["referral-received"], EXTRA)
    steps = []
    for state, options in STORY:
        if state == "report-drafting":
            (root / "cases" / CASE / "report.md").write_text(report, encoding="utf-8")
            git(root, "add", "-A")
            git(root, "commit", "-qm", "The reviewer's draft report.")
        ready = json.loads(run(root, "next", CASE, "--format", "json").output)
        result = run(root, "advance", CASE, names[state], "--reason", f"Step {len(steps)}.", *options)
        assert result.exit_code == 0, f"{state} ({names[state]}): {result.output}"
        said = re.sub(r"commit [0-9a-f]{10}", "commit ...", result.output)
        steps.append({"ready": sorted(o["state"] for o in ready if not o["missing"]), "said": said})
    closing = run(root, "advance", CASE, names["closed"], "--by", "lig", "--reason", "Done.", "--on", "2026-11-25",
                  "--set", "serious_incident.panel_response.date=2026-11-02",
                  "--set", "serious_incident.panel_response.summary=The Panel agreed with a local review.")
    history = json.loads(run(root, "history", CASE, "--format", "json").output)
    return {
        "steps": steps,
        "closing": (closing.exit_code, re.sub(r"commit [0-9a-f]{10}", "commit ...", closing.output)),
        "case": (root / "cases" / CASE / "case.md").read_text(encoding="utf-8"),
        "due": run(root, "due", "--on", "2026-11-25", "--format", "json").output,
        "moves": [(e["from"], e["to"], e["decided_by"], e["sent"] and len(e["sent"]), e["requested"])
                  for e in history],
        "documents": sorted(p.name for p in (root / "cases" / CASE / "documents").iterdir()),
        "audit": run(root, "audit").exit_code,
        "validate": run(root, "validate").exit_code,
    }


def test_a_workflow_with_every_state_renamed_behaves_the_same(tmp_path):
    from lcspr.repository import init

    default_root = init(tmp_path / "default", "Example Safeguarding Children Partnership", "LIG")
    renamed_root = init(tmp_path / "renamed", "Example Safeguarding Children Partnership", "LIG")
    text, names = renamed(workflow.DEFAULT_WORKFLOW.read_text(encoding="utf-8"))
    (renamed_root / "workflow.yaml").write_text(text, encoding="utf-8")
    with open(renamed_root / "lcspr.toml", "a", encoding="utf-8") as toml:
        toml.write('\n[overrides]\nworkflow = "workflow.yaml"\n')
    git(renamed_root, "add", "-A")
    git(renamed_root, "commit", "-qm", "The partnership's own names for its states.")

    expected = walk(default_root, {name: name for name in names})
    found = walk(renamed_root, names)

    def as_default(value: str) -> str:
        for old, new in sorted(names.items(), key=lambda item: -len(item[1])):
            value = value.replace(new, old)
        return value

    # The story is a whole case: sent, published, its action plan monitored and closed.
    assert expected["closing"][0] == 0, expected["closing"]
    assert "\nstatus: closed\n" in expected["case"] and "  late: true\n" in expected["case"]
    assert any(name.endswith("pre-publication.docx") for name in expected["documents"])
    assert len(expected["moves"]) == len(STORY) + 2
    assert expected["audit"] == found["audit"] == 0
    assert expected["validate"] == found["validate"] == 0
    assert f"\nstatus: {names['closed']}\n" in str(found["case"])  # the renamed workflow was the one used
    found = json.loads(as_default(json.dumps(found, sort_keys=True)))
    expected = json.loads(json.dumps(expected))
    for steps in (found["steps"], expected["steps"]):
        for step in steps:
            step["ready"].sort()
    for key in expected:
        assert found[key] == expected[key], key
