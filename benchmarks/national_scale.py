"""Is lcspr fast enough for a national record? Issue 14's table, measured in one run.

Builds, in a scratch folder, records repositories of realistic cases (each a copy of
a fictional example case with its own ID: case.md, referral.md, three responses with
20-row chronologies, report.md), every case entering the record in an import commit
written with one `git fast-import` stream, and checks that `lcspr validate` finds
them valid and `lcspr audit` finds the trail whole. Then it times each row of the
table against a baseline measured in the same run, the two run alternately, and
prints the medians as ratios, so the figures do not depend on the machine:

    python benchmarks/national_scale.py [--cases 2000] [--decisions 10000] [--repeat 3] [--big]

| row | lcspr | baseline |
|---|---|---|
| validate, cold | `lcspr validate --no-cache` | one Python process reading and C-YAML-parsing the same files |
| validate, warm | `lcspr validate`, its cache filled | the same parse floor |
| validate, one case changed | `lcspr validate` after one case.md changed | the same parse floor |
| validate, a new day | `lcspr validate`, its cache filled the day before | the same parse floor |
| validate vs doorstop | `lcspr validate --no-cache` | doorstop 3.2 validating as many items (own venv) |
| advance | `lcspr advance ID on-hold`, in a repository audited once | `python -c "import click"` + `git add` + `git commit` of a one-line change |
| audit, cold | `lcspr audit --full` on 10,000 decisions | `git log --format='%H%x00%(trailers)' --name-only` |
| audit, 10 new | `lcspr audit` from the verified point | the same `git log` of the whole history |
| show | `lcspr show ID` of an unchanged case (what it parsed kept in .git/lcspr/memo/) | `python -c "import click"` |
| show, changed | `lcspr show ID` with the case's memo removed, as after its files changed | `python -c "import click"` |
| help | `lcspr --help` | `python -c "import click"` |
| list | `lcspr list` of unchanged cases (each case's overview kept in .git/lcspr/ that day) | `python -c "import click"` |
| list, a new day | `lcspr list` with only what the files said kept: deadlines counted again | `python -c "import click"` |
| list, nothing kept | `lcspr list` reading every case | `python -c "import click"` |
| render | `lcspr render ID report`, 2,000-row chronology | the same, every chronology empty |

`--big` adds the validate and advance rows for 10,000 cases, and audit on 100,000 decisions
when its estimate (from the 10,000-decision run) fits in a few minutes.

Every command runs without PYTHONDONTWRITEBYTECODE, as a user's shell has it, so
start-up reads compiled bytecode. Timings are printed, never asserted. The audit
history comes from benchmarks/audit_history.py's generator.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LCSPR = str(Path(PYTHON).parent / "lcspr")  # the installed console script, as users run it
DOORSTOP_VENV = PROJECT / "benchmarks" / ".venv-doorstop"  # git-ignored; never the project's own venv
#: Example cases copied into every generated repository: both have every file.
TEMPLATES = ("LIG-2026-001", "LIG-2025-011")
CHRONOLOGY_ROWS = 20
#: The decision `advance` is timed on: open, legal from the template's status, a small change.
ADVANCE = ("on-hold", "--by", "secretariat", "--reason", "Paused while the criminal trial runs.")
#: What the parse floor does: read every case file and parse its frontmatter with libyaml.
PARSE_FLOOR = """
import sys, yaml
from pathlib import Path
for path in sorted(Path("cases").glob("*/**/*.md")):
    text = path.read_text(encoding="utf-8")
    end = text.find("\\n---", 3)
    yaml.load(text[4:end], Loader=yaml.CSafeLoader)
"""
IMPORT_CLICK = [PYTHON, "-c", "import click"]


# --- environment and timing ------------------------------------------------------


def isolated_env(scratch: Path) -> dict[str, str]:
    """This environment with HOME, Git's global config and identity in `scratch`, no
    GIT_* redirection, and PYTHONDONTWRITEBYTECODE removed (a user's shell has it unset)."""
    home = scratch / "home"
    home.mkdir(exist_ok=True)
    (home / ".gitconfig").write_text("", encoding="utf-8")
    register = home / ".config" / "lcspr" / "identities.toml"  # the publication gate needs one
    register.parent.mkdir(parents=True, exist_ok=True)
    register.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        LCSPR_IDENTITIES=str(register), HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_CONFIG_NOSYSTEM="1", LC_ALL="C",
        GIT_AUTHOR_NAME="Secretariat (benchmark)", GIT_AUTHOR_EMAIL="secretariat@example.org",
        GIT_COMMITTER_NAME="Secretariat (benchmark)", GIT_COMMITTER_EMAIL="secretariat@example.org",
    )
    return env


def run(env: dict[str, str], cwd: Path, *command: str, input: bytes | None = None, ok: Sequence[int] = (0,)) -> str:
    """Run a command; stop the benchmark, saying why, when it fails."""
    done = subprocess.run(command, cwd=cwd, env=env, input=input, capture_output=True)
    if done.returncode not in ok:
        raise SystemExit(f"benchmark stopped: `{shlex.join(command)}` exited with {done.returncode}:\n"
                         + done.stderr.decode(errors="replace")[-3000:] + done.stdout.decode(errors="replace")[-3000:])
    return done.stdout.decode("utf-8", errors="replace")


Step = Callable[[], object]


def timed(env: dict[str, str], cwd: Path, *commands: Sequence[str], ok: Sequence[int] = (0,)) -> Step:
    """A step running `commands` one after another, output discarded."""

    def step() -> None:
        for command in commands:
            done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if done.returncode not in ok:
                raise SystemExit(f"benchmark stopped: `{shlex.join(command)}` exited with {done.returncode}:\n"
                                 + done.stderr.decode(errors="replace")[-3000:])

    return step


@dataclass
class Row:
    measurement: str
    lcspr: float
    baseline_name: str
    baseline: float
    target: str
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.lcspr / self.baseline


def compare(repeat: int, lcspr: Step, baseline: Step, before_lcspr: Step | None = None,
            before_baseline: Step | None = None) -> tuple[float, float]:
    """Median seconds of `repeat` runs of each, alternately (each after its untimed `before`)."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for index, (before, step) in enumerate(((before_lcspr, lcspr), (before_baseline, baseline))):
            if before is not None:
                before()
            started = time.perf_counter()
            step()
            times[index].append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def forget_overviews(root: Path, inputs: bool = True) -> Step:
    """A step that removes the overviews `list` and `due` keep, as on a new day, and
    with `inputs` what they read of the files too, so the next list reads every case
    (a baseline of reading the cases)."""
    def forget() -> None:
        for name in ("overview-cache.json", "overview-inputs.json") if inputs else ("overview-cache.json",):
            (root / ".git" / "lcspr" / name).unlink(missing_ok=True)

    return forget


def forget_kept(root: Path, *names: str) -> Step:
    """A step that removes the files named from `.git/lcspr/` (what lcspr keeps between runs)."""
    def forget() -> None:
        for name in names:
            (root / ".git" / "lcspr" / name).unlink(missing_ok=True)

    return forget


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def print_table(rows: list[Row], repeat: int) -> None:
    print(f"\nmedians of {repeat} runs of each, lcspr and its baseline alternately; "
          "PYTHONDONTWRITEBYTECODE unset for every timed command")
    print("| measurement | lcspr | baseline | ratio | target |\n|---|---|---|---|---|")
    for row in rows:
        note = f" ({row.note})" if row.note else ""
        print(f"| {row.measurement} | {seconds(row.lcspr)} | {row.baseline_name}: {seconds(row.baseline)} "
              f"| {row.ratio:.2f}x{note} | {row.target} |", flush=True)


# --- a repository of N realistic cases --------------------------------------------


def chronology(agency: str, pick: random.Random) -> str:
    rows = sorted(date(2023, 1, 1) + timedelta(days=pick.randrange(700)) for _ in range(CHRONOLOGY_ROWS))
    return "chronology:\n" + "".join(
        f"  - date: {day}\n"
        f"    event: Contact number {n + 1} with the family; notes recorded and shared with the review.\n"
        f"    significance: Entry {n + 1} of the {agency} chronology; the risk was assessed as standard.\n"
        for n, day in enumerate(rows)
    )


def with_chronology(text: str, agency: str, pick: random.Random) -> str:
    """A response's text with its chronology replaced by (or, after a narrative, given) CHRONOLOGY_ROWS entries."""
    if "\nchronology:\n" not in text:
        end = text.index("\n---", 3) + 1
        return text[:end] + chronology(agency, pick) + text[end:]
    head, rest = text.split("\nchronology:\n", 1)
    head += "\n"
    lines = rest.splitlines(keepends=True)
    while lines and lines[0].startswith(" "):  # the example's own entries
        lines.pop(0)
    return head + chronology(agency, pick) + "".join(lines)


def template_files() -> dict[str, dict[str, str]]:
    """Each template case's files (relative to its folder), chronologies 20 rows long."""
    pick = random.Random(2026)  # the same cases every run
    result = {}
    for case_id in TEMPLATES:
        folder = PROJECT / "cases" / case_id
        files = {}
        for path in sorted(folder.rglob("*.md")):
            name = path.relative_to(folder).as_posix()
            text = path.read_text(encoding="utf-8")
            files[name] = with_chronology(text, path.stem, pick) if name.startswith("responses/") else text
        if sum(n.startswith("responses/") for n in files) != 3 or "report.md" not in files:
            raise SystemExit(f"benchmark stopped: the example {case_id} no longer has three responses and a report")
        result[case_id] = files
    return result


def case_ids(count: int) -> list[tuple[str, str]]:
    """(template, new ID) for `count` cases, the templates in turn, IDs in the template's year."""
    ids = []
    for n in range(count):
        template = TEMPLATES[n % len(TEMPLATES)]
        prefix, year, _ = template.split("-")
        ids.append((template, f"{prefix}-{year}-{n + 1:05d}"))
    return ids


def import_stream(cases: list[tuple[str, str]], templates: dict[str, dict[str, str]], branch: str,
                  parent: str, moment: datetime) -> Iterator[bytes]:
    """One `git fast-import` commit per case, as `lcspr import` records it."""
    from audit_history import fast_import_commit

    from lcspr import trail

    stamp = b"%d +0000" % int(moment.timestamp())
    recorded = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    who = b"Secretariat (benchmark) <secretariat@example.org>"
    for number, (template, case_id) in enumerate(cases):
        files = {f"cases/{case_id}/{name}": text.replace(template, case_id).encode("utf-8")
                 for name, text in templates[template].items()}
        status = _status(templates[template]["case.md"])
        message = trail.Decision(
            action=trail.IMPORT, case=case_id, target=status, recorded_at=recorded,
            subject=f"{case_id}: import case at {status}", reason="Brought over from the previous case system.",
        ).message().encode("utf-8")
        yield fast_import_commit(branch, who, stamp, message, files, parent if number == 0 else None)


def _status(text: str) -> str:
    found = re.search(r"^status: *(\S+)", text, re.M)
    if not found:
        raise SystemExit("benchmark stopped: a template case.md has no status")
    return found.group(1)


def make_cases(env: dict[str, str], root: Path, count: int) -> list[tuple[str, str]]:
    """`lcspr init` at `root`, then `count` imported cases in one fast-import; checked valid and whole."""
    run(env, root.parent, LCSPR, "init", str(root), "--partnership", "Example Safeguarding Children Partnership",
        "--prefix", "LIG")
    head = run(env, root, "git", "rev-parse", "HEAD").strip()
    branch = run(env, root, "git", "symbolic-ref", "--short", "HEAD").strip()
    cases = case_ids(count)
    started = time.perf_counter()
    moment = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)
    while datetime.now(timezone.utc) < moment:  # no Recorded-At later than now, none before init's
        time.sleep(0.1)
    stream = b"".join(import_stream(cases, template_files(), branch, head, moment)) + b"done\n"
    run(env, root, "git", "fast-import", "--quiet", "--done", input=stream)
    run(env, root, "git", "read-tree", "-m", "-u", head, "HEAD")  # work tree and index follow the new HEAD
    built = time.perf_counter() - started
    summary = run(env, root, LCSPR, "validate", "--no-cache").strip().splitlines()[-1]
    audited = run(env, root, LCSPR, "audit", "--full").strip().splitlines()[-1]
    print(f"{count:,} cases ({len(stream) / 2**20:.0f} MiB, {count + 1:,} commits) built in {built:.1f} s; "
          f"validate: {summary}; audit: {audited}", flush=True)
    return cases


# --- the rows ---------------------------------------------------------------------


def validate_rows(env: dict[str, str], root: Path, count: int, cases: list[tuple[str, str]], repeat: int) -> list[Row]:
    floor = timed(env, root, [PYTHON, "-c", PARSE_FLOOR])
    label = f"{count:,} cases"
    name = "read + C-YAML-parse the same files"
    cold = compare(repeat, timed(env, root, [LCSPR, "validate", "--no-cache"]), floor)
    run(env, root, LCSPR, "validate")  # fill the cache
    warm = compare(repeat, timed(env, root, [LCSPR, "validate"]), floor)
    changed = root / "cases" / cases[len(cases) // 2][1] / "case.md"
    original = changed.read_text(encoding="utf-8")
    edits = iter(range(10**6))

    def change_one() -> None:
        changed.write_text(original + f"\n- Secretariat note {next(edits)}.\n", encoding="utf-8")

    one = compare(repeat, timed(env, root, [LCSPR, "validate"]), floor, before_lcspr=change_one)
    changed.write_text(original, encoding="utf-8")
    run(env, root, LCSPR, "validate")
    new_day = compare(repeat, timed(env, root, [LCSPR, "validate"]), floor, before_lcspr=verdicts_of_yesterday(root))
    return [
        Row(f"`validate --no-cache`, {label}", cold[0], name, cold[1], "≤ 1.5x"),
        Row(f"`validate` (cache filled), {label}", warm[0], name, warm[1], "well under 1 s"),
        Row(f"`validate` after one case changed, {label}", one[0], name, one[1], "≈ warm"),
        Row(f"`validate` (cache filled the day before), {label}", new_day[0], name, new_day[1], "≈ warm"),
    ]


def verdicts_of_yesterday(root: Path) -> Step:
    """A step that dates every verdict validate keeps to the day before, as the next
    morning finds them (a valid case stays valid; only problems are looked at again)."""
    path = root / ".git" / "lcspr" / "validate-cache.json"

    def age() -> None:
        saved = json.loads(path.read_text(encoding="utf-8"))
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        for entry in saved["cases"].values():
            entry["result"]["day"] = yesterday
        path.write_text(json.dumps(saved), encoding="utf-8")

    return age


def doorstop_rows(env: dict[str, str], scratch: Path, count: int, repeat: int, cold_validate: Step,
                  warm_validate: Step) -> list[Row] | str:
    """lcspr validate against doorstop 3.2 validating `count` items, or why it was skipped.

    Two rows, as neither alone is the whole story: doorstop keeps no results between
    runs (every `doorstop` reads and checks every item), so lcspr with its cache
    emptied (`--no-cache`) is the like-for-like comparison, and lcspr with its
    cache filled is what a user running both tools again gets."""
    doorstop = DOORSTOP_VENV / "bin" / "doorstop"
    if not doorstop.is_file():
        shutil.rmtree(DOORSTOP_VENV, ignore_errors=True)
        made = subprocess.run([PYTHON, "-m", "venv", str(DOORSTOP_VENV)], capture_output=True, text=True)
        if made.returncode == 0:
            made = subprocess.run([str(DOORSTOP_VENV / "bin" / "pip"), "install", "-q", "doorstop==3.2"],
                                  capture_output=True, text=True)
        if made.returncode != 0 or not doorstop.is_file():
            return f"doorstop 3.2 could not be installed into {DOORSTOP_VENV}: {(made.stderr or made.stdout)[-500:]}"
    root = scratch / "doorstop"
    items = root / "reqs"
    root.mkdir()
    run(env, root, "git", "init", "-q")
    run(env, root, str(doorstop), "create", "REQ", "./reqs", "--digits", "5")
    text = (PROJECT / "cases" / TEMPLATES[0] / "referral.md").read_text(encoding="utf-8").split("\n---\n", 1)[-1]
    body = "".join(f"  {line}\n" if line else "\n" for line in text.splitlines())
    for n in range(1, count + 1):
        (items / f"REQ{n:05d}.yml").write_text(
            f"active: true\nderived: false\nheader: ''\nlevel: 1.{n}\nlinks: []\nnormative: true\nref: ''\n"
            f"reviewed: null\ntext: |\n{body}", encoding="utf-8")
    run(env, root, "git", "add", "-A")
    run(env, root, "git", "commit", "-q", "-m", "doorstop items")
    # `doorstop` with no command validates the whole tree, exit 0 when it is valid (the
    # first run reformats the item files and stamps them reviewed: a warm-up, untimed).
    run(env, root, str(doorstop))
    validate, floor = compare(repeat, cold_validate, timed(env, root, [str(doorstop)]))
    warm, again = compare(repeat, warm_validate, timed(env, root, [str(doorstop)]))
    return [Row(f"`validate --no-cache`, {count:,} cases", validate, f"doorstop 3.2, {count:,} items", floor,
                "≤ 0.05x (≥ 20x faster)", "both read and check everything"),
            Row(f"`validate` (cache filled), {count:,} cases", warm, f"doorstop 3.2, {count:,} items", again,
                "≤ 0.05x (≥ 20x faster)", "doorstop keeps no results between runs")]


def advance_row(env: dict[str, str], root: Path, count: int, cases: list[tuple[str, str]], repeat: int) -> Row:
    """`lcspr advance` on one case against click's start-up plus Git committing the same one-line change."""
    drafting = iter([case for template, case in cases if template == TEMPLATES[0]])

    def advance() -> None:
        timed(env, root, [LCSPR, "advance", next(drafting), *ADVANCE])()

    target: list[str] = []

    def edit() -> None:
        target[:] = [f"cases/{next(drafting)}/case.md"]
        path = root / target[0]
        path.write_text(path.read_text(encoding="utf-8").replace("\nstatus: report-drafting\n",
                                                                 f"\nstatus: {ADVANCE[0]}\n"), encoding="utf-8")

    def commit() -> None:
        timed(env, root, IMPORT_CLICK, ["git", "add", "--", *target],
              ["git", "commit", "-q", "-m", "status changed by hand", "--", *target])()

    # Audited once, as any repository in use is (in a fresh clone the first decision makes the
    # verified point with a whole audit): each decision then walks only what is new.
    run(env, root, LCSPR, "audit", ok=(0, 1))
    lcspr, floor = compare(repeat, advance, commit, before_baseline=edit)
    return Row(f"`advance`, repository of {count:,} cases", lcspr, "import click + git add + git commit", floor,
               "≤ 1.3x")


def startup_rows(env: dict[str, str], root: Path, count: int, cases: list[tuple[str, str]], repeat: int) -> list[Row]:
    click = timed(env, root, IMPORT_CLICK)
    case = cases[-1][1]
    shown = timed(env, root, [LCSPR, "show", case])
    shown()  # the first show keeps what it parsed (.git/lcspr/memo/); what follows is an unchanged case
    show = compare(repeat, shown, click)
    memo = root / ".git" / "lcspr" / "memo"

    def forget() -> None:  # as after the case's files changed: everything of the case parsed again
        for name in (f"{case}.json", f"{case}.approvals.json"):
            (memo / name).unlink(missing_ok=True)

    cold = compare(repeat, shown, click, before_lcspr=forget)
    helped = compare(repeat, timed(env, root, [LCSPR, "--help"]), click)
    listing = timed(env, root, [LCSPR, "list"])
    listing()  # the first list of the day keeps each case's overview (.git/lcspr/overview-cache.json)
    listed = compare(repeat, listing, click)
    new_day = compare(repeat, listing, click, before_lcspr=forget_overviews(root, inputs=False))
    unlisted = compare(repeat, listing, click, before_lcspr=forget_overviews(root))
    return [Row(f"`show ID`, {count:,} cases", show[0], "`python -c \"import click\"`", show[1], "≤ 1.5x",
                "an unchanged case"),
            Row(f"`show ID` after the case changed, {count:,} cases", cold[0], "`python -c \"import click\"`",
                cold[1], "≤ 1.5x", "its files parsed again"),
            Row("`lcspr --help`", helped[0], "`python -c \"import click\"`", helped[1], "≤ 1.3x"),
            Row(f"`lcspr list`, {count:,} unchanged cases", listed[0], "`python -c \"import click\"`", listed[1],
                "interactive", "each case's overview kept that day"),
            Row(f"`lcspr list`, {count:,} unchanged cases, a new day", new_day[0], "`python -c \"import click\"`",
                new_day[1], "interactive", "deadlines counted again, no file read"),
            Row(f"`lcspr list`, {count:,} cases, nothing kept", unlisted[0], "`python -c \"import click\"`",
                unlisted[1], "grows with the cases", "every case read")]


def render_row(env: dict[str, str], scratch: Path, repeat: int, rows: int = 2000) -> Row:
    """`lcspr render` of LIG-2026-001's report with a `rows`-entry chronology against an empty one."""
    sys.path.insert(0, str(PROJECT / "benchmarks"))
    import render_report

    roots = {}
    for count in (rows, 0):
        roots[count] = scratch / f"render-{count}"
        render_report.make_records(roots[count], count)
        run(env, roots[count], "git", "init", "-q")
        run(env, roots[count], "git", "add", "-A")
        run(env, roots[count], "git", "commit", "-q", "-m", "records")

    def render(count: int) -> Step:
        return timed(env, roots[count], [LCSPR, "render", render_report.CASE, "report", "-o", "out"])

    render(rows)(), render(0)()  # warm-up
    long, empty = compare(repeat, render(rows), render(0))
    return Row(f"`render`, {rows:,}-row chronology", long, "empty chronology", empty, "≤ 10x",
               "end to end, as the user runs it")


# --- audit ------------------------------------------------------------------------


def audit_rows(env: dict[str, str], scratch: Path, decisions: int, repeat: int, new: int = 10) -> tuple[list[Row], float]:
    """Cold and incremental audit of a history of `decisions` decisions (+ `new` after the
    verified point), from audit_history.py's generator; and the seconds building it took."""
    sys.path.insert(0, str(PROJECT / "benchmarks"))
    import audit_history

    started = time.perf_counter()
    home = scratch / f"audit-{decisions}"
    home.mkdir()
    if not hasattr(audit_history, "_reference_template"):
        audit_history._reference_template = audit_history.reference(env, home / "reference", False)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # reference() copies env into this process
    root = home / "records"
    commits, made = audit_history.make_history(env, root, audit_history._reference_template, decisions + new)
    built = time.perf_counter() - started
    # The verified point: the commit before the last `new` decisions.
    log = run(env, root, "git", "log", "--format=%H%x00%(trailers:key=Lcspr-Action,valueonly,separator=)").splitlines()
    seen, point = 0, ""
    for line in log:
        commit, _, action = line.partition("\0")
        if seen == new:
            point = commit
            break
        seen += action.strip() in ("new-case", "advance", "import")
    if not point:
        raise SystemExit(f"benchmark stopped: the generated history has fewer than {new} decisions")
    head = log[0].split("\0")[0]
    branch = run(env, root, "git", "symbolic-ref", "HEAD").strip()
    run(env, root, "git", "update-ref", branch, point)
    run(env, root, "git", "read-tree", "-m", "-u", head, point)
    run(env, root, LCSPR, "audit", "--full", ok=(0, 1))  # saves the verified point at `point`
    state = root / ".git" / "lcspr" / "audit-state.sqlite"
    saved = state.read_bytes()
    run(env, root, "git", "update-ref", branch, head)
    run(env, root, "git", "read-tree", "-m", "-u", point, head)
    whole = run(env, root, LCSPR, "audit", "--full", ok=(0, 1)).strip().splitlines()[-1]
    print(f"audit history: {commits:,} commits, {made:,} decisions built in {built:.1f} s; audit: {whole}", flush=True)
    floor = timed(env, root, ["git", "log", "--format=%H%x00%(trailers)", "--name-only"])
    cold = compare(repeat, timed(env, root, [LCSPR, "audit", "--full"], ok=(0, 1)), floor)
    fresh = compare(repeat, timed(env, root, [LCSPR, "audit"], ok=(0, 1)), floor,
                    before_lcspr=lambda: state.write_bytes(saved))
    name = "`git log --format='%H%x00%(trailers)' --name-only`"
    return [Row(f"`audit --full`, {made:,} decisions ({commits:,} commits)", cold[0], name, cold[1], "≤ 1.5x"),
            Row(f"`audit` from the verified point, {new} new decisions", fresh[0], name, fresh[1],
                "grows with what is new")], built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases in the repository (default 2000)")
    parser.add_argument("--decisions", type=int, default=10_000, help="decisions in the audit history (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each, alternately (default 3)")
    parser.add_argument("--big", action="store_true", help="add 10,000 cases and, if it fits, 100,000 decisions")
    parser.add_argument("--budget", type=float, default=300,
                        help="most seconds the 100,000-decision audit may take with --big (default 300)")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="lcspr-national-") as tmp:
        scratch = Path(tmp)
        env = isolated_env(scratch)
        root = scratch / "records"
        cases = make_cases(env, root, args.cases)
        rows += validate_rows(env, root, args.cases, cases, args.repeat)
        run(env, root, LCSPR, "validate")  # the cache filled, for the warm row
        compared = doorstop_rows(env, scratch, args.cases, args.repeat, timed(env, root, [LCSPR, "validate", "--no-cache"]),
                                 timed(env, root, [LCSPR, "validate"]))
        if isinstance(compared, str):
            print(f"skipped the doorstop rows: {compared}")
        else:
            rows += compared
        rows += startup_rows(env, root, args.cases, cases, args.repeat)
        rows.append(advance_row(env, root, args.cases, cases, args.repeat))
        rows.append(render_row(env, scratch, args.repeat))
        print_table(rows, args.repeat)
        audit, built = audit_rows(env, scratch, args.decisions, args.repeat)
        rows += audit
        print_table(rows, args.repeat)
        if args.big:
            shutil.rmtree(root)
            big_root = scratch / "records-big"
            big = make_cases(env, big_root, 10_000)
            rows += validate_rows(env, big_root, 10_000, big, args.repeat)
            rows.append(advance_row(env, big_root, 10_000, big, args.repeat))
            print_table(rows, args.repeat)
            shutil.rmtree(big_root)
            # Cold audit and its floor grew ~27x from 10,000 to 100,000 decisions (issue 14): budget on that.
            factor = 100_000 / args.decisions
            estimate = built * factor + args.repeat * (audit[0].lcspr + audit[0].baseline) * factor * 2.7
            if estimate > args.budget:
                print(f"skipped audit on 100,000 decisions: estimated {estimate / 60:.0f} min (building the history "
                      f"~{factor:.0f}x the {built:.0f} s above, each audit and git log ~{factor * 2.7:.0f}x theirs), "
                      f"more than --budget {args.budget:.0f} s")
            else:
                rows += audit_rows(env, scratch, 100_000, args.repeat)[0]
                print_table(rows, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
