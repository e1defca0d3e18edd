"""How much slower is a review report with a long merged chronology and a big table?

Renders the review report of the fictional case LIG-2026-001 three times over, in
scratch records repositories: with every chronology empty (the baseline); with its
agencies' chronologies holding 2,000 entries between them; and with those 2,000
entries and a 400-row, 4-column Markdown table in report.md's Findings. Each is
rendered a few times and the medians compared with the baseline's, in the same run,
so the ratios do not depend on the machine. The target is at most 10x (issue 15:
python-docx's cell lookups once made a 400-row table alone take 38 s).

    python benchmarks/render_report.py [--rows 2000] [--table-rows 400] [--repeat 5]

Two times are taken for each. "fill" is rendering proper, the part the target is
for: building the values, filling the template (docxtpl) and writing the .docx.
"end to end" is the whole `lcspr render ID report`, which before filling reads and
validates every response file, so 2,000 entries of YAML and JSON Schema checks too.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

PROJECT = Path(__file__).resolve().parent.parent
CASE = "LIG-2026-001"
AGENCIES = ("childrens-services", "community-health", "police")


def make_records(root: Path, rows: int, table_rows: int = 0) -> None:
    """A records repository holding LIG-2026-001 with `rows` chronology entries in all,
    and a Markdown table of `table_rows` rows in report.md when that is not 0."""
    from lcspr.config import render_default

    root.mkdir(parents=True)
    (root / "lcspr.toml").write_text(render_default("Example Safeguarding Children Partnership", "LIG"), encoding="utf-8")
    shutil.copytree(PROJECT / "cases" / CASE, root / "cases" / CASE)
    pick = random.Random(2026)  # the same chronology every run
    start = date(2024, 1, 1)
    for index, agency in enumerate(AGENCIES):
        share = rows // len(AGENCIES) + (1 if index < rows % len(AGENCIES) else 0)
        entries = "".join(
            f"  - date: {start + timedelta(days=pick.randrange(730))}\n"
            f"    event: Contact number {n + 1} with the family; notes recorded & shared.\n"
            f"    significance: Entry {n + 1} of the {agency} chronology.\n"
            for n in range(share)
        )
        path = root / "cases" / CASE / "responses" / f"{agency}.md"
        text = path.read_text(encoding="utf-8")
        head, rest = text.split("chronology:\n", 1)
        # Drop the example's own entries (indented lines) up to the next top-level key.
        lines = rest.splitlines(keepends=True)
        while lines and lines[0].startswith(" "):
            lines.pop(0)
        body = "chronology:\n" + entries if entries else "chronology: []\n"
        path.write_text(head + body + "".join(lines), encoding="utf-8")
    if table_rows:
        add_table(root / "cases" / CASE / "report.md", table_rows)


def add_table(report: Path, rows: int) -> None:
    """A `rows`-row, 4-column Markdown table at the start of report.md's Findings."""
    table = "| Date | Agency | What happened | Why it matters |\n|---|---|---|---|\n" + "".join(
        f"| 2025-{n % 12 + 1:02d}-{n % 28 + 1:02d} | Agency {n % 7} | Contact **{n + 1}** with the family "
        f"and a [note](https://example.org/notes/{n}) | Entry {n + 1}: *shared* with the panel |\n"
        for n in range(rows)
    )
    text = report.read_text(encoding="utf-8")
    report.write_text(text.replace("## Findings\n", f"## Findings\n\n{table}\n", 1), encoding="utf-8")


def time_render(root: Path, repeat: int) -> tuple[float, float]:
    """Median seconds of `repeat` renders of the report (after a warm-up): filling
    alone, and end to end."""
    from lcspr import documents
    from lcspr.repository import open_repository

    repo = open_repository(root)
    output = root / "out"
    documents.render(repo, CASE, "report", output=output)  # warm-up: imports, caches
    case = documents.read_valid_case(repo, CASE)
    fill = _median(repeat, lambda: (output / "report.docx").write_bytes(documents.fill(repo.config, case, "report")))
    whole = _median(repeat, lambda: documents.render(repo, CASE, "report", output=output))
    return fill, whole


def _median(repeat: int, call: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000, help="chronology entries in all (default 2000)")
    parser.add_argument("--table-rows", type=int, default=400, help="rows of the Markdown table (default 400)")
    parser.add_argument("--repeat", type=int, default=5, help="renders of each, after a warm-up (default 5)")
    args = parser.parse_args(argv)
    rows = f"{args.rows:,}-row chronology"
    scenarios = {"empty chronology": (0, 0), rows: (args.rows, 0),
                 f"{rows} + {args.table_rows:,}-row table": (args.rows, args.table_rows)}
    times: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="lcspr-bench-") as scratch:
        for index, (label, (chronology, table)) in enumerate(scenarios.items()):
            root = Path(scratch) / str(index)
            make_records(root, chronology, table)
            times[label] = time_render(root, args.repeat)
    empty = times["empty chronology"]
    print(f"median of {args.repeat} renders{'':18}      fill   ratio    end to end   ratio")
    worst = 0.0
    for label, (fill, whole) in times.items():
        worst = max(worst, fill / empty[0])
        print(f"{label:<42} {fill * 1000:8.1f} ms {fill / empty[0]:6.1f}x {whole * 1000:10.1f} ms "
              f"{whole / empty[1]:6.1f}x")
    print(f"largest fill ratio {worst:.1f}x (target: at most 10x)")
    return 0 if worst <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
