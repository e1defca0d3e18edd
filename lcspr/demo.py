"""`python -m lcspr.demo FOLDER`: a whole case, from referral to publication, on fictional data.

Runs the real `lcspr` command line in a scratch records repository and shows
each command as the secretariat would type it. Where a reviewer would write a
file in their editor and commit it by hand, the demo does the same and says so.
Everything here is fictional and pseudonymised.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path


CASE = "LIG-2026-004"

REFERRAL = """---
case: LIG-2026-004
referring_agency: police
referrer_role: Detective Inspector, Public Protection
safeguarding_lead_agreed: true
date: 2026-09-01
child:
  pseudonym: Child D
  age_band: 5-10
incident:
  kind: serious-harm
  date: 2026-08-27
  abuse_or_neglect: known
  child_lives_in: the south of the partnership area
  happened_in: the family home
agencies_involved: [police, childrens-services, education]
criteria:
  - criterion: c
    why: The school and children's services each knew of the neglect; neither knew what the other knew.
---
# Referral to the Learning and Inquiry Group

## What happened

Child D was found to have been *seriously neglected* over several months.

## Learning identified

How schools and children's services share concerns about neglect.
"""

RESPONSE = """---
case: LIG-2026-004
agency: {agency}
responder_role: {role}
requested: 2026-09-02
date: 2026-09-10
involvement:
  from: 2026-01-05
  to: 2026-08-27
  nature: {nature}
chronology:
  - date: {d1}
    event: {e1}
    significance: {s1}
  - date: {d2}
    event: {e2}
    significance: {s2}
---
## Concerns

{concern}

## Good practice

Concerns were recorded promptly.

## Learning for the agency

- Share concerns about neglect with the other agencies involved.
"""

RESPONSES = {
    "police": dict(role="Detective Sergeant, Child Abuse Investigation", nature="Welfare check and investigation.",
                   d1="2026-04-14", e1="Welfare check after a neighbour's call; home conditions poor.",
                   s1="Notification sent to children's services.", d2="2026-08-27",
                   e2="Child D found alone and unwell; protected.", s2="Investigation opened.",
                   concern="The April notification was not followed up by a joint visit."),
    "childrens-services": dict(role="Team Manager, Assessment Service", nature="Referral screening; assessment.",
                               d1="2026-04-15", e1="Police notification screened; no further action.",
                               s1="School not consulted.", d2="2026-08-28", e2="Strategy discussion.",
                               s2="Child protection enquiry started.",
                               concern="Screening did not ask the school what it knew."),
    "education": dict(role="Designated Safeguarding Lead", nature="Primary school.",
                      d1="2026-02-02", e1="Child D arrives hungry on several mornings; recorded.",
                      s1="Breakfast club offered; no referral.", d2="2026-06-19",
                      e2="Attendance falls to 80%.", s2="Attendance letter sent.",
                      concern="Hunger and falling attendance were not seen together as neglect."),
}

REPORT = """---
case: LIG-2026-004
title: "Local Child Safeguarding Practice Review: Child D"
methodology_reason: A partnership workshop (Level 2) because the learning is about how three agencies shared concerns.
terms_of_reference:
  - What did each agency know about neglect of Child D?
  - Why were the school's concerns not joined with the police notification?
recommendations:
  - id: R1
    text: Children's services consult the school when screening a notification about a school-age child.
    owner: childrens-services
    target: 2027-03-31
  - id: R2
    text: Schools refer repeated hunger as a possible sign of neglect.
    owner: education
    target: 2027-02-28
---
## Background

Child D lived with a parent in the south of the partnership area.

## Key practice episodes

### The police welfare check in April 2026

Officers found poor home conditions and sent a notification.

## Findings

1. The school's knowledge never reached the front door.
2. Each agency saw one part of the picture.
"""


def step(command: list[str], cwd: Path, allow: tuple[int, ...] = (0,)) -> None:
    """Show a command as typed, run it, and stop the demo if it fails."""
    print(f"\n$ {shlex.join(command)}", flush=True)
    program = [sys.executable, "-m", "lcspr", *command[1:]] if command[0] == "lcspr" else command
    done = subprocess.run(program, cwd=cwd)
    if done.returncode not in allow:
        raise SystemExit(f"demo stopped: `{shlex.join(command)}` exited with {done.returncode}")


def reviewer_writes(root: Path, relative: str, text: str, message: str) -> None:
    """A reviewer writes a case file in their own editor and commits it by hand."""
    print(f"\n# A reviewer writes {relative} in their editor and commits it.", flush=True)
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    step(["git", "add", relative], root)
    step(["git", "commit", "-q", "-m", message], root)


def run(folder: Path, examples: Path) -> None:
    """Make a records repository at `folder`, import the example cases from
    `examples`, and carry a new case from referral to publication."""
    folder = folder.resolve()
    source = examples.resolve()
    step(["lcspr", "init", str(folder), "--partnership", "Example Safeguarding Children Partnership"], Path.cwd())
    root = folder
    step(["lcspr", "import", *[str(p) for p in sorted(source.glob("LIG-*"))],
          "--reason", "The partnership's fictional example cases"], root)
    step(["lcspr", "list"], root)
    step(["lcspr", "validate"], root)

    print("\n# A new referral arrives: Child D, referred by the police.")
    step(["lcspr", "new-case", "--title", "Child D", "--referred-by", "police", "--received", "2026-09-01"], root)
    print("\n# The secretariat registers the (fictional) names that must never be published, in a")
    print("# register outside the records repository ($LCSPR_IDENTITIES).")
    step(["lcspr", "identities", "add", CASE, "--kind", "child", "--value", "Jody Exampleton",
          "--pseudonym", "Child D"], root)
    step(["lcspr", "identities", "add", CASE, "--kind", "school", "--value", "Nowhere Primary School"], root)
    reviewer_writes(root, f"cases/{CASE}/referral.md", REFERRAL, "Complete the referral form of Child D")
    step(["lcspr", "advance", CASE, "screening", "--by", "secretariat", "--on", "2026-09-02",
          "--set", "agencies_involved=[police, childrens-services, education]",
          "--reason", "Referral-response forms requested from the three agencies involved."], root)
    for agency, values in RESPONSES.items():
        reviewer_writes(root, f"cases/{CASE}/responses/{agency}.md", RESPONSE.format(agency=agency, **values),
                        f"Referral response from {agency}")
    step(["lcspr", "next", CASE], root)
    step(["lcspr", "advance", CASE, "partnership-workshop", "--by", "lig-chair", "--on", "2026-09-15",
          "--set", "lig_decision.criteria=[c]",
          "--set", "lig_decision.rationale=The learning is about how three agencies shared concerns.",
          "--set", "workshop.lead.role=Head of Service, Probation",
          "--set", "workshop.lead.agency=probation",
          "--set", "workshop.lead.independent_of_case=true",
          "--reason", "Meets reg 11 (c): concerns about how agencies worked together. A half-day workshop is proportionate."], root)
    reviewer_writes(root, f"cases/{CASE}/report.md", REPORT, "Draft the review report of Child D")
    step(["lcspr", "advance", CASE, "report-drafting", "--by", "secretariat", "--on", "2026-10-06",
          "--set", "workshop.date=2026-10-06",
          "--set", "workshop.practitioners=[{role: Detective Sergeant, agency: police}, "
                   "{role: Social Worker, agency: childrens-services}, {role: Class Teacher, agency: education}]",
          "--reason", "The workshop was held with the practitioners involved."], root)
    step(["lcspr", "advance", CASE, "board-approval", "--by", "secretariat", "--on", "2026-10-20",
          "--reason", "Report sent to the Main Board for approval."], root)
    step(["lcspr", "advance", CASE, "approved", "--by", "board", "--on", "2026-11-03",
          "--reason", "Approved at the Main Board meeting."], root)
    print("\n# After the approval, a reviewer adds a finding to report.md and commits it.")
    report = root / "cases" / CASE / "report.md"
    reviewer_writes(root, f"cases/{CASE}/report.md",
                    report.read_text(encoding="utf-8") + "3. Nobody asked the school.\n", "Add a finding")
    print("\n# What goes to the National Panel must be what the Board approved: lcspr refuses.")
    step(["lcspr", "advance", CASE, "pre-publication", "--by", "secretariat", "--on", "2026-11-05",
          "--set", "dates.planned_publication=2026-11-17",
          "--reason", "Final report sent to the National Panel, the DfE and Ofsted."], root, allow=(1,))
    step(["lcspr", "advance", CASE, "board-approval", "--by", "secretariat", "--on", "2026-11-05",
          "--reason", "The report gained a finding after approval; back to the Board."], root)
    step(["lcspr", "advance", CASE, "approved", "--by", "board", "--on", "2026-11-06",
          "--reason", "The Board approved the report with the added finding."], root)
    step(["lcspr", "advance", CASE, "pre-publication", "--by", "secretariat", "--on", "2026-11-06",
          "--set", "dates.planned_publication=2026-11-17",
          "--reason", "Final report sent to the National Panel, the DfE and Ofsted."], root)
    step(["lcspr", "advance", CASE, "published", "--by", "secretariat", "--on", "2026-11-17",
          "--set", "publication.url=https://example.org/lcspr/child-d",
          "--reason", "Published on the partnership's website."], root)
    print("\n# Drafts go to drafts/, never over what was sent.")
    for kind in ("referral", "response", "report"):
        step(["lcspr", "render", CASE, kind], root)
    step(["lcspr", "history", CASE], root)
    step(["lcspr", "audit"], root)
    step(["lcspr", "list"], root)
    # `due` exits 3 when a deadline is overdue: that is its message, not a failure of the demo.
    step(["lcspr", "due"], root, allow=(0, 3))
    print("\n# For the Board: the register of every case, and the figures of a period with the cases")
    print("# each counts; the workbook goes to drafts/, which Git ignores.")
    step(["lcspr", "register"], root)
    step(["lcspr", "register", "--format", "xlsx", "-o", "drafts/register.xlsx"], root)
    step(["lcspr", "figures", "--from", "2025-01-01", "--to", "2026-11-20", "--explain"], root)
    step(["git", "status", "--short"], root)
    print(f"\nThe demo records repository is {root}; the documents sent are in {root / 'cases' / CASE / 'documents'},"
          f" the drafts in {root / 'drafts' / CASE}.")
    print(f"Try: cd {root} && git log --stat")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m lcspr.demo FOLDER EXAMPLES (the project's cases/ folder)")
    run(Path(sys.argv[1]), Path(sys.argv[2]))
