"""How much slower is a review report with a long merged chronology?

Renders the review report of the fictional case LIG-2026-001 twice over, in a
scratch records repository: once with its agencies' chronologies holding 2,000
entries between them, once with every chronology empty. Each is rendered a few
times and the medians compared, in the same run, so the ratio does not depend on
the machine. The target is at most 10x.

    python benchmarks/render_report.py [--rows 2000] [--repeat 5]

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


def make_records(root: Path, rows: int) -> None:
    """A records repository holding LIG-2026-001 with `rows` chronology entries in all."""
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
    parser.add_argument("--repeat", type=int, default=5, help="renders of each, after a warm-up (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lcspr-bench-") as scratch:
        empty_root, full_root = Path(scratch) / "empty", Path(scratch) / "full"
        make_records(empty_root, 0)
        make_records(full_root, args.rows)
        empty = time_render(empty_root, args.repeat)
        full = time_render(full_root, args.repeat)
    rows = f"{args.rows:,}-row"
    print(f"median of {args.repeat} renders   empty chronology   {rows} chronology   ratio")
    ratios = []
    for label, e, f in (("fill", empty[0], full[0]), ("end to end", empty[1], full[1])):
        ratios.append(f / e)
        print(f"{label:<24} {e * 1000:12.1f} ms {f * 1000:17.1f} ms {f / e:8.1f}x")
    print(f"fill ratio {ratios[0]:.1f}x (target: at most 10x)")
    return 0 if ratios[0] <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
