"""The server gate: a shared bare repository's pre-receive hook.

A push to the main branch (the branch the bare repository's HEAD names) is
refused when it rewrites that branch (not a fast-forward) or deletes it, when
a commit it adds has an open `lcspr audit` finding, or when it leaves a case
it touches invalid. Other branches are people's work in progress: they are
checked when they reach main.

Git runs the hook before it accepts anything, with the pushed objects in a
quarantine folder (GIT_QUARANTINE_PATH) that only this process's environment
knows of. The gate reads them through a scratch repository whose alternates
name the quarantine and the bare repository's own objects, checks out the
pushed tree there, and runs the same audit and validation as `lcspr audit` and
`lcspr validate`. The audit's verified point is kept in the bare repository
(`lcspr/audit-state.sqlite`), so each push is audited in time proportional to
what it adds.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lcspr import audit_state, gitops
from lcspr.errors import LcsprError

ZERO = "0" * 40
STATE_FOLDER = "lcspr"


@dataclass
class Verdict:
    """The gate's answer for one push: refusals, each a line the pusher sees."""

    refusals: list[str] = field(default_factory=list)
    checked: int = 0
    #: Whether a refusal concerns the pushed commits (not only a rewrite or deletion).
    about_commits: bool = False

    @property
    def ok(self) -> bool:
        return not self.refusals


def main_branch(bare: Path) -> str:
    """The branch the bare repository's HEAD names (refs/heads/main)."""
    done = gitops.git(bare, "symbolic-ref", "-q", "HEAD", check=False)
    return done.stdout.strip() or "refs/heads/main"


def parse_updates(text: str) -> list[tuple[str, str, str]]:
    """The `old new ref` lines Git gives pre-receive on standard input."""
    updates = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            updates.append((parts[0], parts[1], parts[2]))
    return updates


def check_push(bare: Path, updates: list[tuple[str, str, str]], environ: dict[str, str] | None = None) -> Verdict:
    """Judge a push to the bare repository `bare`; `environ` is the hook's environment
    (default: this process's), where Git says where the pushed objects wait."""
    environ = dict(os.environ if environ is None else environ)
    bare = bare.resolve()
    main = main_branch(bare)
    verdict = Verdict()
    branch = main.removeprefix("refs/heads/")
    for old, new, ref in updates:
        if ref != main:
            continue
        if new == ZERO:
            verdict.refusals.append(f"{branch} is the shared record and cannot be deleted.")
            continue
        with _scratch(bare, environ, new) as scratch:
            if old != ZERO and gitops.git(scratch, "merge-base", "--is-ancestor", old, new, check=False).returncode:
                verdict.refusals.append(
                    f"this push rewrites {branch} ({old[:10]} is not in the history of {new[:10]}: a force-push "
                    f"or a rebase of commits already shared). The record is never rewritten: fetch, put your "
                    f"commits on top of {branch} (`lcspr sync`) and push again."
                )
                continue
            found = _check_commits(bare, scratch, old, new, verdict)
            verdict.refusals.extend(found)
            verdict.about_commits = verdict.about_commits or bool(found)
    return verdict


def _check_commits(bare: Path, scratch: Path, old: str, new: str, verdict: Verdict) -> list[str]:
    """Audit findings of the pushed commits, and problems of the cases they touch."""
    from lcspr.audit import audit
    from lcspr.repository import open_repository
    from lcspr.validation import cases_of_files, validate

    known = gitops.git(bare, "for-each-ref", "--format=%(objectname)", "refs/heads", "refs/tags").stdout.split()
    limit = [old] if old != ZERO else known
    pushed = gitops.git(scratch, "rev-list", new, *[f"^{sha}" for sha in limit]).stdout.split()
    verdict.checked += len(pushed)
    if not pushed:
        return []
    listing = (["diff", "--name-only", "-z", "--no-renames", old, new] if old != ZERO
               else ["ls-tree", "-r", "--name-only", "-z", new])
    names = [n for n in gitops.git(scratch, *listing).stdout.split("\0") if n]
    touched = sorted({n.split("/")[1] for n in names if n.startswith("cases/") and n.count("/") >= 2})
    _materialize(scratch, touched)
    try:
        repo = open_repository(scratch)
        if cases_of_files(repo, names, base=scratch) is None:  # lcspr.toml or the workflow changed
            _materialize(scratch, None)
        state = bare / STATE_FOLDER / audit_state.STATE_NAME
        if state.is_file():
            saved = audit_state.state_path(scratch)
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(state, saved)
        report = audit(repo)
        _keep_state(scratch, state)
    except LcsprError as exc:
        return [f"{new[:10]} cannot be checked: {exc}"]
    refusals = []
    pushed_set = set(pushed)
    order = {sha: i for i, sha in enumerate(reversed(pushed))}
    for finding in sorted((f for f in report.open if f.commit in pushed_set), key=lambda f: order[f.commit]):
        refusals.append(str(finding))
    ids = cases_of_files(repo, names, base=scratch)
    if ids != []:
        try:
            checked = validate(repo, ids, cache=False)
        except LcsprError as exc:
            return refusals + [f"{new[:10]} cannot be validated: {exc}"]
        refusals.extend(f"{problem}" for problem in checked.problems)
    return refusals


def _materialize(scratch: Path, cases: list[str] | None) -> None:
    """Write out of the scratch index what the checks read from disk: everything but
    the case folders, and the folders of `cases` (None: every case). A record of
    thousands of cases is not written out for a push that touches one."""
    listed = gitops.git(scratch, "ls-files", "-z").stdout.split("\0")
    wanted = tuple(f"cases/{c}/" for c in cases) if cases is not None else ("cases/",)
    chosen = [n for n in listed if n and (not n.startswith("cases/") or n.startswith(wanted))]
    if chosen:
        gitops.git(scratch, "checkout-index", "-f", "-z", "--stdin", input="".join(f"{n}\0" for n in chosen))


def _keep_state(scratch: Path, state: Path) -> None:
    """Keep the scratch audit's verified point in the bare repository (a failure only
    costs a longer walk next time)."""
    made = audit_state.state_path(scratch)
    if not made.is_file():
        return
    try:
        state.parent.mkdir(parents=True, exist_ok=True)
        tmp = state.with_name(f".{state.name}.{os.getpid()}.tmp")
        shutil.copyfile(made, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, state)
        (state.parent / audit_state.OLD_STATE_NAME).unlink(missing_ok=True)  # what an older lcspr kept
    except OSError:
        pass


class _scratch:
    """A scratch clone-without-copying of the pushed commit `new`: a repository whose
    objects are the bare repository's and the quarantined ones, with `new` checked out."""

    def __init__(self, bare: Path, environ: dict[str, str], new: str) -> None:
        self.bare, self.environ, self.new = bare, environ, new
        self.folder = Path(tempfile.mkdtemp(prefix="lcspr-gate-"))

    def __enter__(self) -> Path:
        root = self.folder / "push"
        gitops.git(self.folder, "init", "--quiet", "--initial-branch=main", str(root))
        sources = [self.environ.get("GIT_QUARANTINE_PATH", ""), self.environ.get("GIT_OBJECT_DIRECTORY", "")]
        sources += self.environ.get("GIT_ALTERNATE_OBJECT_DIRECTORIES", "").split(os.pathsep)
        sources.append(str(gitops.git_dir(self.bare) / "objects"))
        folders = [str(Path(s).resolve()) for s in dict.fromkeys(sources) if s and Path(s).is_dir()]
        alternates = gitops.git_dir(root) / "objects" / "info" / "alternates"
        alternates.write_text("".join(f"{f}\n" for f in folders), encoding="utf-8")
        gitops.git(root, "update-ref", "refs/heads/main", self.new)
        gitops.git(root, "read-tree", "HEAD")  # the index only: _materialize writes out what is read
        return root

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def refusal_text(verdict: Verdict, branch: str) -> str:
    """What the pusher reads (Git shows it prefixed with `remote:`)."""
    lines = [f"lcspr refused this push to {branch}:"]
    lines += [f"  {line}" for line in verdict.refusals]
    lines.append("Nothing was changed on the server.")
    if verdict.about_commits:
        lines.append(
            "Commits that only your clone holds can be undone (`git reset --soft origin/" + branch + "`, then "
            "redo the change with lcspr) or answered with `lcspr correct COMMIT --reason ...`; fix invalid files "
            "in a new commit; then push again."
        )
    return "\n".join(lines)
