"""The `lcspr` command line: each command parses, makes one library call, prints.

This is the only module that imports click. Every library error becomes its
message on standard error and exit status 1 (usage errors: 2).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from lcspr import __version__
from lcspr.errors import LcsprError, UsageError


class _Group(click.Group):
    """Turns lcspr errors into messages and exit codes, never tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LcsprError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted; nothing was recorded.", 130)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _repo(ctx: click.Context, check: bool = True):  # -> Repository
    from lcspr.repository import open_repository

    return open_repository(ctx.obj.get("repo"), check=check)


def _print_json(data: Any) -> None:
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
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    click.echo(out.getvalue(), nl=False)


FORMAT = click.Choice(["table", "json", "csv"])


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    help="The records repository (default: the one holding the current folder).",
)
@click.version_option(__version__, prog_name="lcspr")
@click.pass_context
def cli(ctx: click.Context, repo: Path | None) -> None:
    """Case records, decisions and documents for Local Child Safeguarding
    Practice Reviews, kept in Git."""
    ctx.ensure_object(dict)
    ctx.obj["repo"] = repo


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--partnership", default="Example Safeguarding Children Partnership", show_default=True,
              help="The partnership's name, shown on every document.")
@click.option("--prefix", default="LIG", show_default=True, help="The case ID prefix (LIG-2026-001).")
def init(path: Path, partnership: str, prefix: str) -> None:
    """Make PATH a records repository: Git, lcspr.toml, cases/, one commit."""
    from lcspr.repository import init as init_repository

    root = init_repository(path, partnership, prefix)
    click.echo(f"Created the records repository {root}")
    click.echo(f"Edit {root / 'lcspr.toml'} to list your agencies and roles, then run `lcspr new-case`.")


@cli.command("new-case")
@click.option("--title", help="The case's pseudonym, e.g. 'Child A' (never a real name).")
@click.option("--referred-by", "referred_by", help="The referring agency's ID from lcspr.toml (e.g. police).")
@click.option("--received", help="The day the referral arrived, YYYY-MM-DD (default: today).")
@click.option("--serious-incident", is_flag=True, help="The case began as a serious incident notification.")
@click.option("--aware", help="With --serious-incident: the day the local authority became aware, YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def new_case(ctx: click.Context, title: str | None, referred_by: str | None, received: str | None,
             serious_incident: bool, aware: str | None, fmt: str) -> None:
    """Open a case: the next ID, a case folder from the skeletons, one commit."""
    from lcspr.intake import new_case as open_case

    repo = _repo(ctx)
    interactive = sys.stdin.isatty()
    if title is None:
        title = _ask(interactive, "Pseudonym (e.g. Child A)", "--title")
    if referred_by is None:
        referred_by = _ask(interactive, f"Referring agency ({', '.join(repo.config.agencies)})", "--referred-by")
    if serious_incident and aware is None:
        aware = _ask(interactive, "Day the local authority became aware (YYYY-MM-DD)", "--aware")
    result = open_case(repo, title, referred_by, received, serious_incident, aware)
    if fmt == "json":
        _print_json({"id": result.id, "path": result.path, "commit": result.commit})
    else:
        click.echo(f"Opened {result.id} in {result.path} (commit {result.commit[:10]}).")


def _ask(interactive: bool, prompt: str, option: str) -> str:
    if not interactive:
        raise UsageError(f"{option} is required (no terminal to ask at).")
    return str(click.prompt(prompt))


@cli.command()
@click.argument("case_ids", nargs=-1, metavar="[ID]...")
@click.pass_context
def validate(ctx: click.Context, case_ids: tuple[str, ...]) -> None:
    """Check every case (or those named): schemas, IDs, agencies, line by line."""
    from lcspr.validation import validate as validate_cases

    report = validate_cases(_repo(ctx), list(case_ids))
    for problem in report.problems:
        click.echo(str(problem))
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@cli.command("list")
@click.option("--status", help="Only cases in this state.")
@click.option("--level", help="Only cases on this route (level-1 ... level-4, ...).")
@click.option("--format", "fmt", type=FORMAT, default="table", show_default=True)
@click.pass_context
def list_cases(ctx: click.Context, status: str | None, level: str | None, fmt: str) -> None:
    """List the cases with their state and route."""
    from lcspr.listing import COLUMNS, case_rows

    rows = case_rows(_repo(ctx, check=False), status, level)
    if fmt == "json":
        _print_json(rows)
    elif fmt == "csv":
        _print_csv(rows, COLUMNS)
    else:
        _print_table(rows, COLUMNS)


@cli.command()
@click.argument("case_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def show(ctx: click.Context, case_id: str, fmt: str) -> None:
    """Show one case: its state, dates, people by role, and its files."""
    from lcspr.listing import show as show_case

    data = show_case(_repo(ctx, check=False), case_id)
    if fmt == "json":
        _print_json(data)
        return
    case = data["case"]
    click.echo(f"{data['id']}: {case.get('title', '')}")
    click.echo(f"  status:      {case.get('status', '')}")
    click.echo(f"  level:       {case.get('level') or '(not decided)'}")
    click.echo(f"  referred by: {case.get('referred_by', '')}")
    dates = case.get("dates")
    for key, value in (dates.items() if isinstance(dates, dict) else []):
        click.echo(f"  {key + ':':<12} {value}")
    click.echo(f"  folder:      {data['path']}")
    responses = data["responses"]
    click.echo(f"  responses:   {', '.join(responses) if responses else '(none yet)'}")


def main() -> None:
    cli(obj={})
