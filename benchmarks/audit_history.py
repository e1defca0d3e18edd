"""How close is `lcspr audit` to the cost of reading the history with Git alone?

Builds, in a scratch folder, a records repository (`lcspr init`, with role
holders in lcspr.toml [holders]) whose history holds at least 10,000 decision
commits, then times `lcspr audit --full` (the whole walk, not only what is new
since the verified point an audit saves) against
`git log --format='%H%x00%(trailers)' --name-only` over the same repository,
alternately, and prints the medians as a ratio measured in the same run, so the
figure does not depend on the machine. The target is at most 2x. Timings are
printed, never asserted.

    python benchmarks/audit_history.py [--decisions 10000] [--repeat 3] [--profile] [--check-all]
                                       [--keep FOLDER]   # build there, or reuse what an earlier run built

Besides time, it prints the peak memory of `lcspr audit --full` as GNU time
reports it (the largest of the process and of each child, so `git log`'s own
when that is larger) and of lcspr's own Python process alone, which must stay
flat as the history grows: a bounded look-ahead, bounded caches, and per case
only its latest state.

The history is made of realistic cases. A reference repository records one case
with the real `lcspr new-case`, reviewers' hand commits and `lcspr advance`
(the README's path, from referral to closed); the generator builds the same
decisions with one function per transition (`screening`, `approved`, ...) and
must write byte for byte what `advance` wrote (case.md, requested response
forms, the names of the documents sent, the message and every trailer, with
`Lcspr-Holder` and the blob IDs `Lcspr-Approved` pins, but `Lcspr-Recorded-At`),
or the benchmark stops. `--check-all` checks every variant of the path that way.
Each variant (the README path; the board sending the report back; an approved
report changed and approved again; on hold and resumed; no further action; a
safeguarding leads meeting) is built once and copied into cases with their own
ID, pseudonym and dates, written with one `git fast-import` stream, so a history
of 10,000 decisions takes seconds; `lcspr audit` must find it whole.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import pstats
import random
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LCSPR = Path(PYTHON).parent / "lcspr"  # the installed console script, as users run it
RECORDED = "@recorded@"  # stands for Lcspr-Recorded-At until a commit gets its time
BLOB = re.compile(r"@blob:([^@]+)@")  # a file's Git blob ID at that commit (for approvals that pin content)
DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
TITLE, SLUG = "Child D", "child-d"  # the demo's pseudonym, replaced in every copied case
REFERENCE_RECEIVED = date(2026, 3, 3)  # a Tuesday, 26 weeks before the demo's referral; every step is in the past
DEMO_RECEIVED = date(2026, 9, 1)


# --- an isolated environment --------------------------------------------------


def isolated_env(scratch: Path) -> dict[str, str]:
    """This process's environment with HOME, Git's global config and identity in `scratch`,
    so nothing reads or writes the user's settings or another repository."""
    home = scratch / "home"
    home.mkdir(exist_ok=True)  # kept from an earlier run with --keep
    (home / ".gitconfig").write_text("", encoding="utf-8")
    register = home / ".config" / "lcspr" / "identities.toml"  # the publication gate needs one
    register.parent.mkdir(parents=True, exist_ok=True)
    register.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        LCSPR_IDENTITIES=str(register),
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Secretariat (benchmark)",
        GIT_AUTHOR_EMAIL="secretariat@example.org",
        GIT_COMMITTER_NAME="Secretariat (benchmark)",
        GIT_COMMITTER_EMAIL="secretariat@example.org",
        LC_ALL="C",
    )
    return env


def run(env: dict[str, str], cwd: Path, *command: str, input: bytes | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, input=input, capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"benchmark stopped: `{shlex.join(command)}` exited with {done.returncode}:\n"
                         + done.stderr.decode(errors="replace") + done.stdout.decode(errors="replace"))
    return done.stdout.decode("utf-8", errors="replace")


def lcspr(env: dict[str, str], root: Path, *args: str) -> str:
    return run(env, root, str(LCSPR), *args)


#: Who holds the roles that decide, in lcspr.toml [holders]: decisions by them carry Lcspr-Holder.
HOLDERS = {"lig-chair": "Chair of the Learning and Inquiry Group", "board": "Independent Chair of the Main Board"}


def init_records(env: dict[str, str], root: Path) -> None:
    """`lcspr init`, then a hand commit naming the role holders ([holders] in lcspr.toml)."""
    lcspr(env, root.parent, "init", str(root), "--partnership", "Example Safeguarding Children Partnership", "--prefix", "LIG")
    toml = root / "lcspr.toml"
    table = "[holders]\n" + "".join(f'{role} = "{holder}"\n' for role, holder in HOLDERS.items())
    text, count = re.subn(r"^# \[holders\]\n(# .*\n)*", table, toml.read_text(encoding="utf-8"), count=1, flags=re.M)
    if not count:
        raise SystemExit("benchmark stopped: lcspr.toml from `lcspr init` has no commented [holders] table to fill")
    toml.write_text(text, encoding="utf-8")
    run(env, root, "git", "commit", "-q", "-m", "Name the holders of the deciding roles", "--", "lcspr.toml")


# --- one case's history, one function per transition ---------------------------


@dataclass
class Change:
    """One commit of a case: the files it writes (repository-relative), its message,
    and, for a decision, the `lcspr advance` arguments that record the same."""

    files: dict[str, str | bytes]
    message: str
    day: date
    advance: list[str] | None = None

    @property
    def is_decision(self) -> bool:
        return "\nLcspr-Action: " in self.message


@dataclass
class Draft:
    """A case as the generator writes it: its files and status so far."""

    repo: Any  # lcspr.repository.Repository of the reference repository (workflow, agencies)
    id: str
    status: str
    files: dict[str, str | bytes]

    def path(self, name: str) -> str:
        return f"cases/{self.id}/{name}"


@dataclass(frozen=True)
class Sent:
    """Stands for the bytes of a document a decision sends (known once the reference run has sent it)."""

    kind: str


def decide(draft: Draft, target: str, by: str, on: date, reason: str, sets: dict[str, Any] | None = None) -> Change:
    """The commit `lcspr advance ID target --by --on --reason --set ...` makes: the same
    case.md lines (decisions._updates, mdfile.set_fields), requested forms, sent documents
    (each under its own name, as documents.render_for_decision names it), approvals
    (`Lcspr-Approved`, its blob IDs as @blob:PATH@ until the commit's files are known)
    and the message trail.Decision writes."""
    from lcspr import decisions, documents, intake, mdfile, rules, trail
    from lcspr.approvals import approved_files

    sets = sets or {}
    path = draft.path("case.md")
    md = mdfile.parse(str(draft.files[path]), Path("case.md"), path)
    # The decision needs only these of a records.Case; the case is not on disk.
    case: Any = SimpleNamespace(id=draft.id, status=draft.status, data=md.data)
    workflow = draft.repo.workflow
    held = None
    if any(t.resume for t in workflow.transitions_from(draft.status)):
        held = str(rules.get(md.data, "on_hold.previous"))
    # Legality and role only: the requirements are the audit's to confirm on the generated history.
    verdict = trail.judge(workflow, draft.status, target, by, held)
    if not verdict.legal or verdict.transition is None:
        raise SystemExit(f"benchmark generator: {draft.status} -> {target} by {by}: {'; '.join(verdict.reasons)}")
    transition = verdict.transition
    updates = decisions._updates(case, transition, target, on.isoformat(), reason, sets, by)
    files: dict[str, str | bytes] = {path: mdfile.set_fields(md, {tuple(k.split(".")): v for k, v in updates.items()})}
    requested = []
    if "responses" in transition.requests:
        for agency in decisions._apply(md.data, updates).get("agencies_involved") or []:
            form = draft.path(f"responses/{agency}.md")
            if form not in draft.files:
                requested.append(agency)
                files[form] = intake.response_skeleton(draft.repo, draft.id, agency, on.isoformat())
    sent = []
    for kind in transition.sends:
        if kind == "response":
            raise SystemExit("benchmark generator: sending responses is not written yet (one .docx per agency)")
        stem = documents.file_name(draft.id, kind).removesuffix(".docx") + f"-{target}"
        document, n = draft.path(f"documents/{stem}.docx"), 1
        while document in draft.files or document in files:
            n += 1
            document = draft.path(f"documents/{stem}-{n}.docx")
        files[document] = Sent(kind)  # type: ignore[assignment]
        sent.append(document)
    folder = draft.path("")
    names = [p[len(folder):] for p in {**draft.files, **files} if p.startswith(folder)]
    approved = [(name, f"@blob:{draft.path(name)}@") for kind in transition.approves
                for name in approved_files(kind, names)]
    record = trail.Decision(
        action=trail.ADVANCE, case=draft.id, source=draft.status, target=target, decided_by=by,
        holder=draft.repo.config.holders.get(by, ""), decided_on=on.isoformat(), recorded_at=RECORDED,
        subject=f"{draft.id}: {draft.status} -> {target}", reason=reason,
        requested=requested, sent=sent, approved=approved,
    )
    args = ["advance", draft.id, target, "--by", by, "--on", on.isoformat(), "--reason", reason]
    for name, value in sets.items():
        args += ["--set", f"{name}={_cli_value(value)}"]
    draft.status = target
    return Change(files, record.message(), on, args)


def _cli_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)  # JSON is YAML flow style, which --set reads for [ and {
    return str(value)


def reviewer_writes(draft: Draft, name: str, text: str, message: str, on: date) -> Change:
    """A reviewer's hand commit of one case file (no trailers: not a decision)."""
    return Change({draft.path(name): text}, message + "\n", on)


def _demo_text(draft: Draft, name: str) -> str:
    """A file the README's walk-through has a reviewer write, about this case and moved
    to the reference dates."""
    from lcspr import demo

    text = demo.files((PROJECT / "README.md").read_text(encoding="utf-8"))[f"cases/{demo.CASE}/{name}"]
    return shift_dates(text.replace(demo.CASE, draft.id), REFERENCE_RECEIVED - DEMO_RECEIVED)


def write_referral(d: Draft, on: date) -> Change:
    return reviewer_writes(d, "referral.md", _demo_text(d, "referral.md"), f"Complete the referral form of {TITLE}", on)


def write_responses(d: Draft, on: date) -> Iterator[Change]:
    for agency in ("police", "childrens-services", "education"):
        text = _demo_text(d, f"responses/{agency}.md")
        yield reviewer_writes(d, f"responses/{agency}.md", text, f"Referral response from {agency}", on)


def write_report(d: Draft, on: date, revision: int = 0, why: str = "at the Main Board's request") -> Change:
    text = _demo_text(d, "report.md")
    if revision:
        text += f"\n## Revision {revision}\n\nThe findings were made clearer {why}.\n"
    return reviewer_writes(d, "report.md", text, f"{'Revise' if revision else 'Draft'} the review report of {TITLE}", on)


def screening(d: Draft, on: date) -> Change:
    return decide(d, "screening", "secretariat", on, "Referral-response forms requested from the three agencies involved.",
                  {"agencies_involved": ["police", "childrens-services", "education"]})


def partnership_workshop(d: Draft, on: date) -> Change:
    return decide(d, "partnership-workshop", "lig-chair", on,
                  "Meets reg 11 (c): concerns about how agencies worked together. A half-day workshop is proportionate.",
                  {"lig_decision.criteria": ["c"],
                   "lig_decision.rationale": "The learning is about how three agencies shared concerns.",
                   "workshop.lead.role": "Head of Service, Probation", "workshop.lead.agency": "probation",
                   "workshop.lead.independent_of_case": True})


def report_drafting(d: Draft, on: date) -> Change:
    return decide(d, "report-drafting", "secretariat", on, "The workshop was held with the practitioners involved.",
                  {"workshop.date": on.isoformat(),
                   "workshop.practitioners": [{"role": "Detective Sergeant", "agency": "police"},
                                              {"role": "Social Worker", "agency": "childrens-services"},
                                              {"role": "Class Teacher", "agency": "education"}]})


def board_approval(d: Draft, on: date) -> Change:
    return decide(d, "board-approval", "secretariat", on, "Report sent to the Main Board for approval.")


def sent_back(d: Draft, on: date) -> Change:
    return decide(d, "report-drafting", "board", on, "The Main Board asks for the findings to be made clearer.")


def back_to_board(d: Draft, on: date) -> Change:
    return decide(d, "board-approval", "secretariat", on, "The approved report changed after an agency's late correction; "
                  "it goes back to the Main Board.")


def approved(d: Draft, on: date) -> Change:
    return decide(d, "approved", "board", on, "Approved at the Main Board meeting.")


def pre_publication(d: Draft, on: date) -> Change:
    return decide(d, "pre-publication", "secretariat", on, "Final report sent to the National Panel, the DfE and Ofsted.",
                  {"dates.planned_publication": (on + timedelta(days=12)).isoformat()})


def published(d: Draft, on: date) -> Change:
    return decide(d, "published", "secretariat", on, "Published on the partnership's website.",
                  {"publication.url": f"https://example.org/lcspr/{SLUG}"})


def action_plan_monitoring(d: Draft, on: date) -> Change:
    return decide(d, "action-plan-monitoring", "lig", on, "The LIG monitors the action plan of the recommendations.")


def closed(d: Draft, on: date) -> Change:
    return decide(d, "closed", "lig-chair", on, "Every action of the plan is complete.")


def on_hold(d: Draft, on: date) -> Change:
    return decide(d, "on-hold", "lig-chair", on, "Parallel criminal proceedings: the review waits for the trial.")


def resume(d: Draft, on: date) -> Change:
    from lcspr import mdfile

    previous = mdfile.parse(str(d.files[d.path("case.md")]), Path("case.md"), "case.md").data["on_hold"]["previous"]
    return decide(d, previous, "lig-chair", on, "The trial has ended; the review resumes.")


def no_further_action(d: Draft, on: date) -> Change:
    return decide(d, "no-further-action", "lig-chair", on, "The criteria for a review are not met; learning shared with the agencies.",
                  {"lig_decision.rationale": "Single-agency learning; no multi-agency concern."})


def safeguarding_leads(d: Draft, on: date) -> Change:
    return decide(d, "safeguarding-leads", "lig-chair", on, "A Safeguarding Leads meeting is proportionate.",
                  {"safeguarding_leads.meeting": on.isoformat(),
                   "safeguarding_leads.outcome": "Learning shared with the designated safeguarding leads."})


Step = tuple[int, Callable[[Draft, date], Any]]  # (days after the referral, what happens: a Change or several)

_START: list[Step] = [(0, write_referral), (1, screening), (9, write_responses)]
_WORKSHOP: list[Step] = [(14, partnership_workshop), (30, write_report), (35, report_drafting), (49, board_approval)]
_TO_CLOSE: list[Step] = [(63, approved), (65, pre_publication), (77, published), (84, action_plan_monitoring), (140, closed)]


def _later(steps: list[Step], days: int) -> list[Step]:
    return [(day + days, step) for day, step in steps]


#: The paths cases take, with how often (weights). Every one is legal and complete.
VARIANTS: dict[str, tuple[int, list[Step]]] = {
    "readme-path": (40, _START + _WORKSHOP + _TO_CLOSE),
    "sent-back": (15, _START + _WORKSHOP + [(56, sent_back), (60, lambda d, on: write_report(d, on, 1)),
                                            (63, board_approval)] + _later(_TO_CLOSE, 14)),
    "re-approved": (5, _START + _WORKSHOP + [(63, approved), (70, lambda d, on: write_report(d, on, 1, "after an "
                                              "agency's late correction")), (72, back_to_board), (84, approved)]
                    + _later(_TO_CLOSE[1:], 21)),
    "on-hold": (10, _START + [(14, partnership_workshop), (21, on_hold), (70, resume)]
                + _later(_WORKSHOP[1:] + _TO_CLOSE, 49)),
    "no-further-action": (20, _START + [(14, no_further_action), (21, closed)]),
    "safeguarding-leads": (10, _START + [(14, safeguarding_leads), (42, closed)]),
}


def script(draft: Draft, steps: list[Step], received: date) -> Iterator[Change]:
    """The commits of one case after it was opened, in order."""
    for days, step in steps:
        made = step(draft, received + timedelta(days=days))
        for change in [made] if isinstance(made, Change) else made:
            draft.files.update(change.files)
            yield change


# --- the reference run: real lcspr, compared with the generator ----------------


@dataclass
class Template:
    """A case as the real `lcspr new-case` opened it, and its variants' commits."""

    id: str
    opening: Change
    scripts: dict[str, list[Change]] = field(default_factory=dict)
    sent: dict[str, bytes] = field(default_factory=dict)


def reference(env: dict[str, str], root: Path, check_all: bool) -> Template:
    """Record cases with the real lcspr in `root` and return the template the generator
    copies; stop if any generated commit differs from the one lcspr made."""
    from lcspr.repository import open_repository

    init_records(env, root)
    for name in [k for k in os.environ if k.startswith("GIT_")]:
        del os.environ[name]
    os.environ.update(env)  # the in-process library calls below (open_repository) see the same settings
    repo = open_repository(root)
    template: Template | None = None
    sent: dict[str, bytes] = {}
    for name, (_, steps) in VARIANTS.items():
        if template is not None and not check_all:
            break
        case_id = json.loads(lcspr(env, root, "new-case", "--title", TITLE, "--referred-by", "police",
                                   "--received", REFERENCE_RECEIVED.isoformat(), "--format", "json"))["id"]
        opened = _files_of(env, root, "HEAD")
        if template is None:
            opening = Change(opened, _message(env, root, "HEAD"), REFERENCE_RECEIVED)
            template = Template(case_id, opening, sent=sent)
        draft = Draft(repo, case_id, repo.workflow.initial, dict(opened))
        changes = []
        for change in script(draft, steps, REFERENCE_RECEIVED):
            if change.advance:
                lcspr(env, root, *change.advance)
            else:
                for path, text in change.files.items():
                    (root / path).parent.mkdir(parents=True, exist_ok=True)
                    (root / path).write_text(str(text), encoding="utf-8")
                run(env, root, "git", "add", "--", *change.files)
                run(env, root, "git", "commit", "-q", "-F", "-", input=change.message.encode())
            _compare(env, root, change, draft, sent)
            changes.append(change)
        if template.id == case_id:
            template.scripts[name] = changes
        audited = lcspr(env, root, "audit")
        print(f"reference: {name} recorded by lcspr itself as {case_id}; the generator wrote the same ({audited.strip()})")
    assert template is not None
    for name, (_, steps) in VARIANTS.items():  # the variants not checked against lcspr
        if name not in template.scripts:
            draft = Draft(repo, template.id, repo.workflow.initial, dict(template.opening.files))
            template.scripts[name] = list(script(draft, steps, REFERENCE_RECEIVED))
    return template


def _files_of(env: dict[str, str], root: Path, commit: str) -> dict[str, str | bytes]:
    """The files a commit added or changed, with their contents."""
    names = run(env, root, "git", "diff-tree", "--root", "--no-commit-id", "-r", "--name-only", commit).split()
    return {n: _show(env, root, f"{commit}:{n}") for n in names}


def _show(env: dict[str, str], root: Path, spec: str) -> str | bytes:
    data = subprocess.run(["git", "show", spec], cwd=root, env=env, capture_output=True, check=True).stdout
    return data if spec.endswith(".docx") else data.decode("utf-8")


def _message(env: dict[str, str], root: Path, commit: str) -> str:
    text = run(env, root, "git", "log", "-1", "--format=%B", commit).rstrip("\n") + "\n"
    # The publication gate's Lcspr-Checked names a hash of the rendered document, which
    # the generator does not render; the audit reads no Lcspr-Checked, so it is left out.
    text = re.sub(r"^Lcspr-Checked: .*\n", "", text, flags=re.M)
    return re.sub(r"^Lcspr-Recorded-At: .*$", f"Lcspr-Recorded-At: {RECORDED}", text, flags=re.M)


def _compare(env: dict[str, str], root: Path, change: Change, draft: Draft, sent: dict[str, bytes]) -> None:
    real = _files_of(env, root, "HEAD")
    for path, data in real.items():
        if path.endswith(".docx"):
            kind = re.search(r"-(review-report|referral)-[a-z0-9-]+\.docx$", path)[1]  # type: ignore[index]
            sent["report" if kind == "review-report" else kind] = data  # type: ignore[assignment]
    problems = []
    if sorted(real) != sorted(change.files):
        problems.append(f"files: lcspr committed {sorted(real)}, the generator {sorted(change.files)}")
    problems += [f"{p} differs" for p in change.files if p in real and not p.endswith(".docx") and real[p] != change.files[p]]
    message = resolve_blobs(change.message, {**draft.files, **real})
    if _message(env, root, "HEAD") != message:
        problems.append(f"message:\n{_message(env, root, 'HEAD')}---- generator:\n{message}")
    if problems:
        raise SystemExit(f"benchmark generator disagrees with `lcspr {shlex.join(change.advance or ['(hand commit)'])}`:\n"
                         + "\n".join(problems))


# --- copies of the template: many cases, one fast-import stream ----------------


def shift_dates(text: str, by: timedelta) -> str:
    return DATE.sub(lambda m: (date(int(m[1]), int(m[2]), int(m[3])) + by).isoformat(), text)


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def resolve_blobs(message: str, files: dict[str, Any]) -> str:
    """Replace each @blob:PATH@ by the Git blob ID of PATH's content in `files`."""
    def blob(m: re.Match[str]) -> str:
        data = files[m[1]]
        return blob_id(data if isinstance(data, bytes) else data.encode("utf-8"))

    return BLOB.sub(blob, message)


def pseudonyms() -> Iterator[str]:
    """Child A, Child B, ... Baby Z9: pseudonyms the case schema accepts (they may repeat)."""
    while True:
        for kind in ("Child", "Baby", "Young Person", "Sibling"):
            for digit in ("", *"123456789"):
                for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
                    yield f"{kind} {letter}{digit}"


@dataclass
class Planned:
    day: date
    case: int
    order: int
    change: Change
    case_id: str


def plan(template: Template, decisions: int, years: int = 10) -> list[Planned]:
    """Copies of the variants as cases received over the last `years` years (weekly,
    on the reference weekday), their commits in date order, cut after `decisions` decisions;
    the last cases stay open."""
    pick = random.Random(2026)  # the same history every run
    names = list(VARIANTS)
    weights = [VARIANTS[n][0] for n in names]
    chosen: list[str] = []
    total = 0
    while total < decisions * 1.1 + 20:  # enough cases that cutting by date leaves the last ones open
        name = pick.choices(names, weights)[0]
        chosen.append(name)
        total += 1 + sum(c.is_decision for c in template.scripts[name])
    weeks = years * 52
    titles = pseudonyms()
    per_year: Counter[int] = Counter()
    events = []
    for index, name in enumerate(chosen):
        week = -1 - (len(chosen) - 1 - index) * weeks // len(chosen)
        received = REFERENCE_RECEIVED + timedelta(weeks=week)
        per_year[received.year] += 1
        case_id = f"LIG-{received.year}-{per_year[received.year]:03d}"
        copy = _copier(template.id, case_id, next(titles), received - REFERENCE_RECEIVED)
        for order, change in enumerate([template.opening, *template.scripts[name]]):
            events.append(Planned(change.day + (received - REFERENCE_RECEIVED), index, order, copy(change), case_id))
    events.sort(key=lambda e: (e.day, e.case, e.order))
    kept, count = [], 0
    for event in events:
        count += event.change.is_decision
        if count > decisions:
            break
        kept.append(event)
    return kept


def _copier(old_id: str, new_id: str, title: str, by: timedelta) -> Callable[[Change], Change]:
    slug = title.lower().replace(" ", "-")

    def text(value: str) -> str:
        value = shift_dates(value.replace(old_id, "\0"), by)
        return value.replace("\0", new_id).replace(TITLE, title).replace(SLUG, slug)

    def copy(change: Change) -> Change:
        files = {text(p): (v if isinstance(v, (bytes, Sent)) else text(v)) for p, v in change.files.items()}
        return Change(files, text(change.message), change.day + by)

    return copy


def fast_import_stream(events: list[Planned], template: Template, branch: str, parent: str,
                       start: datetime, end: datetime) -> Iterator[bytes]:
    """One `git fast-import` stream of the planned commits: Lcspr-Recorded-At (and the
    commit time) spread from `start` to `end`, never decreasing."""
    current: dict[str, dict[str, Any]] = {}  # case -> its files as committed, for @blob:PATH@
    span = max((end - start).total_seconds(), 0)
    for number, event in enumerate(events):
        moment = start + timedelta(seconds=int(span * number / max(len(events) - 1, 1)))
        files: dict[str, bytes] = {}
        for path, value in event.change.files.items():
            if isinstance(value, Sent):
                files[path] = _marked(template.sent[value.kind], f"{event.case_id} commit {number}")
            else:
                files[path] = value if isinstance(value, bytes) else value.encode("utf-8")
        state = current.setdefault(event.case_id, {})
        state.update(files)
        text = resolve_blobs(event.change.message, state)
        message = text.replace(RECORDED, moment.strftime("%Y-%m-%dT%H:%M:%SZ")).encode("utf-8")
        who = b"Secretariat (benchmark) <secretariat@example.org>" if event.change.is_decision \
            else b"Reviewer (benchmark) <reviewer@example.org>"
        stamp = b"%d +0000" % int(moment.timestamp())
        yield fast_import_commit(branch, who, stamp, message, files, parent if number == 0 else None)


def fast_import_commit(branch: str, who: bytes, stamp: bytes, message: bytes, files: dict[str, bytes],
                       parent: str | None = None) -> bytes:
    """One commit of a `git fast-import` stream: its files inline, on `parent` when given."""
    out = [b"commit refs/heads/%s\n" % branch.encode(), b"author %s %s\n" % (who, stamp),
           b"committer %s %s\n" % (who, stamp), b"data %d\n%s\n" % (len(message), message)]
    if parent:
        out.append(b"from %s\n" % parent.encode())
    for path, data in files.items():
        out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    return b"".join(out)


def _marked(docx: bytes, note: str) -> bytes:
    """The sent .docx with a zip comment naming the case, so each sending is its own blob, as in a real record."""
    buffer = io.BytesIO(docx)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.comment = note.encode()
    return buffer.getvalue()


def make_history(env: dict[str, str], root: Path, template: Template, decisions: int) -> tuple[int, int]:
    """A records repository at `root` with the planned history; (commits, decisions) written."""
    init_records(env, root)
    head = run(env, root, "git", "rev-parse", "HEAD").strip()
    branch = run(env, root, "git", "symbolic-ref", "--short", "HEAD").strip()
    recorded = run(env, root, "git", "log", "--format=%(trailers:key=Lcspr-Recorded-At,valueonly)").split()[0]  # init's
    start = datetime.strptime(recorded, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    events = plan(template, decisions)
    end = max(datetime.now(timezone.utc).replace(microsecond=0), start)
    stream = b"".join(fast_import_stream(events, template, branch, head, start, end)) + b"done\n"
    started = time.perf_counter()
    run(env, root, "git", "fast-import", "--quiet", "--done", input=stream)
    print(f"git fast-import took {time.perf_counter() - started:.1f} s for {len(events):,} commits "
          f"({len(stream) / 2**20:.0f} MiB; each commit writes the whole flat cases/ tree)")
    run(env, root, "git", "read-tree", "-m", "-u", head, "HEAD")  # the work tree and index follow the new HEAD
    return len(events), sum(e.change.is_decision for e in events)


# --- measuring ----------------------------------------------------------------


TIME = Path("/usr/bin/time")  # GNU time: the peak memory of the command itself


def measure(env: dict[str, str], root: Path, command: list[str], scratch: Path) -> tuple[float, int, int]:
    """(seconds, peak resident KiB, exit status) of one run, output discarded.

    The peak is the largest of the process and each child it waited for (git log and
    cat-file run beside audit, so their sum may be higher). With GNU time it is taken
    there, as os.wait4 on a child of this process also counts the memory of this
    process, which the child had before its exec."""
    report = scratch / "time.out"
    wrapped = [str(TIME), "-f", "%M", "-o", str(report), *command] if TIME.is_file() else command
    started = time.perf_counter()
    child = subprocess.Popen(wrapped, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    peak = int(report.read_text().split()[-1]) if TIME.is_file() else usage.ru_maxrss
    return elapsed, peak, child.returncode


def check_audit(env: dict[str, str], root: Path) -> None:
    done = subprocess.run([str(LCSPR), "audit", "--full", "--format", "json"], cwd=root, env=env, capture_output=True, text=True)
    report = json.loads(done.stdout) if done.stdout.startswith("{") else None
    if done.returncode == 0 and report and report["ok"]:
        print(f"lcspr audit: whole ({report['commits']:,} commits, {report['decisions']:,} decisions)")
        return
    if report is None:
        print(f"lcspr audit exited {done.returncode} without a report:\n{done.stderr.strip()}")
        return
    kinds = Counter(f["kind"] for f in report["findings"])
    print(f"lcspr audit exited {done.returncode}: {len(report['findings']):,} finding(s) "
          f"({', '.join(f'{k} {n}' for k, n in kinds.most_common())}); first: {report['findings'][:1]}")
    print("timing it anyway.")


# The peak is read from /proc/self/status (VmHWM, this process's own memory map): Linux
# carries the parent's peak into ru_maxrss across the fork (or vfork) and exec, so a large
# benchmark process would be counted as the audit's own.
OWN_MEMORY = """
import resource, sys
from lcspr import audit, repository
audit.audit(repository.open_repository(sys.argv[1]), full=True)
try:
    with open("/proc/self/status", encoding="ascii") as status:
        print(next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")))
except (OSError, StopIteration):
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def own_memory(env: dict[str, str], root: Path) -> float:
    """Peak resident MiB of lcspr's own process in a whole audit, children (git) not counted."""
    return int(run(env, root, PYTHON, "-c", OWN_MEMORY, str(root)).split()[-1]) / 1024


def profile(env: dict[str, str], root: Path, scratch: Path, top: int = 15) -> None:
    """Profile one `lcspr audit --full` in a child process and print where its time goes:
    the top functions by cumulative time inside lcspr.audit.audit (the command-line
    wrappers above it are left out), then the top by own time."""
    output = scratch / "audit.prof"
    started = time.perf_counter()
    subprocess.run([PYTHON, "-m", "cProfile", "-o", str(output), "-m", "lcspr", "audit", "--full"], cwd=root, env=env,
                   stdout=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - started
    stats = pstats.Stats(str(output)).stats  # type: ignore[attr-defined]
    rows = [(where, calls, own, cumulative) for where, (_, calls, own, cumulative, _) in stats.items()]
    entry = [r for r in rows if r[0][0].endswith("audit.py") and r[0][2] == "audit"]
    ceiling = entry[0][3] if entry else max(r[3] for r in rows)

    def show(title: str, chosen: list[tuple[Any, int, float, float]]) -> None:
        print(f"\n{title}\n{'calls':>9} {'own s':>7} {'cum s':>7} {'cum %':>6}  function")
        for (filename, line, name), calls, own, cumulative in chosen:
            place = f"{Path(filename).name}:{line}" if line else "~"
            print(f"{calls:9,} {own:7.2f} {cumulative:7.2f} {100 * cumulative / ceiling:5.0f}%  {place}({name})")

    print(f"\ncProfile of one `lcspr audit --full`: {elapsed:.2f} s under the profiler, {ceiling:.2f} s in audit()")
    inside = sorted((r for r in rows if r[3] <= ceiling), key=lambda r: r[3], reverse=True)
    show(f"top {top} by cumulative time", inside[:top])
    show(f"top {top} by own time", sorted(rows, key=lambda r: r[2], reverse=True)[:top])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=10_000, help="decision commits in the history (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each, alternately (default 3)")
    parser.add_argument("--profile", action="store_true", help="also profile one audit with cProfile")
    parser.add_argument("--check-all", action="store_true",
                        help="check every variant, not only the README path, against the real lcspr advance")
    parser.add_argument("--keep", type=Path, help="build the repositories in this (new) folder and keep them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lcspr-bench-") as tmp:
        scratch = args.keep.resolve() if args.keep else Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        env = isolated_env(scratch)
        started = time.perf_counter()
        root = scratch / "records"
        if (root / ".git").is_dir():  # built by an earlier run with --keep: reuse it as it is
            actions = run(env, root, "git", "log", "--format=%(trailers:key=Lcspr-Action,valueonly)").split()
            decisions = sum(actions.count(action) for action in ("new-case", "advance", "import"))
            print(f"reusing {root} ({decisions:,} decisions); --decisions is ignored")
        else:
            template = reference(env, scratch / "reference", args.check_all)
            checked = time.perf_counter()
            commits, decisions = make_history(env, root, template, args.decisions)
            print(f"generated {commits:,} commits ({decisions:,} decisions) in {time.perf_counter() - checked:.1f} s "
                  f"(reference run {checked - started:.1f} s)")
        check_audit(env, root)
        audit = [str(LCSPR), "audit", "--full"]  # the whole walk, not what is new since the saved point
        floor = ["git", "log", "--format=%H%x00%(trailers)", "--name-only"]
        runs: dict[str, list[tuple[float, int, int]]] = {"lcspr": [], "baseline": [], "saved": []}
        for _ in range(args.repeat):
            runs["lcspr"].append(measure(env, root, audit, scratch))
            runs["baseline"].append(measure(env, root, floor, scratch))
            # A whole audit saved its verified point at HEAD: the next one has nothing new to walk.
            runs["saved"].append(measure(env, root, [str(LCSPR), "audit"], scratch))
        own = own_memory(env, root)
        seconds = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
        spread = {k: (min(r[0] for r in v), max(r[0] for r in v)) for k, v in runs.items()}
        peak = {k: max(r[1] for r in v) / 1024 for k, v in runs.items()}
        total = int(run(env, root, "git", "rev-list", "--count", "HEAD"))  # with init's and the holders' commits
        label = f"`audit --full`, {decisions:,} decisions ({total:,} commits)"
        print(f"\nmedian of {args.repeat} runs each, alternately; baseline: git {shlex.join(floor[1:])}")
        print(f"| measurement | lcspr | baseline | ratio | target |\n|---|---|---|---|---|")
        ratios = sorted(a[0] / b[0] for a, b in zip(runs["lcspr"], runs["baseline"]))
        print(f"| {label}: time | {seconds['lcspr']:.2f} s ({spread['lcspr'][0]:.2f}-{spread['lcspr'][1]:.2f}) "
              f"| {seconds['baseline']:.2f} s ({spread['baseline'][0]:.2f}-{spread['baseline'][1]:.2f}) "
              f"| {seconds['lcspr'] / seconds['baseline']:.2f}x (runs {ratios[0]:.2f}-{ratios[-1]:.2f}x) | at most 2x |")
        print(f"| {label}: peak memory, with git's | {peak['lcspr']:.0f} MiB | {peak['baseline']:.0f} MiB "
              f"| {peak['lcspr'] / peak['baseline']:.1f}x | (git log's own grows with the history) |")
        print(f"| {label}: peak memory of lcspr's own process | {own:.0f} MiB | | | flat in the history |")
        print(f"| `audit` from its saved verified point, nothing new: time | {seconds['saved']:.2f} s "
              f"| {seconds['baseline']:.2f} s | {seconds['saved'] / seconds['baseline']:.1f}x | (a re-audit) |")
        print(f"audit ratio {seconds['lcspr'] / seconds['baseline']:.1f}x (target: at most 2x)")
        if args.profile:
            profile(env, root, scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
