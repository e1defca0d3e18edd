"""Is `lcspr site` fast enough for a national record? The Board's dashboard against
`lcspr list` on the same cases, measured in one run.

Builds, in a scratch folder, a records repository of realistic cases with
national_scale.py's generator (each a copy of a fictional example case with its
own ID, entering the record in an import commit; `lcspr validate` finds them
valid and `lcspr audit` the trail whole), then times, alternately with its
baseline in the same run, and prints the medians as ratios (target: at most 5x):

    python benchmarks/board_site.py [--cases 2000] [--repeat 3]

| row | lcspr | baseline |
|---|---|---|
| site | `lcspr site OUT` (the audit from the verified point the last audit saved, and the cases as the last run read them, as on a schedule) | `lcspr list --format json`, every case read |
| site, nothing kept | the same, with nothing kept in `.git/lcspr/` (a fresh clone: no verified point, every case read) | `lcspr list --format json`, every case read |

The site reads every case, the whole history of decisions, every open deadline,
and writes one page per case. Timings are printed, never asserted; each command
runs as a user's shell runs it (PYTHONDONTWRITEBYTECODE unset).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from national_scale import (LCSPR, Row, compare, forget_kept, forget_overviews, isolated_env, make_cases, print_table,
                            run, timed)


def site_rows(env: dict[str, str], root: Path, scratch: Path, count: int, repeat: int) -> list[Row]:
    out = scratch / "board"
    listing = timed(env, root, [LCSPR, "list", "--format", "json"])
    site = timed(env, root, [LCSPR, "site", str(out)])
    site()  # once untimed: the first build also checks the folder is a new one
    pages = len(list((out / "cases").glob("*.html"))) + 1
    size = sum(p.stat().st_size for p in out.rglob("*")) / 2**20
    print(f"the site: {pages:,} pages, {size:.1f} MiB", flush=True)
    state = Path(run(env, root, "git", "rev-parse", "--absolute-git-dir").strip()) / "lcspr" / "audit-state.sqlite"

    kept = forget_kept(root, "register-inputs.json", "overview-cache.json", "overview-inputs.json")

    def fresh_clone() -> None:  # nothing kept: no verified point, no case read before
        state.unlink(missing_ok=True)
        kept()

    label = f"{count:,} cases"
    unkept = forget_overviews(root)  # the baseline reads every case
    warm = compare(repeat, site, listing, before_baseline=unkept)
    cold = compare(repeat, site, listing, before_lcspr=fresh_clone, before_baseline=unkept)
    return [
        Row(f"`site`, {label}", warm[0], "`list --format json`", warm[1], "≤ 5x",
            "audit from its verified point, unchanged cases not read again"),
        Row(f"`site`, {label}, nothing kept", cold[0], "`list --format json`", cold[1], "≤ 5x",
            "whole history audited, every case read"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases in the repository (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each, alternately (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lcspr-site-") as tmp:
        scratch = Path(tmp)
        env = isolated_env(scratch)
        root = scratch / "records"
        make_cases(env, root, args.cases)
        rows = site_rows(env, root, scratch, args.cases, args.repeat)
        print_table(rows, args.repeat)
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
