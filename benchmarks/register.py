"""Is `lcspr register` fast on a national record? Timed against `lcspr list` on the same cases.

Builds, in a scratch folder, a records repository of realistic cases with
national_scale.py's generator (copies of the example cases LIG-2026-001 and
LIG-2025-011, the latter with its action plan, each imported in one commit), then
times, alternately and as medians, `lcspr register --format json` and `lcspr
figures --format json` against `lcspr list --format json` on the same cases (every
case read), and prints the ratios (target for the register: at most 2x). Each is
timed twice: with nothing kept (a fresh clone: every case read and checked), and
with what the last run read kept in `.git/lcspr/register-inputs.json`, the cases
unchanged:

    python benchmarks/register.py [--cases 2000] [--repeat 3]

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from national_scale import (LCSPR, Row, compare, forget_kept, forget_overviews, isolated_env, make_cases, print_table,
                            run, timed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases in the repository (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each, alternately (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lcspr-register-") as tmp:
        scratch = Path(tmp)
        env = isolated_env(scratch)
        root = scratch / "records"
        make_cases(env, root, args.cases)
        register = json.loads(run(env, root, LCSPR, "register", "--format", "json"))
        if len(register["cases"]) != args.cases or register["problems"] or not register["actions"]:
            raise SystemExit("benchmark stopped: the register does not list every case, valid, with its actions")
        print(f"register: {len(register['cases']):,} cases, {len(register['actions']):,} actions", flush=True)
        listing = timed(env, root, [LCSPR, "list", "--format", "json"])
        baseline = f"`lcspr list --format json`, {args.cases:,} cases, every case read"
        unkept = forget_overviews(root)
        nothing_kept = forget_kept(root, "register-inputs.json")
        rows = []
        for command in ("register", "figures"):
            timed_command = timed(env, root, [LCSPR, command, "--format", "json"])
            target = "≤ 2x" if command == "register" else "—"
            times = compare(args.repeat, timed_command, listing, before_lcspr=nothing_kept, before_baseline=unkept)
            rows.append(Row(f"`{command} --format json`, {args.cases:,} cases, nothing kept", times[0], baseline,
                            times[1], target, "every case read and checked"))
            times = compare(args.repeat, timed_command, listing, before_baseline=unkept)
            rows.append(Row(f"`{command} --format json`, {args.cases:,} unchanged cases", times[0], baseline,
                            times[1], target, "what was read kept"))
        print_table(rows, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
