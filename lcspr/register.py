"""`lcspr register`: one row per case with what a case review tracker holds, and
one row per action of the action plans.

Every date comes from the case's own files (case.md, report.md, actions.md),
as the decisions stamped them or the secretariat recorded them; the Git history
is the record of who decided (`lcspr history`), not read here, so the register
of thousands of cases costs about what `lcspr list` does. A case whose files are
invalid is still listed, with its problems, and every problem is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from lcspr import actions as action_plans
from lcspr import deadlines, read_memo, records, rules
from lcspr.errors import LcsprError, UsageError
from lcspr.records import Case
from lcspr.repository import Repository

#: The statutory steps the register times, by the workflow deadline that clocks each
#: (a workflow without one leaves its columns empty), and the column prefix.
STEPS = (("notification", "notification"), ("rapid-review", "rapid_review"), ("publication", "publication"),
         ("pre-publication", "pre_publication"))

#: The case columns, in display order: (key in each row, title).
CASE_COLUMNS: list[tuple[str, str]] = [
    ("id", "Reference"),
    ("title", "Pseudonym"),
    ("route", "Route"),
    ("level", "Level"),
    ("status", "Status"),
    ("stage", "Stage"),
    ("received", "Referral received"),
    ("aware", "Aware of the incident"),
    ("nature", "Nature of the incident"),
    ("notified", "Notified to the National Panel"),
    ("notification_working_days", "Notification: working days taken"),
    ("notification_target", "Notification: target"),
    ("notification_met", "Notification: on time"),
    ("rapid_review", "Rapid review sent"),
    ("rapid_review_working_days", "Rapid review: working days taken"),
    ("rapid_review_target", "Rapid review: target"),
    ("rapid_review_met", "Rapid review: on time"),
    ("lig_decision", "LIG decision"),
    ("workshop", "Workshop or panel"),
    ("approved", "Report approved"),
    ("sent_to_panel", "Sent to the National Panel before publication"),
    ("pre_publication_met", "Sent in time before publication"),
    ("planned_publication", "Planned publication"),
    ("published", "Published"),
    ("publication_date", "Published (or not) on"),
    ("publication_due", "Publication due"),
    ("publication_days", "Days from decision to publication"),
    ("publication_target", "Publication: target"),
    ("publication_met", "Published on time"),
    ("publication_url", "Publication URL"),
    ("on_hold", "On hold"),
    ("on_hold_since", "On hold since"),
    ("on_hold_days", "Days on hold (all holds)"),
    ("themes", "Themes"),
    ("learning_shared", "Learning shared"),
    ("recommendations", "Recommendations"),
    ("actions_open", "Actions open"),
    ("actions_overdue", "Actions overdue"),
    ("actions_completed", "Actions completed"),
    ("actions_not_achieved", "Actions not achieved"),
    ("next_deadline", "Next deadline"),
    ("closed", "Closed"),
    ("problems", "Problems"),
]

#: The action columns, in display order.
ACTION_COLUMNS: list[tuple[str, str]] = [
    ("case", "Case"),
    ("title", "Pseudonym"),
    ("recommendation", "Recommendation"),
    ("recommendation_text", "Recommendation text"),
    ("id", "Action"),
    ("owner", "Owner"),
    ("owner_name", "Owner agency"),
    ("change", "What will change"),
    ("measure", "How it is measured"),
    ("due", "Due"),
    ("status", "Status"),
    ("overdue", "Overdue"),
    ("reason", "Reason not achieved"),
    ("evidence", "Evidence"),
    ("completed", "Completed"),
    ("reviewed", "Last reviewed"),
]

#: Columns holding dates (an Excel date cell, not text).
DATE_COLUMNS = frozenset({
    "received", "aware", "notified", "rapid_review", "lig_decision", "workshop", "approved", "sent_to_panel",
    "planned_publication", "publication_date", "publication_due", "on_hold_since", "closed", "due", "completed",
    "reviewed",
})

#: The case files the register reads whole (of those the deadlines read, it keeps the fields they read).
KINDS = {"case", "report", "actions"}

#: What the register keeps of each case between runs, in `.git/lcspr/`.
INPUTS_NAME = "register-inputs.json"


@dataclass
class Read:
    """One case as the register and the figures read it: its files (None when
    case.md cannot be read) and the problems found in what was read."""

    id: str
    case: Case | None
    problems: list[str] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return self.case.data if self.case is not None else {}


def read_cases(repo: Repository, cache: bool = True) -> list[Read]:
    """Every case's case.md, report.md and actions.md, each checked against its
    schema and one against the other; a problem is kept, never silently skipped.

    With `cache`, what was read of a case and the problems found are kept in
    `.git/lcspr/register-inputs.json` under its files' blob IDs (lcspr.results_cache),
    so the register, the figures and the site read again only the cases that
    changed. A valid case stays valid on later days; problems are looked for
    again each day (`results_cache.verdict_holds`)."""
    from lcspr import results_cache

    opened = results_cache.open_cache(repo, INPUTS_NAME, daily=False) if cache else None
    kinds = KINDS | deadlines.needed_kinds(repo.workflow)
    if opened is None:
        return [_read(repo, case_id, kinds) for case_id in records.case_ids(repo.config)]
    from lcspr.overview import done_fields, kept_case, kept_data

    store, keys = opened
    today = date.today().isoformat()
    # Its own files whole; of the others (the responses), the fields a deadline reads.
    wanted = {kind: names for kind, names in done_fields(repo).items() if kind not in KINDS}
    found = []
    for case_id in records.case_ids(repo.config):
        key = keys.get(case_id, [])
        kept = store.get(case_id, key)
        if _plausible(kept) and results_cache.verdict_holds(kept["day"], bool(kept["problems"]), today):
            files = kept["files"]
            found.append(Read(case_id, None if files is None else kept_case(repo, case_id, files),
                              list(kept["problems"])))
            continue
        read = _read(repo, case_id, kinds)
        files = None if read.case is None else kept_data(read.case, wanted)
        if read_memo.plain(files):  # only what JSON gives back exactly is kept
            store.put(case_id, key, {"day": today, "files": files, "problems": read.problems})
        found.append(read)
    store.save()
    return found


def _read(repo: Repository, case_id: str, kinds: set[str]) -> Read:
    """One case's files the register reads, checked."""
    from lcspr.validation import check_file

    try:
        case = records.read_case(repo.config, case_id, kinds)
    except LcsprError as exc:
        return Read(case_id, None, [str(exc)])
    problems = [str(p) for kind, md in case.files.items() for p in check_file(repo, case_id, kind, md)]
    problems += [str(p) for p in action_plans.check(case)]
    return Read(case_id, case, problems)


def _plausible(kept: Any) -> bool:
    """Whether a kept entry has the shape `read_cases` writes (the cache may be damaged)."""
    if not isinstance(kept, dict):
        return False
    files, problems = kept.get("files"), kept.get("problems")
    return (isinstance(problems, list) and all(isinstance(p, str) for p in problems)
            and (files is None and bool(problems) or isinstance(files, dict) and isinstance(files.get("case"), dict)
                 and all(isinstance(k, str) and isinstance(v, dict) for k, v in files.items())))


def build(repo: Repository, today: date | None = None, reads: list[Read] | None = None) -> dict[str, Any]:
    """The register: {"cases": [row, ...], "actions": [row, ...], "problems": ["file:line: message", ...]},
    rows keyed as CASE_COLUMNS and ACTION_COLUMNS, values as JSON has them (text,
    whole numbers, true/false, lists, null where nothing is recorded). `reads`: the
    cases as `read_cases` read them, when the caller has them already."""
    today = today or date.today()
    cases, action_rows, problems = [], [], []
    held = repo.workflow.hold_states
    spans = hold_spans(repo, held)
    for read in read_cases(repo) if reads is None else reads:
        problems.extend(read.problems)
        row = case_row(repo, read, today, held)
        if spans.get(read.id):
            row["on_hold_days"] = sum(((end or today) - start).days for start, end in spans[read.id])
        cases.append(row)
        if read.case is not None:
            action_rows.extend(_action_rows(repo, read.case, today))
    return {"cases": cases, "actions": action_rows, "problems": problems}


def hold_spans(repo: Repository, held: frozenset[str]) -> dict[str, list[tuple[date, date | None]]]:
    """Each case's holds as the decision trail records them, (put on hold, resumed or None
    while it lasts), from one `git log` of the moves into and out of a hold state. A case
    that entered the record on hold, or was held before it did, has none here: its row
    then counts the hold its case.md records (the latest)."""
    from lcspr import history, trail
    from lcspr.errors import GitError

    if not held:
        return {}
    names = "|".join(sorted(held))
    spans: dict[str, list[tuple[date, date | None]]] = {}
    try:
        for commit in history.walk(repo.root, grep=f"^({trail.TO}|{trail.FROM}): ({names})$"):
            record = commit.record
            day = day_of(record.decided_on or record.recorded_at[:10])
            if record.action != trail.ADVANCE or day is None or not record.case:
                continue
            case_spans = spans.setdefault(record.case, [])
            if record.target in held:
                case_spans.append((day, None))
            elif record.source in held and case_spans and case_spans[-1][1] is None:
                case_spans[-1] = (case_spans[-1][0], day)
    except GitError:
        return {}  # not a Git work tree: the case files' own record is all there is
    return spans


def text_at(data: dict[str, Any], dotted: str) -> str | None:
    """The value at a dotted path as text, or None when it is not set (or is a list or mapping)."""
    value = rules.get(data, dotted)
    return str(value) if rules.is_set(value) and not isinstance(value, (dict, list)) else None


def list_at(data: dict[str, Any], key: str) -> list[Any]:
    """The list at `key`, or an empty one when it is not a list."""
    value = data.get(key)
    return value if isinstance(value, list) else []


def day_of(value: Any) -> date | None:
    """A date written YYYY-MM-DD, or None (`lcspr validate` reports a date that is not one)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def case_row(repo: Repository, read: Read, today: date, held: frozenset[str]) -> dict[str, Any]:
    """One case's row of the register (every column present, None where nothing is recorded)."""
    row: dict[str, Any] = {key: None for key, _ in CASE_COLUMNS}
    row["id"] = read.id
    row["problems"] = list(read.problems)
    if read.case is None:
        row["status"] = "(unreadable)"
        return row
    data, case, config, workflow = read.data, read.case, repo.config, repo.workflow
    status = str(data.get("status", ""))
    row.update({
        "title": text_at(data, "title"),
        "route": "serious incident" if isinstance(data.get("serious_incident"), dict) else "referral",
        "level": text_at(data, "level"),
        "status": status,
        "stage": workflow.title(status),
        "received": text_at(data, "dates.received"),
        "aware": text_at(data, "serious_incident.aware"),
        "nature": text_at(data, "serious_incident.nature"),
        "notified": text_at(data, "serious_incident.notified"),
        "rapid_review": text_at(data, "serious_incident.rapid_review"),
        "lig_decision": text_at(data, "dates.lig_decision"),
        "workshop": _workshop(data),
        "approved": text_at(data, "approval.date"),
        "sent_to_panel": text_at(data, "pre_publication.sent"),
        "planned_publication": text_at(data, "dates.planned_publication"),
        "published": _published(data),
        "publication_date": text_at(data, "publication.date"),
        "publication_url": text_at(data, "publication.url"),
        "closed": text_at(data, "dates.closed"),
        "themes": [str(t) for t in list_at(data, "themes")],
        "learning_shared": [f"{e.get('date', '')} {e.get('kind', '')}".strip()
                            for e in list_at(data, "learning_shared") if isinstance(e, dict)],
        "recommendations": len(action_plans.recommendations(case)),
    })
    for deadline, prefix in STEPS:
        found = deadlines.step(config, workflow, data, deadline)
        if found is None:
            continue
        taken = found.taken(config)
        if deadline == "publication":
            row["publication_due"] = found.due.isoformat()
            row["publication_days"] = taken
        elif f"{prefix}_working_days" in row:
            row[f"{prefix}_working_days"] = taken
        if f"{prefix}_target" in row:
            row[f"{prefix}_target"] = found.target
        row[f"{prefix}_met"] = found.met(today)
    found_hold = data.get("on_hold")
    hold: dict[str, Any] = found_hold if isinstance(found_hold, dict) else {}
    row["on_hold"] = status in held
    since = day_of(text_at(hold, "since"))
    if since is not None:
        end = today if status in held else day_of(text_at(hold, "resumed"))
        row["on_hold_since"] = since.isoformat()
        row["on_hold_days"] = (end - since).days if end is not None and end >= since else None
    plan = action_plans.actions(case)
    row["actions_open"] = sum(a.open for a in plan)
    # A case the workflow leads nowhere from (closed) tracks no action as overdue: the LIG closed it.
    tracked = not action_plans.is_terminal(workflow, status)
    row["actions_overdue"] = sum(tracked and a.overdue_on(today) for a in plan)
    row["actions_completed"] = sum(a.status == action_plans.COMPLETED for a in plan)
    row["actions_not_achieved"] = sum(a.status == action_plans.NOT_ACHIEVED for a in plan)
    try:
        due = deadlines.open_deadlines(config, workflow, case, today=today)
    except LcsprError as exc:  # a response that cannot be read: the deadline is unknown, say so
        row["problems"].append(str(exc))
        due = []
    if due:
        first = due[0]
        row["next_deadline"] = f"{first.due} {first.deadline} {first.agency}".strip() + f" ({first.state})"
    return row


def _workshop(data: dict[str, Any]) -> str | None:
    """The Level 2 workshop's date, or a Level 3 review's multi-agency workshop (the latest)."""
    held = text_at(data, "workshop.date")
    if held:
        return held
    events = data.get("practitioner_events")
    dates = [str(e.get("date")) for e in events if isinstance(e, dict) and e.get("kind") == "multi-agency-workshop"
             and e.get("date")] if isinstance(events, list) else []
    return max(dates) if dates else None


def _published(data: dict[str, Any]) -> bool | None:
    value = rules.get(data, "publication.published")
    return value if isinstance(value, bool) else None


def _action_rows(repo: Repository, case: Case, today: date) -> list[dict[str, Any]]:
    config, tracked = repo.config, not action_plans.is_terminal(repo.workflow, case.status)
    texts = {str(r.get("id")): str(r.get("text", "")) for r in action_plans.recommendations(case)}
    rows = []
    title = case.data.get("title")
    for action in action_plans.actions(case):
        rows.append({
            "case": case.id, "title": title, "recommendation": action.recommendation,
            "recommendation_text": texts.get(action.recommendation), "id": action.id, "owner": action.owner,
            "owner_name": config.agency_name(action.owner) if action.owner else None, "change": action.change, "measure": action.measure, "due": action.due or None,
            "status": action.status, "overdue": tracked and action.overdue_on(today), "reason": action.reason or None,
            "evidence": action.evidence or None, "completed": action.completed or None,
            "reviewed": action.reviewed or None,
        })
    return rows


def as_text(value: Any) -> str:
    """A register value as a table or CSV cell: yes/no, lists joined by `; `, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(as_text(v) for v in value)
    return str(value)


def write_xlsx(register: dict[str, Any], path: Path, partnership: str) -> None:
    """The register as an Excel workbook: a sheet of cases and one of actions, a
    header row frozen and filtered, dates as dates, yes/no as text. The file is
    written whole or not at all."""
    if not path.parent.is_dir():
        raise UsageError(f"-o {path}: the folder {path.parent} does not exist; create it or name another.")
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.properties.creator = partnership
    book.properties.title = "Register of child safeguarding practice reviews (OFFICIAL-SENSITIVE)"
    sheets = (("Cases", register["cases"], CASE_COLUMNS), ("Actions", register["actions"], ACTION_COLUMNS))
    for index, (name, rows, columns) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = name
        sheet.append([title for _, title in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(key, row.get(key)) for key, _ in columns])
        for i, (key, title) in enumerate(columns, start=1):
            letter = get_column_letter(i)
            if key in DATE_COLUMNS:
                for cell in sheet[letter][1:]:
                    cell.number_format = "yyyy-mm-dd"
            widest = max([len(title)] + [len(as_text(r.get(key))) for r in rows])
            sheet.column_dimensions[letter].width = min(max(10, widest + 2), 60)
        sheet.freeze_panes = "B2"
        sheet.auto_filter.ref = sheet.dimensions
    import io

    from lcspr import mdfile

    out = io.BytesIO()
    book.save(out)
    try:
        mdfile.write_atomic(path, out.getvalue())
    except OSError as exc:
        raise LcsprError(f"cannot write {path}: {exc.strerror or exc}; choose another place with -o.") from None


def _cell(key: str, value: Any) -> Any:
    if key in DATE_COLUMNS and isinstance(value, str):
        return day_of(value) or value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return as_text(value) or None
