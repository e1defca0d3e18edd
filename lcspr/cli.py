"""The `lcspr` command line: each command parses, makes one library call, prints.

This is the only module that imports click. Every library error becomes its
message on standard error and one of the exit statuses of `EXIT_CODES`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from lcspr import __version__
from lcspr.errors import EXIT_CODES, LcsprError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from click.shell_completion import CompletionItem

    from lcspr.repository import Repository


class _Group(click.Group):
    """Turns lcspr errors into messages and exit codes, never tracebacks."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if ctx.parent is None:  # `lcspr --help`: how lcspr ends, and where to read more
            with formatter.section("Exit codes"):
                formatter.write_dl([(str(code), meaning) for code, meaning in EXIT_CODES.items()])
            formatter.write_paragraph()
            formatter.write_text("Shell completion (bash, zsh, fish) and every command: see the README.")
        super().format_epilog(ctx, formatter)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LcsprError as exc:
            _fail(str(exc), exc.exit_code)
        except (KeyboardInterrupt, click.exceptions.Abort):
            # Ctrl-C anywhere, Ctrl-D at a prompt: a write in progress was put back.
            click.echo(err=True)  # off the line of the prompt or the ^C
            _fail(CANCELLED, 130)
        except BrokenPipeError:
            _closed_pipe()
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("LCSPR_DEBUG"):
                raise
            _fail(
                f"lcspr failed unexpectedly ({type(exc).__name__}: {exc}). Nothing was recorded unless a "
                "commit was reported above. This is a fault in lcspr: run again with LCSPR_DEBUG=1 to see "
                "the details, and report them.",
                1,
            )


CANCELLED = "Cancelled; nothing was written."


def _closed_pipe() -> NoReturn:
    """The reader went away (`lcspr due | head`): stop quietly, as Unix tools do.
    Output still buffered would fail again at exit, so it goes to the null device."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(141)  # 128 + SIGPIPE, what a shell reports for a tool stopped by a closed pipe


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _repo(ctx: click.Context) -> Repository:
    from lcspr.repository import open_repository

    return open_repository(ctx.find_root().params.get("repo"))


def _print_json(data: Any) -> None:
    import json  # here, not at start-up: `lcspr --help` needs none of it

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _print_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    if not rows:
        click.echo("(none)")
        return
    cells = [[str(c).upper().replace("_", " ") for c in columns]] + [
        [str(row.get(c, "")) for c in columns] for row in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    for r in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())


def _print_csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    click.echo(out.getvalue(), nl=False)


_F = TypeVar("_F", bound=Callable[..., Any])

_FORMATS = {"text": "text for people to read", "table": "a table for people to read",
            "markdown": "Markdown to paste into a report", "json": "JSON for programs",
            "csv": "CSV for spreadsheets", "xlsx": "an Excel workbook (with -o)"}


def format_option(*kinds: str) -> Callable[[_F], _F]:
    """The one --format option, offering `kinds` (the first is the default)."""
    return click.option("--format", "fmt", type=click.Choice(list(kinds)), default=kinds[0], show_default=True,
                        help="How to print: " + "; ".join(f"{k}, {_FORMATS[k]}" for k in kinds) + ".")


#: --format for commands that print text or JSON.
TEXT_OR_JSON = format_option("text", "json")
#: --format for commands that print a table.
TABLE = format_option("table", "json", "csv")


if TYPE_CHECKING:  # pragma: no cover
    _TextParam = click.ParamType[str]  # generic in recent click only
    _AnyParam = click.ParamType[Any]
else:
    _TextParam = _AnyParam = click.ParamType


class PathParam(_AnyParam):
    """click.Path giving a pathlib.Path, both made only when a command runs: `lcspr
    --help` and completion start without pathlib, and without the message catalogue
    lookups click.Path makes for its name."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        file_okay, dir_okay = options.get("file_okay", True), options.get("dir_okay", True)
        self.name = "file" if not dir_okay else "directory" if not file_okay else "path"

    def _path(self) -> click.Path:
        return click.Path(**self.options)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from pathlib import Path

        return Path(os.fsdecode(self._path().convert(value, param, ctx)))

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        return self._path().shell_complete(ctx, param, incomplete)


class IsoDate(_TextParam):
    """A day written YYYY-MM-DD (kept as that text); anything else is a usage error, or
    asked again at a prompt."""

    name = "yyyy-mm-dd"  # shown in help as YYYY-MM-DD

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from lcspr.calendar import parse_iso_date
        from lcspr.errors import InvalidDate

        try:
            parse_iso_date(value, "date")
        except InvalidDate as exc:
            self.fail(str(exc).removeprefix("date: ") + " (e.g. 2026-10-31)", param, ctx)
        return str(value)


DATE = IsoDate()


def _records(ctx: click.Context) -> Repository | None:
    """The records repository a completion or a help page reads from; None when there
    is none (neither may ever fail)."""
    from lcspr.repository import open_repository

    try:
        return open_repository(ctx.find_root().params.get("repo"))
    except Exception:
        return None


def _completion(kind: str) -> Callable[[click.Context, click.Parameter, str], list[CompletionItem]]:
    """Complete case IDs, states, agencies or roles from the records repository."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        repo = _records(ctx)
        if repo is None:
            return []
        try:
            values: dict[str, str]
            if kind == "case":
                from lcspr.records import case_ids

                values = dict.fromkeys(case_ids(repo.config), "")
            elif kind == "state":
                values = {state: repo.workflow.title(state) for state in repo.workflow.states}
            elif kind == "level":
                values = dict.fromkeys(repo.workflow.levels, "")
            elif kind == "agency":
                values = repo.config.agencies
            else:
                values = repo.config.roles
        except Exception:
            return []
        from click.shell_completion import CompletionItem

        return [CompletionItem(value, help=text or None) for value, text in values.items() if value.startswith(incomplete)]

    return complete


CASE_ID = _completion("case")
STATE = _completion("state")
LEVEL = _completion("level")
AGENCY = _completion("agency")
ROLE = _completion("role")


class _ListsStates(click.Command):
    """A command whose help ends with the states of the workflow and their titles."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from lcspr import workflow

        repo = _records(ctx)
        try:
            flow = repo.workflow if repo is not None else workflow.load(validate=False)
        except LcsprError:
            flow = workflow.load(validate=False)
        where = "this repository's workflow" if repo is not None else "the default workflow"
        with formatter.section(f"States ({where})"):
            formatter.write_dl([(state, flow.title(state)) for state in flow.states])
        super().format_epilog(ctx, formatter)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--repo",
    type=PathParam(file_okay=False),
    help="The records repository (default: the one holding the current folder).",
)
@click.option("--source-checkout", is_flag=True,
              help="Allow writing in lcspr's own source checkout (for developing lcspr; records belong elsewhere).")
@click.version_option(__version__, prog_name="lcspr")
@click.pass_context
def cli(ctx: click.Context, repo: Path | None, source_checkout: bool) -> None:
    """Case records, decisions and documents for Local Child Safeguarding
    Practice Reviews, kept in Git."""
    ctx.ensure_object(dict)
    if ctx.obj.get("sigterm"):  # the command itself (`main`), not lcspr called from Python
        import signal

        def stop(signum: int, frame: object) -> None:
            # `kill` (SIGTERM) as Ctrl-C: a write in progress is put back, as on any failure.
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)  # set here, not at start-up: --help needs none
    ctx.obj["repo"] = repo
    if source_checkout or "lcspr.gitops" in sys.modules:  # else gitops, when loaded, starts with False
        from lcspr import gitops

        gitops.WRITE_IN_SOURCE = source_checkout


@cli.command()
@click.argument("path", type=PathParam())
@click.option("--partnership", help="The partnership's name, shown on every document (asked for at a terminal).")
@click.option("--prefix", default="LIG", show_default=True, help="The case ID prefix (LIG-2026-001).")
def init(path: Path, partnership: str | None, prefix: str) -> None:
    """Make PATH a records repository: Git, lcspr.toml, cases/, one commit.

    Example: lcspr init ~/lcspr-records --partnership "Example Safeguarding Children Partnership"
    """
    from lcspr.repository import init as init_repository

    if partnership is None:
        partnership = _ask("--partnership", "The partnership's name, as every document will show it",
                           value_proc=_not_empty)
    root = init_repository(path, partnership, prefix)
    click.echo(f"Created the records repository {root}")
    click.echo(f"Edit {root / 'lcspr.toml'} to list your agencies and roles, then run `lcspr new-case`.")


@cli.command("new-case")
@click.option("--title", help="The case's pseudonym, e.g. 'Child A' (never a real name).")
@click.option("--referred-by", "referred_by", shell_complete=AGENCY,
              help="The referring agency's ID from lcspr.toml (e.g. police).")
@click.option("--received", type=DATE, help="The day the referral arrived (default: today).")
@click.option("--serious-incident", is_flag=True, help="The case began as a serious incident notification.")
@click.option("--aware", type=DATE, help="With --serious-incident: the day the local authority became aware.")
@click.option("--offline", is_flag=True,
              help="Allocate the ID in this clone alone, without the remote (see lcspr reallocate if it collides).")
@TEXT_OR_JSON
@click.pass_context
def new_case(ctx: click.Context, title: str | None, referred_by: str | None, received: str | None,
             serious_incident: bool, aware: str | None, offline: bool, fmt: str) -> None:
    """Open a case: the next ID, a case folder from the skeletons, one commit.

    At a terminal, what is not given is asked for, one at a time.

    Example: lcspr new-case --title "Child D" --referred-by police --received 2026-09-01
    """
    from lcspr import intake

    repo = _repo(ctx)
    if title is None:
        title = _ask("--title", "Pseudonym (e.g. Child A; never a real name)",
                     value_proc=_checked(lambda text: intake.check_title(repo, text)))
    if referred_by is None:
        referred_by = _ask("--referred-by", f"Referring agency ({', '.join(repo.config.agencies)})",
                           value_proc=_checked(lambda text: intake.check_referrer(repo, text)))
    if received is None and sys.stdin.isatty():
        received = _ask("--received", "Day the referral arrived (YYYY-MM-DD)", default=intake.default_day().isoformat(),
                        value_proc=_checked(lambda text: intake.check_day(_date(text), "")))
    if serious_incident and aware is None:
        aware = _ask("--aware", "Day the local authority became aware (YYYY-MM-DD)",
                     value_proc=_checked(lambda text: intake.check_day(_date(text), "")))
    result = intake.new_case(repo, title, referred_by, received, serious_incident, aware, offline=offline)
    if fmt == "json":
        _print_json({"id": result.id, "path": result.path, "commit": result.commit, "pushed_to": result.pushed_to,
                     "taken": result.taken})
        return
    pushed = f" and pushed it to {result.pushed_to}" if result.pushed_to else ""
    click.echo(f"Opened {result.id} in {result.path} (commit {result.commit[:10]}){pushed}.")
    if result.taken:
        click.echo(f"{', '.join(result.taken)} went to cases others opened meanwhile: this case is {result.id}.")


def _ask(option: str, prompt: str, default: str | None = None,
         value_proc: Callable[[str], Any] | None = None) -> str:
    """Ask at a terminal for what `option` was not given, again until the answer is good;
    without a terminal, a usage error naming the option."""
    if not sys.stdin.isatty():
        raise UsageError(f"{option} is required (no terminal to ask at).")
    return str(click.prompt(prompt, default=default, value_proc=value_proc))


def _checked(check: Callable[[str], object]) -> Callable[[str], str]:
    """A prompt's answer, refused with the library's own words (without the option's
    name the user never typed), so the prompt asks again."""

    def proc(text: str) -> str:
        text = text.strip()
        try:
            check(text)
        except LcsprError as exc:
            raise click.BadParameter(str(exc)) from None
        return text

    return proc


def _date(text: str) -> str:
    """A prompted day, checked as --received or --aware would be."""
    return DATE.convert(text, None, None)


def _not_empty(text: str) -> str:
    if not text.strip():
        raise click.BadParameter("it must not be empty.")
    return text.strip()


@cli.command()
@click.argument("case_ids", nargs=-1, metavar="[ID]...", shell_complete=CASE_ID)
@click.option("--no-cache", is_flag=True, help="Check every case again, ignoring the results kept from the last run.")
@click.option("--files", "as_files", is_flag=True,
              help="The arguments are file paths (as pre-commit passes them): check the cases they belong to.")
@TEXT_OR_JSON
@click.pass_context
def validate(ctx: click.Context, case_ids: tuple[str, ...], no_cache: bool, as_files: bool, fmt: str) -> None:
    """Check every case (or those named): schemas, IDs, agencies, line by line
    (exit 1 on any problem).

    Example: lcspr validate LIG-2026-001
    """
    from dataclasses import asdict

    from lcspr.validation import cases_of_files
    from lcspr.validation import validate as validate_cases

    repo = _repo(ctx)
    ids: list[str] | None = list(case_ids)
    if as_files:
        ids = cases_of_files(repo, list(case_ids))
        if ids == []:
            click.echo("No case files among the files given: nothing to check.")
            return
    report = validate_cases(repo, ids, cache=not no_cache)
    if fmt == "json":
        _print_json({"ok": report.ok, "cases": report.cases, "problems": [asdict(p) for p in report.problems],
                     "summary": report.summary()})
    else:
        for problem in report.problems:
            click.echo(str(problem))
        click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@cli.command("list")
@click.option("--status", shell_complete=STATE, help="Only cases in this state.")
@click.option("--level", shell_complete=LEVEL, help="Only cases on this route (level-1 ... level-4, ...).")
@TABLE
@click.pass_context
def list_cases(ctx: click.Context, status: str | None, level: str | None, fmt: str) -> None:
    """List the cases with their state and route.

    Example: lcspr list --status screening --format csv
    """
    from lcspr.listing import COLUMNS, case_rows

    rows = case_rows(_repo(ctx), status, level)
    if fmt == "json":
        _print_json(rows)
    elif fmt == "csv":
        _print_csv(rows, COLUMNS)
    else:
        _print_table(rows, COLUMNS)


@cli.command()
@click.argument("case_id", metavar="ID", shell_complete=CASE_ID)
@TEXT_OR_JSON
@click.pass_context
def show(ctx: click.Context, case_id: str, fmt: str) -> None:
    """Show one case: its state, dates, open deadlines, and its files.

    Example: lcspr show LIG-2026-001
    """
    from lcspr.listing import show as show_case

    data = show_case(_repo(ctx), case_id)
    if fmt == "json":
        _print_json(data)
        return
    case = data["case"]
    dates = case.get("dates")
    responses = data["responses"]
    fields = [
        ("status", case.get("status", "")),
        ("level", case.get("level") or "(not decided)"),
        ("referred by", case.get("referred_by", "")),
        *[(key.replace("_", " "), value) for key, value in (dates.items() if isinstance(dates, dict) else [])],
        ("folder", data["path"]),
        ("responses", ", ".join(responses) if responses else "(none yet)"),
    ]
    width = max(len(label) for label, _ in fields) + 1
    click.echo(f"{data['id']}: {case.get('title', '')}")
    for label, value in fields:
        click.echo(f"  {label + ':':<{width}} {value}")
    for note in data["changed_since_approval"]:
        click.echo(f"  approval: {note}")
    if data["deadlines"]:
        click.echo("  deadlines:")
    for due in data["deadlines"]:
        name = f"{due['title']} ({due['agency']})" if due["agency"] else due["title"]
        extra = f"; {due['note']}" if due["note"] else ""
        click.echo(f"    {due['due']}  {name}: {due['state']}, {due['working_days_left']} working day(s) left{extra}")


@cli.command(cls=_ListsStates)
@click.argument("case_id", metavar="ID", shell_complete=CASE_ID)
@click.argument("state", shell_complete=STATE)
@click.option("--reason", required=True, help="Why the decision was made (goes into the record).")
@click.option("--by", "by", shell_complete=ROLE,
              help="The role deciding, from lcspr.toml [roles] (default: default_role).")
@click.option("--recorded-by", "recorded_by", shell_complete=ROLE,
              help="For a decision made outside the partnership (the National Panel's): the role recording it "
                   "on the decider's behalf (default: default_role).")
@click.option("--on", "on", type=DATE, help="The day the decision was made (default: today).")
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              help="Set a case.md field with the decision, e.g. --set workshop.date=2026-12-09 (repeatable).")
@click.pass_context
def advance(ctx: click.Context, case_id: str, state: str, reason: str, by: str | None, recorded_by: str | None,
            on: str | None, assignments: tuple[str, ...]) -> None:
    """Record a decision: move case ID to STATE (a state, a state's former name, or a level
    such as level-2), in one commit.

    Example: lcspr advance LIG-2026-001 screening --by secretariat --reason "Forms requested."
    """
    from lcspr.decisions import advance as record_decision
    from lcspr.decisions import parse_assignments

    decision = record_decision(_repo(ctx), case_id, state, reason, by, on, parse_assignments(assignments),
                               recorded_by=recorded_by)
    for line in decision.said:
        click.echo(line)
    click.echo(f"{decision.case}: {decision.source} -> {decision.target} (commit {decision.commit[:10]})")
    if decision.recorder:
        click.echo(f"Decided by {decision.decided_by}, recorded on its behalf by {decision.recorder}.")
    for note in decision.noted:
        click.echo(f"Noted (not refused): {note}")
    if decision.included:
        click.echo("Also recorded edits in the case folder: " + ", ".join(decision.included))
    for agency in decision.requested:
        click.echo(f"Requested a referral response: cases/{decision.case}/responses/{agency}.md")
    for path in decision.sent:
        click.echo(f"Sent and recorded: {path}")
    for path, blob in decision.approved:
        click.echo(f"Approved and pinned: {path} (blob {blob[:10]})")


@cli.command("next", cls=_ListsStates)
@click.argument("case_id", metavar="ID", shell_complete=CASE_ID)
@TEXT_OR_JSON
@click.pass_context
def next_states(ctx: click.Context, case_id: str, fmt: str) -> None:
    """List the legal next states of a case, with their titles, and what each still needs.

    Example: lcspr next LIG-2026-001
    """
    from dataclasses import asdict

    from lcspr.decisions import options

    found = options(_repo(ctx), case_id)
    if fmt == "json":
        _print_json([asdict(option) for option in found])
        return
    if not found:
        click.echo(f"{case_id} is in a final state.")
    for option in found:
        ready = "ready" if not option.missing else f"{len(option.missing)} missing"
        on_behalf = f" (recorded on its behalf by {', '.join(option.recorded_by)})" if option.recorded_by else ""
        click.echo(f"{option.state} ({option.title}); decided by {', '.join(option.by)}{on_behalf}: {ready}")
        for gap in option.missing:
            click.echo(f"  - {gap}")
        for warning in option.warnings:
            click.echo(f"  noted, not refused: {warning}")
        for started in option.starts:
            click.echo(f"  starts the deadline: {started}")
        for stopped in option.stops:
            click.echo(f"  stops the deadline: {stopped}")
        for kind in option.checks_publication:
            click.echo(f"  checks the {kind} for identifying details when it is made "
                       f"(see now: lcspr check-publication {case_id})")


def _print_entries(entries: list[Any], fmt: str, with_case: bool) -> None:
    from lcspr.history import as_dict

    if fmt == "json":
        _print_json([as_dict(e) for e in entries])
        return
    if not entries:
        click.echo("(no decisions recorded)")
    for e in entries:
        case = f"{e.case} " if with_case else ""
        recorded = f"recorded by {e.recorded_by} at {e.recorded_at or e.committed_at}, commit {e.commit[:10]}"
        decided = f"decided by {e.decided_by or '-'}" + (f" ({e.holder})" if e.holder else "") \
            + (f", recorded on its behalf by {e.recorder}" if e.recorder else "")
        if e.action == "correction":
            click.echo(f"{e.decided_on}  {case}correction of {e.corrects[:10]}  ({decided}, {recorded})")
        elif e.action == "reallocate":
            click.echo(f"{e.decided_on}  {case}moved from {e.case} to {e.moved_to}  (reallocate, {decided}, {recorded})")
        elif e.action == "receive":
            click.echo(f"{e.decided_on}  {case}response received from {e.agency}  (receive, {recorded})")
        else:
            move = f"{e.source} -> {e.target}" if e.source else f"opened as {e.target}"
            click.echo(f"{e.decided_on or e.recorded_at[:10]}  {case}{move}  ({e.action}, {decided}, {recorded})")
        for line in (e.reason or e.subject).splitlines():
            click.echo(f"    {line}")
        for label, values in (("corrected finding", e.findings), ("requested", e.requested),
                              ("included", e.included), ("sent", e.sent), ("noted", e.noted),
                              ("approved", [f"{path} (blob {blob[:10]})" for path, blob in e.approved]),
                              ("received", [e.received] if e.received else [])):
            for value in values:
                click.echo(f"    {label}: {value}")


@cli.command()
@click.argument("case_id", metavar="ID", shell_complete=CASE_ID)
@TEXT_OR_JSON
@click.pass_context
def history(ctx: click.Context, case_id: str, fmt: str) -> None:
    """Show every decision on one case (and each agency's form received), read from Git.

    Example: lcspr history LIG-2026-001
    """
    from lcspr.history import entries
    from lcspr.records import case_folder

    repo = _repo(ctx)
    case_folder(repo.config, case_id)
    _print_entries(entries(repo.root, case_id), fmt, with_case=False)


@cli.command()
@TEXT_OR_JSON
@click.pass_context
def log(ctx: click.Context, fmt: str) -> None:
    """Show every decision on every case, oldest first, read from Git.

    Example: lcspr log --format json
    """
    from lcspr.history import entries

    _print_entries(entries(_repo(ctx).root), fmt, with_case=True)


@cli.command()
@click.option("--strict", is_flag=True, help="Fail on corrected findings too, not only on open ones.")
@click.option("--full", is_flag=True, help="Walk the whole history again, not only what is new since the last audit.")
@TEXT_OR_JSON
@click.pass_context
def audit(ctx: click.Context, strict: bool, full: bool, fmt: str) -> None:
    """Prove that every status was reached by a legal, recorded decision, made on
    what the record says (exit 1 on any open finding; with --strict, on any finding).

    Example: lcspr audit --strict
    """
    from lcspr.audit import audit as audit_history

    report = audit_history(_repo(ctx), strict=strict, full=full)
    if fmt == "json":
        _print_json(report.as_dict())
    else:
        for finding in report.findings:
            click.echo(str(finding))
        click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.argument("commit")
@click.option("--reason", required=True, help="What was examined and how it was put right (goes into the record).")
@click.option("--by", "by", shell_complete=ROLE,
              help="The role recording the correction, from lcspr.toml [roles] (default: default_role).")
@click.option("--on", "on", type=DATE, help="The day it was put right (default: today).")
@click.pass_context
def correct(ctx: click.Context, commit: str, reason: str, by: str | None, on: str | None) -> None:
    """Record that the audit findings of COMMIT were examined and put right, in a commit of its own.

    Example: lcspr correct 1a2b3c4d5e --by lig-chair --reason "Status set by hand; reverted."
    """
    from lcspr.corrections import correct as record_correction

    record = record_correction(_repo(ctx), commit, reason, by, on)
    click.echo(f"Recorded the correction of {record.corrects[:10]} (commit {record.commit[:10]}): "
               + ", ".join(record.findings))


@cli.command()
@click.argument("case_id", metavar="ID", shell_complete=CASE_ID)
@click.option("--reason", required=True, help="Why the case moves, e.g. the ID was opened twice (goes into the record).")
@click.option("--by", "by", shell_complete=ROLE,
              help="The role recording the move, from lcspr.toml [roles] (default: default_role).")
@click.option("--on", "on", type=DATE, help="The day it was decided (default: today).")
@click.pass_context
def reallocate(ctx: click.Context, case_id: str, reason: str, by: str | None, on: str | None) -> None:
    """Move case ID to the next ID free here and on the remote, in one recorded commit.

    For a case two clones opened under the same ID: run it in the clone whose case
    has not been shared yet, before `lcspr sync`.

    Example: lcspr reallocate LIG-2026-004 --reason "LIG-2026-004 was opened in two clones."
    """
    from lcspr.reallocation import reallocate as move_case

    moved = move_case(_repo(ctx), case_id, reason, by, on)
    click.echo(f"Moved {moved.old} to {moved.new} in {moved.path} (commit {moved.commit[:10]}).")


@cli.command()
@click.pass_context
def sync(ctx: click.Context) -> None:
    """Bring in the shared remote's commits, validate and audit them, and push yours (never forcing).

    Example: lcspr sync
    """
    from lcspr.sync import sync as sync_repository

    result = sync_repository(_repo(ctx))
    if not result.received and not result.sent:
        click.echo(f"Up to date with {result.remote}.")
        return
    if result.received:
        touched = f", touching {', '.join(result.cases)}" if result.cases else ""
        click.echo(f"Received {result.received} commit(s) from {result.remote} ({result.how}){touched}; "
                   "validated and audited.")
    if result.sent:
        click.echo(f"Sent {result.sent} commit(s) to {result.remote}.")


@cli.command("import")
@click.argument("folders", nargs=-1, required=True, type=PathParam(exists=True, file_okay=False))
@click.option("--reason", required=True, help="Where the cases come from (goes into the record).")
@click.pass_context
def import_cases(ctx: click.Context, folders: tuple[Path, ...], reason: str) -> None:
    """Bring existing case folders into the record, one commit each.

    For cases that began before this repository (or in another system): each
    enters the trail at the status its case.md holds, and `lcspr audit`
    counts that as its first recorded state.

    Example: lcspr import ../old-records/LIG-2025-007 --reason "From the previous case system."
    """
    from lcspr.intake import import_case

    repo = _repo(ctx)
    for folder in folders:
        result = import_case(repo, folder, reason)
        click.echo(f"Imported {result.id} into {result.path} (commit {result.commit[:10]}).")


DUE_COLUMNS = ("case", "deadline", "agency", "due", "working_days_left", "state", "title", "note")


@cli.command()
@click.option("--on", "on", type=DATE, help="Count as if today were this day (default: today).")
@click.option("--within", type=click.IntRange(min=0), help="Only deadlines due within N working days (overdue always shows).")
@TABLE
@click.pass_context
def due(ctx: click.Context, on: str | None, within: int | None, fmt: str) -> None:
    """List every open deadline, most urgent first (exit 3 when any is overdue).

    Example: lcspr due --within 5
    """
    from lcspr.calendar import parse_iso_date
    from lcspr.deadlines import all_due

    today = parse_iso_date(on, "--on") if on else None
    found = all_due(_repo(ctx), today, within)
    rows = [d.as_dict() for d in found]
    if fmt == "json":
        _print_json(rows)
    elif fmt == "csv":
        _print_csv(rows, DUE_COLUMNS)
    else:
        _print_table(rows, ("case", "deadline", "agency", "due", "working_days_left", "state", "note"))
    if any(d.state == "unreadable" for d in found):
        click.echo("Error: some cases cannot be read, so their deadlines are unknown; "
                   "`lcspr validate` says what is wrong.", err=True)
        sys.exit(1)
    if any(d.state == "overdue" for d in found):
        sys.exit(3)


def _period(repo: Repository, start: str | None, end: str | None, today: Any) -> tuple[Any, Any]:
    """The period of --from and --to, or the last complete reporting year when neither is given."""
    from lcspr import figures as fig

    if (start is None) != (end is None):
        raise UsageError("give the period with both --from and --to, or neither for the last complete reporting "
                         "year.")
    if start is None:
        return fig.default_period(repo.config, today)
    first, last = _option_date(start, "--from"), _option_date(end, "--to")
    if last < first:
        raise UsageError(f"--from {start} is after --to {end}: give the period's first day first.")
    return first, last


def _option_date(value: str | None, option: str) -> Any:
    """A date given as an option, or None; a wrong one is a usage error (exit 2)."""
    from lcspr.calendar import parse_iso_date
    from lcspr.errors import InvalidDate

    if value is None:
        return None
    try:
        return parse_iso_date(value, option)
    except InvalidDate as exc:
        raise UsageError(f"{exc}") from None


def _report_problems(problems: list[str], what: str) -> None:
    """Problems found while reading the cases go to standard error, and the command exits 1."""
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        click.echo(f"Error: {len(problems)} problem(s) in the case files; {what}. "
                   "`lcspr validate` says the same; correct the files and run again.", err=True)
        sys.exit(1)


#: What `lcspr register` shows in a terminal (CSV, JSON and the workbook have every column).
REGISTER_TABLE = ("id", "title", "level", "status", "notification_met", "rapid_review_met", "publication_met",
                  "on_hold", "actions_open", "actions_overdue", "next_deadline")
ACTIONS_TABLE = ("case", "id", "owner", "due", "status", "overdue", "change")


@cli.command()
@format_option("table", "json", "csv", "xlsx")
@click.option("--actions", "show_actions", is_flag=True, help="table and csv: the actions, one row each, "
              "instead of the cases.")
@click.option("-o", "--output", type=PathParam(dir_okay=False),
              help="With --format xlsx: the workbook to write (e.g. register.xlsx).")
@click.option("--on", "on", type=DATE, help="Count as if today were this day (default: today).")
@click.pass_context
def register(ctx: click.Context, fmt: str, show_actions: bool, output: Path | None, on: str | None) -> None:
    """The register: every case with the dates of each step, time taken against
    the statutory targets, holds, themes, recommendations and actions; exit 1 when
    a case's files are invalid (still listed, with its problems).

    Example: lcspr register --format xlsx -o register.xlsx
    """
    from lcspr import register as reg

    if fmt == "xlsx" and output is None:
        raise UsageError("--format xlsx writes a workbook: name it with -o, e.g. -o register.xlsx.")
    if fmt != "xlsx" and output is not None:
        raise UsageError("-o is for --format xlsx; the other formats print (redirect them with >).")
    repo = _repo(ctx)
    result = reg.build(repo, _option_date(on, "--on"))
    if fmt == "json":
        _print_json(result)
    elif fmt == "xlsx":
        assert output is not None
        reg.write_xlsx(result, output, repo.config.partnership)
        click.echo(f"Wrote {output}: {len(result['cases'])} case(s), {len(result['actions'])} action(s). "
                   "It is OFFICIAL-SENSITIVE: keep it where the case records are kept.")
    else:
        rows = [{k: reg.as_text(v) for k, v in row.items()}
                for row in (result["actions"] if show_actions else result["cases"])]
        columns = reg.ACTION_COLUMNS if show_actions else reg.CASE_COLUMNS
        if fmt == "csv":
            _print_csv(rows, tuple(key for key, _ in columns))
        else:
            _print_table(rows, ACTIONS_TABLE if show_actions else REGISTER_TABLE)
    _report_problems(result["problems"], "those cases are listed with what could be read")


@cli.command()
@click.option("--from", "start", type=DATE, help="The period's first day (with --to; default: "
              "the last complete reporting year, lcspr.toml reporting_year).")
@click.option("--to", "end", type=DATE, help="The period's last day.")
@format_option("markdown", "json", "csv")
@click.option("--explain", is_flag=True, help="List the cases each figure counts.")
@click.option("--on", "on", type=DATE, help="Count as if today were this day (default: today).")
@click.pass_context
def figures(ctx: click.Context, start: str | None, end: str | None, fmt: str, explain: bool, on: str | None) -> None:
    """The figures for a yearly report and the National Panel over a period,
    each traceable to the cases it counts; exit 1 when a case's files are invalid
    (it is not counted) or no case was open in the period.

    Example: lcspr figures --from 2026-04-01 --to 2027-03-31 --explain
    """
    from lcspr import figures as fig

    repo = _repo(ctx)
    today = _option_date(on, "--on")
    first, last = _period(repo, start, end, today)
    result = fig.compute(repo, first, last, today)
    if fmt == "json":
        _print_json(result)
    elif fmt == "csv":
        rows = [dict(f, cases=" ".join(f["cases"])) for f in result["figures"]]
        _print_csv(rows, ("key", "title", "value", "unit", "detail", "target", "cases"))
    else:
        click.echo(fig.as_markdown(result, repo.config.partnership, explain), nl=False)
    _report_problems(result["problems"], f"{len(result['not_counted'])} case(s) were not counted: "
                     f"{', '.join(result['not_counted'])}")


@cli.command()
@click.argument("out", metavar="OUT", type=PathParam())
@click.option("--from", "start", type=DATE, help="The figures' first day (with --to; default: the "
              "last complete reporting year, lcspr.toml reporting_year).")
@click.option("--to", "end", type=DATE, help="The figures' last day.")
@click.option("--on", "on", type=DATE, help="Count deadlines as if today were this day (default: today).")
@click.pass_context
def site(ctx: click.Context, out: Path, start: str | None, end: str | None, on: str | None) -> None:
    """Write the Board's dashboard into folder OUT: static HTML pages (register, deadlines,
    actions, figures with charts, audit, each case's decisions) that open from a shared
    drive, with no server.

    Example: lcspr site ../board-dashboard
    """
    from lcspr.site import build

    repo = _repo(ctx)
    today = _option_date(on, "--on")
    written = build(repo, out, today, period=_period(repo, start, end, today))
    click.echo(f"Wrote {written.pages} page(s) for {written.cases} case(s) into {written.folder}; "
               f"open {written.folder / 'index.html'}. It is OFFICIAL-SENSITIVE: keep it within the partnership.")
    click.echo(written.verdict.summary)
    for problem in written.problems:
        click.echo(f"Problem (shown on the dashboard, the case not counted in the figures): {problem}", err=True)


@cli.command()
@click.argument("case_id", metavar="ID", shell_complete=CASE_ID)
@click.argument("kind", type=click.Choice(["referral", "response", "report"]))
@click.option("--agency", shell_complete=AGENCY, help="With response: only this agency's form (default: every agency's).")
@click.option("-o", "--output", type=PathParam(),
              help="A folder, or a .docx file name for one document (default: cases/ID/documents/).")
@click.option("--pdf", is_flag=True, help="Also convert to PDF with LibreOffice (soffice).")
@click.option("--blank", is_flag=True,
              help="With response: the form for the agency to fill in (default: one per agency involved).")
@click.pass_context
def render(ctx: click.Context, case_id: str, kind: str, agency: str | None, output: Path | None, pdf: bool,
           blank: bool) -> None:
    """Fill the Word template of a case's referral, referral responses or review report;
    or, with --blank, make the referral-response form an agency fills in.

    Example: lcspr render LIG-2026-001 report --pdf
    """
    if blank:
        from lcspr.response_form import check_blank_options, render_blank

        check_blank_options(kind, pdf)
        written = render_blank(_repo(ctx), case_id, agency, output)
    else:
        from lcspr.documents import render as render_documents

        written = render_documents(_repo(ctx), case_id, kind, agency, output, pdf)
    for path in written:
        click.echo(f"Wrote {path}")


@cli.command()
@click.argument("case_id", metavar="ID", shell_complete=CASE_ID)
@click.argument("form", metavar="FILE.docx", type=PathParam(dir_okay=False))
@click.option("--agency", required=True, shell_complete=AGENCY,
              help="The agency that returned the form, from lcspr.toml [agencies].")
@click.option("--on", "on", type=DATE, help="The day the form was received (default: today).")
@click.option("--replace", is_flag=True, help="Replace a response received or written before (it stays in Git's history).")
@TEXT_OR_JSON
@click.pass_context
def receive(ctx: click.Context, case_id: str, form: Path, agency: str, on: str | None, replace: bool,
            fmt: str) -> None:
    """Read an agency's returned referral-response form into responses/AGENCY.md and
    commit it, with the .docx as received, in one recorded commit.

    Example: lcspr receive LIG-2026-001 police-response.docx --agency police
    """
    from lcspr.receipts import describe, receive as receive_form

    repo = _repo(ctx)
    receipt = receive_form(repo, case_id, agency, form, on=on, replace=replace)
    if fmt == "json":
        _print_json(describe(receipt, repo.config.root))
        return
    root = repo.config.root
    click.echo(f"Received the form from {agency} into {receipt.response.relative_to(root).as_posix()} "
               f"({receipt.entries} chronology entries), kept as {receipt.original.relative_to(root).as_posix()} "
               f"(sha256 {receipt.sha256[:16]}…; commit {receipt.record.commit[:10]}).")


# --- publication: the identity register and the check (issue 10) ----------------


def _check_case(ctx: click.Context, case_id: str, documents: tuple[Path, ...], fmt: str) -> None:
    from lcspr.publication import check

    report = check(_repo(ctx), case_id, list(documents))
    if fmt == "json":
        _print_json({"findings": [f.as_dict() for f in report.findings],
                     "checked": [{"file": f, "sha256": h} for f, h in report.checked]})
    else:
        for finding in report.findings:
            click.echo(str(finding))
        accepted = len(report.findings) - len(report.open)
        extra = f" ({accepted} accepted)" if accepted else ""
        click.echo(f"Checked {len(report.checked)} file(s) of {case_id}: "
                   + (f"{len(report.open)} finding(s){extra}." if report.open else f"nothing to keep out{extra}."))
    if report.open:
        sys.exit(1)


@cli.command("check-publication")
@click.argument("case_id", metavar="[ID]", required=False, shell_complete=CASE_ID)
@click.option("--document", "documents", multiple=True, type=PathParam(exists=True, dir_okay=False),
              help="Also check this Word or PDF file (repeatable).")
@click.option("--history", is_flag=True, help="Check every version of every case file in the Git history instead.")
@click.option("--accept", "key", metavar="KEY", help="Record that the finding KEY was judged safe to publish.")
@click.option("--by", "by", shell_complete=ROLE, help="With --accept: the role that judged it, from lcspr.toml [roles].")
@click.option("--reason", help="With --accept: why it is safe to publish.")
@TEXT_OR_JSON
@click.pass_context
def check_publication(ctx: click.Context, case_id: str | None, documents: tuple[Path, ...], history: bool,
                      key: str | None, by: str | None, reason: str | None, fmt: str) -> None:
    """Find what must not be published in a case's report and its sources
    (exit 0 clean, 1 findings); or accept a finding; or, with --history, scan the Git history.

    Example: lcspr check-publication LIG-2026-001
    """
    if history:
        from lcspr.publication_history import purge_advice, scan_history

        report = scan_history(_repo(ctx).root)
        for finding in report.findings:
            click.echo(str(finding))
        click.echo(f"Checked {report.versions} version(s) of case files: {len(report.findings)} finding(s).")
        if report.findings:
            click.echo(purge_advice(report))
            sys.exit(1)
        return
    if not case_id:
        raise UsageError("name the case to check (lcspr check-publication ID), or give --history.")
    if key:
        from lcspr.publication import accept

        if not by or not reason:
            raise UsageError("--accept needs --by ROLE and --reason TEXT: who judged the finding safe, and why.")
        entry = accept(_repo(ctx), case_id, key, by, reason)
        click.echo(f"Recorded in cases/{case_id}/case.md: {entry['kind']} accepted by {by} for this document only.")
        return
    _check_case(ctx, case_id, documents, fmt)


@cli.group()
def identities() -> None:
    """The identity register: real names and details that must never be published
    (kept outside the repository; $LCSPR_IDENTITIES or ~/.config/lcspr/identities.toml).

    Example: lcspr identities list LIG-2026-001
    """


@identities.command("add")
@click.argument("case_id", metavar="ID", shell_complete=CASE_ID)
@click.option("--kind", required=True, help="child, sibling, parent, carer, household, school, setting, street, "
              "town, hospital, date-of-birth, date-of-death, nhs-number or other.")
@click.option("--value", required=True, help="The name or detail, as written (a date as YYYY-MM-DD).")
@click.option("--alias", "aliases", multiple=True, help="Another spelling or a nickname (repeatable).")
@click.option("--pseudonym", default="", help="The pseudonym it stands behind, e.g. 'Child A'.")
@click.pass_context
def identities_add(ctx: click.Context, case_id: str, kind: str, value: str, aliases: tuple[str, ...],
                   pseudonym: str) -> None:
    """Register a name or detail of case ID (never printed back).

    Example: lcspr identities add LIG-2026-001 --kind school --value "Nowhere Primary"
    """
    from lcspr import identities as register
    from lcspr.records import case_folder

    repo = _repo(ctx)
    case_folder(repo.config, case_id)
    entry = register.add(register.default_path(), repo.root, case_id, kind, value, list(aliases), pseudonym)
    click.echo(f"Registered a {entry.kind} for {case_id} in {register.default_path()} (line {entry.line}).")


@identities.command("list")
@click.argument("case_id", metavar="ID", shell_complete=CASE_ID)
@click.option("--show", is_flag=True, help="Print the values themselves (default: masked).")
@click.pass_context
def identities_list(ctx: click.Context, case_id: str, show: bool) -> None:
    """List what is registered for case ID: kinds, masked values, pseudonyms.

    Example: lcspr identities list LIG-2026-001 --show
    """
    from lcspr import identities as register
    from lcspr.records import case_folder

    repo = _repo(ctx)
    case_folder(repo.config, case_id)
    entries = register.load(None, repo.root).of(case_id)
    if not entries:
        click.echo(f"(nothing registered for {case_id})")
    for e in entries:
        spellings = [s if show else register.mask(s) for s in e.spellings()]
        behind = f" -> {e.pseudonym}" if e.pseudonym else ""
        click.echo(f"{e.kind}: {' | '.join(spellings)}{behind}  (line {e.line})")


@identities.command("check")
@click.argument("case_id", metavar="ID", shell_complete=CASE_ID)
@TEXT_OR_JSON
@click.pass_context
def identities_check(ctx: click.Context, case_id: str, fmt: str) -> None:
    """Check case ID's texts against the register (as `lcspr check-publication ID`).

    Example: lcspr identities check LIG-2026-001
    """
    _check_case(ctx, case_id, (), fmt)



# --- working together: hooks, the shared remote -----------------------------------


@cli.group()
def hooks() -> None:
    """Git hooks: validate before each commit in a clone; guard the shared repository on a server.

    Example: lcspr hooks install
    """


@hooks.command("install")
@click.option("--server", "server", type=PathParam(file_okay=False), metavar="BARE_REPO",
              help="Install the pre-receive gate into this bare repository instead (the shared remote).")
@click.option("--force", is_flag=True, help="Replace a hook of the same name that lcspr did not write.")
@click.pass_context
def hooks_install(ctx: click.Context, server: Path | None, force: bool) -> None:
    """Install the pre-commit hook into this clone (or, with --server, the gate into a bare repository).

    Example: lcspr hooks install --server /srv/git/lcspr-records.git
    """
    from lcspr import hooks as git_hooks

    if server is not None:
        path = git_hooks.install_server(server, force)
        click.echo(f"Installed the lcspr gate: {path}")
        click.echo("Pushes to the main branch that rewrite it, break the record or leave a case invalid are refused.")
        return
    path = git_hooks.install(_repo(ctx).root, git_hooks.PRE_COMMIT, force)
    click.echo(f"Installed {path}: each commit's cases are validated first (git commit --no-verify skips it).")


@hooks.command("run")
@click.argument("hook", type=click.Choice(["pre-commit", "pre-receive"]))
@click.pass_context
def hooks_run(ctx: click.Context, hook: str) -> None:
    """What an installed hook runs (Git calls it; you need not).

    Example: lcspr hooks run pre-commit
    """
    from lcspr import hooks as git_hooks

    if hook == git_hooks.PRE_RECEIVE:
        from lcspr import gate

        from pathlib import Path

        bare = Path(os.environ.get("GIT_DIR") or ".")
        verdict = gate.check_push(bare, gate.parse_updates(sys.stdin.read()))
        if not verdict.ok:
            click.echo(gate.refusal_text(verdict, gate.main_branch(bare).removeprefix("refs/heads/")), err=True)
            sys.exit(1)
        return
    result = git_hooks.pre_commit(ctx.obj.get("repo"))
    for problem in result.problems:
        click.echo(problem, err=True)
    for name in result.unstaged:
        click.echo(f"lcspr: note: {name} has changes not in this commit; the check read the file as it is now.",
                   err=True)
    if result.problems:
        click.echo(f"lcspr: {result.summary} The commit was not made: fix the files above and commit again.",
                   err=True)
        sys.exit(1)


def command_table() -> str:
    """The README's table of commands, made from the commands themselves (`cog -r README.md`)."""
    rows = ["| command | what it does | options |", "|---|---|---|"]

    def visit(group: click.Group, words: list[str], parent: click.Context) -> None:
        for name in sorted(group.commands):
            command = group.commands[name]
            ctx = click.Context(command, info_name=name, parent=parent)
            if isinstance(command, click.Group):
                visit(command, [*words, name], ctx)
                continue
            usage = " ".join(piece for piece in command.collect_usage_pieces(ctx) if piece != "[OPTIONS]")
            summary = " ".join((command.help or "").split("\n\n")[0].split())
            options = ", ".join(f"`{o.opts[-1] if o.opts[-1].startswith('--') else o.opts[0]}`"
                                for o in command.params if isinstance(o, click.Option) and o.name != "help")
            cell = f"`lcspr {' '.join([*words, name])} {usage}`".replace(" `", "`").replace("|", "\\|")
            rows.append(f"| {cell} | {summary.replace('|', chr(92) + '|')} | {options} |")

    visit(cli, [], click.Context(cli, info_name="lcspr"))
    return "\n".join(rows) + "\n"


def main() -> None:
    cli(obj={"sigterm": True})
