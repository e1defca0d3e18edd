"""`lcspr site OUT/`: a static dashboard the Board can open from a shared drive.

One page for the register, the open deadlines and overdue actions, the figures
with their charts (lcspr.site_figures) and the audit's verdict, and one page per
case with its action plan and its timeline of decisions. Everything is written
once, from what the record holds now: the case files, read once for the register
and the figures (register.read_cases), the deadlines (deadlines.all_due), the
Git history of decisions (history.entries, one walk) and the audit (audit.audit).
Nothing is fetched when the pages open: the style and the script are inside each
page, the charts are SVG, and each page's Content-Security-Policy forbids every
request.

The identity register (lcspr.identities) is never read: the pages hold what
the case files hold, which is pseudonyms only.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcspr import gitops, history, resources
from lcspr.errors import LcsprError, UsageError
from lcspr.records import CASE_ID

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.deadlines import Due
    from lcspr.site_figures import FiguresView
    from lcspr.repository import Repository
    from lcspr.trail import Decision

#: The file that marks a folder as a site lcspr wrote, so that writing it again may replace it.
MARKER = ".lcspr-site"
MARKING = "OFFICIAL-SENSITIVE"
CASES_DIR = "cases"
#: The site's templates, style and script, inside the package.
TEMPLATES = "site_templates"
#: The register's columns the dashboard shows until a reader chooses others (the rest are a click away).
SHOWN = frozenset({"id", "title", "route", "level", "stage", "received", "notification_met", "rapid_review_met",
                   "publication_met", "on_hold", "themes", "actions_open", "actions_overdue", "next_deadline"})
#: The columns of the table of overdue actions (a case's page shows every column).
ACTIONS_SHOWN = frozenset({"case", "title", "recommendation", "id", "owner_name", "change", "due", "status"})
#: How many cases a figure names on the dashboard before it refers to `lcspr figures --explain`.
CASE_LIMIT = 30
#: A register column becomes a filter when it holds at most this many different values.
MAX_CHOICES = 40
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass
class Verdict:
    """The audit's verdict as the site shows it."""

    ok: bool
    summary: str
    findings: list[dict[str, str]] = field(default_factory=list)
    ran: bool = True


@dataclass
class SiteData:
    """What the pages are made from."""

    partnership: str
    generated_at: str
    head: str
    today: str
    columns: list[tuple[str, str]]
    cases: list[dict[str, Any]]
    problems: list[str]
    due: list[Due]
    timelines: dict[str, list[Decision]]
    verdict: Verdict
    state_titles: dict[str, str]
    role_titles: dict[str, str]
    agency_titles: dict[str, str]
    action_columns: list[tuple[str, str]]
    actions: list[dict[str, Any]]
    figures: FiguresView


@dataclass
class Written:
    """What `build` wrote: the folder, the pages, and the audit's verdict."""

    folder: Path
    pages: int
    cases: int
    verdict: Verdict
    problems: list[str]


def gather(repo: Repository, today: date | None = None, now: datetime | None = None,
           period: tuple[date, date] | None = None) -> SiteData:
    """Read everything the pages show: the register, the figures of `period`
    (default: the last complete reporting year), the deadlines, the history of
    decisions and the audit."""
    from lcspr import figures, register
    from lcspr.deadlines import all_due
    from lcspr.site_figures import view

    today = today or date.today()
    now = now or datetime.now(timezone.utc)
    reads = register.read_cases(repo)
    entries = register.build(repo, today, reads)
    start, end = period or figures.default_period(repo.config, today)
    timelines: dict[str, list[Decision]] = defaultdict(list)
    for decision in history.entries(repo.root):
        if decision.case:
            timelines[decision.case].append(decision)
    head = gitops.git(repo.root, "rev-parse", "-q", "--verify", "HEAD", check=False).stdout.strip()
    return SiteData(
        partnership=repo.config.partnership,
        generated_at=now.strftime("%Y-%m-%d %H:%M UTC"),
        head=head,
        today=today.isoformat(),
        columns=list(register.CASE_COLUMNS),
        cases=entries["cases"],
        problems=entries["problems"],
        due=all_due(repo, today),
        timelines=dict(timelines),
        verdict=_verdict(repo, now),
        state_titles={name: repo.workflow.title(name) for name in repo.workflow.states},
        role_titles=dict(repo.config.roles),
        agency_titles=dict(repo.config.agencies),
        action_columns=list(register.ACTION_COLUMNS),
        actions=entries["actions"],
        figures=view(repo, start, end, today, reads),
    )


def _verdict(repo: Repository, now: datetime) -> Verdict:
    """The audit's verdict, in the words `lcspr audit` uses; an audit that cannot run says why."""
    from lcspr.audit import audit

    try:
        report = audit(repo, now=now)
    except LcsprError as exc:
        return Verdict(False, f"The audit could not be run: {exc}", ran=False)
    return Verdict(report.ok, report.summary(), [
        {"commit": f.commit, "case": f.case, "kind": f.kind, "message": f.message,
         "corrected_by": f.corrected_by, "correction": f.correction} for f in report.findings
    ])


# --- writing ---------------------------------------------------------------------


def build(repo: Repository, out: Path, today: date | None = None, now: datetime | None = None,
          period: tuple[date, date] | None = None) -> Written:
    """Write the site into `out`, whole or not at all.

    The pages are written into a new folder beside `out`, which then takes its
    place; a folder already at `out` is replaced only when it is empty or a site
    lcspr wrote before (it holds MARKER), never any other folder."""
    out = _check_target(repo, out)
    data = gather(repo, today, now, period)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        pages = write_pages(data, staging)
        _replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Written(out, pages, len(data.cases), data.verdict, data.problems)


def _check_target(repo: Repository, out: Path) -> Path:
    out = Path(os.path.abspath(out.expanduser()))
    cases = Path(os.path.abspath(repo.config.cases_dir))
    if out.is_relative_to(cases) or cases.is_relative_to(out):
        raise UsageError(f"{out} would put the site in or over the case folders ({cases}); "
                         "write it outside cases/, e.g. on the shared drive the Board reads.")
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise UsageError(f"{out} is not a folder; name a new or empty folder for the site.")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(f"{out} is not empty and holds no site lcspr wrote; name a new or empty folder, "
                         "so that nothing else is replaced.")
    return out


def _replace(staging: Path, out: Path) -> None:
    """Put `staging` where `out` is, keeping the old site until the new one is in place."""
    if not out.exists():
        staging.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
    old.rmdir()
    out.rename(old)
    try:
        staging.rename(out)
    except OSError:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_pages(data: SiteData, folder: Path) -> int:
    """Write every page of the site into `folder`; the number of pages written."""
    from lcspr.figures import value_text

    env = _environment()
    assets = resources.resource_dir(TEMPLATES)
    style = (assets / "site.css").read_text(encoding="utf-8")
    script = (assets / "site.js").read_text(encoding="utf-8")
    common = {
        "data": data, "marking": MARKING, "style": style, "script": script,
        "csp": _policy(style, script), "page_for": _page_for, "case_limit": CASE_LIMIT,
    }
    env.filters["figure_value"] = value_text
    env.filters["state"] = lambda s: data.state_titles.get(s, s)
    env.filters["role"] = lambda r: data.role_titles.get(r, r)
    env.filters["agency"] = lambda a: data.agency_titles.get(a, a)
    overdue = {d.case for d in data.due if d.state == "overdue"}
    shown = [key for key, _ in data.columns if key in SHOWN]
    action_summary = [(key, title) for key, title in data.action_columns if key in ACTIONS_SHOWN]
    index = env.get_template("index.html").render(common, root="", overdue=overdue, filters=_filters(data, shown),
                                                  shown=shown, action_summary=action_summary)
    (folder / "index.html").write_text(index, encoding="utf-8")
    (folder / CASES_DIR).mkdir()
    case_page = env.get_template("case.html")
    due_by_case: dict[str, list[Due]] = defaultdict(list)
    for d in data.due:
        due_by_case[d.case].append(d)
    actions_by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in data.actions:
        actions_by_case[str(a.get("case"))].append(a)
    findings_by_case: dict[str, list[dict[str, str]]] = defaultdict(list)
    for f in data.verdict.findings:
        for case in f["case"].split(","):
            findings_by_case[case].append(f)
    pages = 1
    for row in data.cases:
        case_id = str(row.get("id", ""))
        name = _page_for(case_id)
        if not name:
            continue
        text = case_page.render(common, root="../", row=row, case_id=case_id, due=due_by_case.get(case_id, []),
                                timeline=data.timelines.get(case_id, []), findings=findings_by_case.get(case_id, []),
                                actions=actions_by_case.get(case_id, []))
        (folder / name).write_text(text, encoding="utf-8")
        pages += 1
    (folder / MARKER).write_text("A dashboard written by `lcspr site`; writing the site again replaces this folder.\n",
                                 encoding="utf-8")
    return pages


def _filters(data: SiteData, shown: list[str]) -> list[tuple[str, str, list[str]]]:
    """The register's shown columns a Board member filters by: those holding a few words
    (a route, a level, yes or no, themes), each with its values; not IDs, dates or numbers."""
    found = []
    for key, title in data.columns:
        if key in ("id", "title") or key not in shown:
            continue
        values: set[str] = set()
        words = True
        for row in data.cases:
            for value in _values(row.get(key)):
                if isinstance(value, bool):
                    value = cell(value)
                if not isinstance(value, str) or _DATE.match(value) or len(value) > 60:
                    words = False
                values.add(str(value))
        values.discard("")
        if words and 1 < len(values) <= MAX_CHOICES:
            found.append((key, title, sorted(values)))
    return found


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def cell(value: Any) -> str:
    """A register value as a cell shows it: lists joined, yes/no for flags, nothing for none."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return ", ".join(str(v) for v in _values(value))


def cell_values(value: Any) -> str:
    """A register value as the page's script filters and sorts on: one value a line."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "\n".join(str(v) for v in _values(value))


def _page_for(case_id: str) -> str:
    """The page of a case, relative to the site's root; "" for a folder name that is no case ID."""
    return f"{CASES_DIR}/{case_id}.html" if CASE_ID.match(case_id) else ""


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(resources.resource_dir(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = cell
    env.filters["values"] = cell_values
    return env


def _policy(style: str, script: str) -> str:
    """A Content-Security-Policy that lets only this page's own style and script run,
    and forbids every request: nothing is fetched, whatever a value holds."""
    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"

    return (f"default-src 'none'; style-src {digest(style)}; script-src {digest(script)}; img-src data:; "
            "base-uri 'none'; form-action 'none'")
