"""What does the server gate add to a push, and does it grow with the history?

Builds, in a scratch folder, a records repository with a long history of
realistic decisions (the generator of audit_history.py), and two bare
repositories holding it: one plain, one with `lcspr hooks install --server`.
Then, alternately, one new commit (a reviewer's note on a referral) is pushed
to each, and the medians are printed as a ratio measured in the same run. The
gate audits only what a push adds, from the verified point it keeps, so its cost
should not grow with the history; the first push to the gated repository (a
whole audit, once) is timed too. Timings are printed, never asserted.

    python benchmarks/gate_push.py [--decisions 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from audit_history import LCSPR, isolated_env, make_history, reference, run


def timed(env: dict[str, str], cwd: Path, *command: str) -> float:
    started = time.perf_counter()
    run(env, cwd, *command)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=2000, help="decision commits in the history (default 2000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed pushes to each, alternately (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lcspr-bench-") as tmp:
        scratch = Path(tmp)
        env = isolated_env(scratch)
        template = reference(env, scratch / "reference", False)
        root = scratch / "records"
        commits, decisions = make_history(env, root, template, args.decisions)
        plain, gated = scratch / "plain.git", scratch / "gated.git"
        for bare in (plain, gated):
            run(env, scratch, "git", "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
        run(env, scratch, str(LCSPR), "hooks", "install", "--server", str(gated))
        branch = run(env, root, "git", "symbolic-ref", "--short", "HEAD").strip()
        first_plain = timed(env, root, "git", "push", "--quiet", str(plain), f"{branch}:main")
        first_gated = timed(env, root, "git", "push", "--quiet", str(gated), f"{branch}:main")
        case = sorted(p for p in (root / "cases").iterdir() if p.is_dir())[0]
        referral = case / "referral.md"
        pushes: dict[str, list[float]] = {"plain": [], "gated": []}
        for n in range(args.repeat):
            referral.write_text(referral.read_text(encoding="utf-8") + f"\nA reviewer's note, {n + 1}.\n",
                                encoding="utf-8")
            run(env, root, "git", "commit", "--quiet", "-m", f"Reviewer's note {n + 1}", "--",
                referral.relative_to(root).as_posix())
            order = [("plain", plain), ("gated", gated)] if n % 2 == 0 else [("gated", gated), ("plain", plain)]
            for name, bare in order:
                pushes[name].append(timed(env, root, "git", "push", "--quiet", str(bare), f"{branch}:main"))
        median = {k: statistics.median(v) for k, v in pushes.items()}
        print(f"\n{commits:,} commits ({decisions:,} decisions); median of {args.repeat} pushes each, alternately")
        print("| measurement | gated | plain bare repository | ratio |\n|---|---|---|---|")
        print(f"| first push of the whole history | {first_gated:.2f} s | {first_plain:.2f} s "
              f"| {first_gated / first_plain:.1f}x |")
        print(f"| push of one new commit | {median['gated']:.2f} s | {median['plain']:.2f} s "
              f"| {median['gated'] / median['plain']:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
