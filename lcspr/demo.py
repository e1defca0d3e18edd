"""`python -m lcspr.demo FOLDER [README]`: the README's walk-through, run as written.

The walk-through in the README ("A case from referral to publication") is the one
story of a case: this module reads its blocks and runs them, so `make demo` and the
test of the README can never drift from what the README says.

- A ```sh block is commands, one per line (a line ending in `\\` goes on). `cd DIR`
  changes the folder for the commands after it. Lines starting `#>` under a command
  are what it prints (a commit ID stands for any, `…` for any text); `#> Error: ...` means the command
  must refuse (exit 1). Every other command must succeed.
- A ```markdown block whose info string names a path (```` ```markdown cases/ID/referral.md ````)
  is a file a reviewer writes in their own editor: it is written there, as is.

Commands run in a shell with HOME set to FOLDER, so `~/lcspr-records` is made inside
it and nothing touches the user's own home or records. Everything is fictional.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: The README's section that is the walk-through, up to the next `## ` heading.
SECTION = "## A case from referral to publication"
#: The case the walk-through opens, in its fresh records repository.
CASE = "LIG-2026-001"


@dataclass
class Command:
    line: str
    expected: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return any(text.startswith("Error:") for text in self.expected)


@dataclass
class File:
    path: str
    text: str


Step = Command | File

_FENCE = re.compile(r"^```(\S*)\s*(\S*)\s*$")


def steps(readme: str) -> list[Step]:
    """The walk-through's commands and reviewers' files, in order."""
    lines = _section(readme.splitlines())
    found: list[Step] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i].strip())
        if not fence or not fence.group(1):
            i += 1
            continue
        language, path = fence.groups()
        body: list[str] = []
        i += 1
        while not lines[i].strip().startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        if language == "markdown" and path:
            found.append(File(path, "\n".join(body) + "\n"))
        elif language == "sh":
            found.extend(_commands(body))
    return found


def files(readme: str) -> dict[str, str]:
    """The files the walk-through's reviewers write, by path (for benchmarks that need
    a realistic case)."""
    return {step.path: step.text for step in steps(readme) if isinstance(step, File)}


def _section(lines: list[str]) -> list[str]:
    """The walk-through's lines: from its heading to the next `## ` heading outside a block."""
    start = lines.index(SECTION)
    inside = False
    for i in range(start + 1, len(lines)):
        if lines[i].strip().startswith("```"):
            inside = not inside
        elif not inside and lines[i].startswith("## "):
            return lines[start:i]
    return lines[start:]


def _commands(body: list[str]) -> list[Command]:
    commands: list[Command] = []
    pending = ""
    for raw in body:
        line = raw.rstrip()
        if line.lstrip().startswith("#>"):
            commands[-1].expected.append(line.lstrip()[2:].strip())
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        commands.append(Command(pending + line.strip()))
        pending = ""
    return commands


def _pattern(expected: str) -> re.Pattern[str]:
    """An expected line as a pattern: a 10-hex commit ID stands for any, `…` for any text."""
    commit = r"\b[0-9a-f]{10}\b"
    pieces = [commit.join(re.escape(p) for p in re.split(commit, part)) for part in expected.split("…")]
    return re.compile(".*".join(pieces))


def run(folder: Path, readme: Path, out: Callable[[str], None] | None = None) -> Path:
    """Run the README's walk-through with HOME at `folder`; return the last working folder.
    Raises SystemExit naming the command that did not do what the README says."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    say = out or print
    env = {**os.environ, "HOME": str(folder)}
    env["PATH"] = os.pathsep.join([_lcspr_bin(folder), env.get("PATH", "")])
    cwd = folder
    for step in steps(readme.read_text(encoding="utf-8")):
        if isinstance(step, File):
            say(f"\n# A reviewer writes {step.path} in their editor.")
            path = cwd / step.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(step.text, encoding="utf-8")
            continue
        say(f"\n$ {step.line}")
        words = shlex.split(step.line, comments=True)
        if words[0] == "cd":
            cwd = (cwd / os.path.expanduser(words[1].replace("~", str(folder), 1))).resolve()
            continue
        done = subprocess.run(step.line, shell=True, cwd=cwd, env=env, capture_output=True, text=True)
        said = done.stdout + done.stderr
        if said.strip():
            say(said.rstrip("\n"))
        wanted = 1 if step.refused else 0
        if done.returncode != wanted:
            raise SystemExit(f"the README's `{step.line}` exited with {done.returncode}, not {wanted}")
        for expected in step.expected:
            if not _pattern(expected).search(said):
                raise SystemExit(f"the README's `{step.line}` did not print: {expected}")
    return cwd


def _lcspr_bin(folder: Path) -> str:
    """A folder holding an `lcspr` command that runs this Python's lcspr."""
    here = Path(sys.executable).parent
    if (here / "lcspr").is_file():
        return str(here)
    shim = folder / ".lcspr-bin"
    shim.mkdir(exist_ok=True)
    (shim / "lcspr").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m lcspr "$@"\n', encoding="utf-8")
    (shim / "lcspr").chmod(0o755)
    return str(shim)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit("usage: python -m lcspr.demo FOLDER [README.md]")
    source = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).resolve().parent.parent / "README.md"
    last = run(Path(sys.argv[1]), source)
    print(f"\nThe demo's records repository is {last}. Try: cd {last} && git log --stat")
