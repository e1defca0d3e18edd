"""Git hooks: `lcspr hooks install` and what the installed hooks run.

A clone gets a pre-commit hook that validates the cases a commit touches; a
bare repository on a server gets a pre-receive hook (lcspr.gate) that refuses a
push breaking the record. Each hook is a short shell script that runs this
lcspr with the Python that installed it, so Git itself runs the check, on Linux,
macOS and Windows (Git for Windows runs hooks with its own sh).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lcspr import gitops
from lcspr.errors import GitError, UsageError

#: The line that marks a hook as lcspr's own: install replaces only hooks that carry it.
MARK = "# Installed by `lcspr hooks install`"
PRE_COMMIT = "pre-commit"
PRE_RECEIVE = "pre-receive"


def script(hook: str) -> str:
    """The text of an installed hook: run `lcspr hooks run HOOK` with this Python."""
    python = Path(sys.executable).as_posix().replace("'", "'\\''")
    return f"#!/bin/sh\n{MARK}; it runs `lcspr hooks run {hook}`.\nexec '{python}' -m lcspr hooks run {hook}\n"


def hook_path(git_dir_of: Path, hook: str) -> Path:
    """Where Git looks for `hook` in the repository at `git_dir_of` (core.hooksPath honoured)."""
    done = gitops.git(git_dir_of, "rev-parse", "--git-path", f"hooks/{hook}")
    path = Path(done.stdout.strip())
    return path if path.is_absolute() else (git_dir_of / path).resolve()


def install(path: Path, hook: str, force: bool = False) -> Path:
    """Write `hook` into the repository at `path` and return where it went.

    A hook already there that lcspr did not write is left alone (UsageError naming
    it) unless `force`."""
    target = hook_path(path, hook)
    if target.exists() and MARK not in target.read_text(encoding="utf-8", errors="replace") and not force:
        raise UsageError(
            f"{target} exists and was not written by lcspr; nothing was changed. Add the line "
            f"`lcspr hooks run {hook}` to it yourself, or replace it with --force."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.lcspr.tmp")
    tmp.write_text(script(hook), encoding="utf-8", newline="\n")
    tmp.chmod(0o755)
    os.replace(tmp, target)
    return target


def install_server(path: Path, force: bool = False) -> Path:
    """Make the bare repository at `path` guard its main branch with the pre-receive hook.
    (Git's receive.denyNonFastForwards would also forbid rewriting people's own branches.)"""
    path = Path(path).expanduser().resolve()
    done = gitops.git(path, "rev-parse", "--is-bare-repository", check=False)
    if done.returncode != 0:
        raise GitError(f"{path} is not a Git repository; give the path of the shared bare repository.")
    if done.stdout.strip() != "true":
        raise UsageError(
            f"{path} is a clone with a work tree, not a bare repository; --server installs the gate on "
            "the shared repository people push to (made with `git init --bare`)."
        )
    return install(path, PRE_RECEIVE, force)


@dataclass
class PreCommit:
    """What the pre-commit hook checked: the cases, their problems, and staged files
    whose case folder holds changes the commit does not (the check reads the folder)."""

    cases: list[str]
    problems: list[str] = field(default_factory=list)
    unstaged: list[str] = field(default_factory=list)
    summary: str = ""


def pre_commit(repo_path: Path | None = None) -> PreCommit:
    """Validate the cases the commit being made touches (all of them when lcspr.toml
    or the workflow changes), as their files are on disk."""
    from lcspr.repository import open_repository
    from lcspr.validation import cases_of_files, validate

    repo = open_repository(repo_path)
    root = repo.root
    # Git gives a hook the index the commit is made from (GIT_INDEX_FILE: a temporary
    # one for `git commit -a` or `git commit PATH`); ask it with the hook's environment.
    staged = _hook_git(root, "diff", "--cached", "--name-only", "-z", "--diff-filter=ACMRT")
    files = [name for name in staged.split("\0") if name]
    ids = cases_of_files(repo, files, base=root)
    if ids == []:
        return PreCommit([], summary="No case files in this commit.")
    report = validate(repo, ids)
    folders = [f"cases/{case_id}" for case_id in (ids or report.cases)]
    differ = _hook_git(root, "diff", "--name-only", "-z", "--", *folders).split("\0") if folders else []
    return PreCommit(report.cases, [str(p) for p in report.problems], [d for d in differ if d], report.summary())


def _hook_git(root: Path, *args: str) -> str:
    """`git args` in the environment Git gave the hook (its index, its repository)."""
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, encoding="utf-8", errors="replace")
    if done.returncode != 0:
        raise GitError(f"git {args[0]} failed in the pre-commit hook: {done.stderr.strip()}")
    return done.stdout
