"""`lcspr sync`: bring in what the shared remote holds, check it, send what is ours.

Only commits this clone has not pushed are ever rewritten, and only by a rebase,
which keeps every message and its trailers as they were. A rebase is used when it
cannot change what the audit reads: otherwise (commits signed by lcspr, a merge
among ours, a decision of ours recorded before one that arrived, a case we moved
with `lcspr reallocate` because the remote opened the same ID) lcspr merges
instead, rewriting nothing. A conflict stops it with the repository as Git left
it. What arrived and what is to be sent are validated and audited before
anything is pushed; lcspr never force-pushes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lcspr import gitops, history, records, remote, trail
from lcspr.errors import GitError, LcsprError
from lcspr.repository import Repository

#: How often sync fetches again when someone pushed while it was checking.
ATTEMPTS = 3


class SyncStopped(GitError):
    """lcspr sync stopped: a conflict, a case opened twice, or a problem in what arrived."""


@dataclass
class Synced:
    remote: str
    received: int = 0
    sent: int = 0
    how: str = ""  # fast-forward, rebase or merge ("" when nothing arrived)
    cases: list[str] = field(default_factory=list)  # the cases what arrived touches


def sync(repo: Repository) -> Synced:
    """Fetch, integrate, check, push; see the module's description."""
    root = repo.root
    with gitops.writing(root):
        up = remote.require(root, "sync")
        dirty = gitops.git(root, "status", "--porcelain", "--untracked-files=no").stdout.splitlines()
        if dirty:
            names = ", ".join(line[3:] for line in dirty[:5])
            raise SyncStopped(f"you have changes not committed ({names}); commit them, or put them aside with "
                              "`git stash` (and `git stash pop` after), then sync. Nothing was changed.")
        result = Synced(up.name)
        shared_before = _rev(root, up.tracking)  # what this clone knew was shared, before fetching
        for _ in range(ATTEMPTS):
            remote.fetch(root, up)
            head_before = _rev(root, "HEAD")
            ahead, behind = remote.counts(root, up)
            if behind:
                arrived = gitops.git(root, "rev-list", "--count", f"HEAD..{up.tracking}").stdout.strip()
                result.how = _integrate(repo, up, ahead)
                result.received += int(arrived)
                result.cases = sorted(set(result.cases) | set(_cases_changed(root, head_before, "HEAD")))
            _check(repo, up, shared_before)
            ahead, _ = remote.counts(root, up)
            if not ahead:
                return result
            pushed = remote.push(root, up)
            if pushed.ok:
                result.sent += ahead
                return result
            if pushed.outcome != remote.BEHIND:
                raise remote.refused(up, pushed, "your commits are still here, as they were.")
        raise SyncStopped(f"others kept pushing to {up.name} while lcspr synced; your commits are here, as they "
                          "were. Run `lcspr sync` again in a moment.")


def _rev(root: Path, name: str) -> str:
    return gitops.git(root, "rev-parse", "--verify", "-q", name, check=False).stdout.strip()


def _cases_changed(root: Path, old: str, new: str) -> list[str]:
    names = gitops.git(root, "diff", "--name-only", "-z", "--no-renames", old, new).stdout.split("\0")
    return sorted({n.split("/")[1] for n in names if n.startswith("cases/") and n.count("/") >= 2})


def _opened(root: Path, base: str, tip: str) -> set[str]:
    """The case IDs whose case.md the commits base..tip added."""
    names = gitops.git(root, "diff", "--name-only", "-z", "--diff-filter=A", base, tip, "--", "cases").stdout
    return {n.split("/")[1] for n in names.split("\0") if n.count("/") == 2 and n.endswith(f"/{records.CASE_FILE}")}


def _integrate(repo: Repository, up: remote.Upstream, ahead: int) -> str:
    """Bring the upstream's commits in: fast-forward, rebase or merge. Returns which."""
    root = repo.root
    if not ahead:
        gitops.git(root, "merge", "--ff-only", "--quiet", up.tracking)
        return "fast-forward"
    base = gitops.git(root, "merge-base", "HEAD", up.tracking).stdout.strip()
    ours = list(history.walk(root, revisions=f"{up.tracking}..HEAD"))
    theirs = list(history.walk(root, revisions=f"HEAD..{up.tracking}"))
    twice = sorted(_opened(root, base, "HEAD") & _opened(root, base, up.tracking))
    if twice:
        raise SyncStopped(
            f"{', '.join(twice)} was opened both here (not yet shared) and on {up.name}: two different cases under "
            f"one ID. Move yours to a free ID with `lcspr reallocate {twice[0]} --reason \"...\"`, then run "
            "`lcspr sync` again. Nothing was changed."
        )
    moved = {c.record.case for c in ours if c.record.action == trail.REALLOCATE}
    ours_times = [c.record.recorded_at for c in ours if c.record.recorded_at]
    theirs_times = [c.record.recorded_at for c in theirs if c.record.recorded_at]
    rebase = (not repo.config.sign and not any(len(c.parents) > 1 for c in ours)
              and not (moved & _opened(root, base, up.tracking))
              and not (ours_times and theirs_times and min(ours_times) < max(theirs_times)))
    if rebase:
        done = gitops.git(root, "-c", "rebase.autoStash=false", "rebase", "--quiet", up.tracking, check=False)
    else:
        done = gitops.git(root, "merge", "--no-edit", "--quiet", "-m", f"Merge {up.name} into {up.local} (lcspr sync)",
                          up.tracking, check=False)
    if done.returncode != 0:
        raise _conflict(root, up, "rebase" if rebase else "merge", done)
    return "rebase" if rebase else "merge"


def _conflict(root: Path, up: remote.Upstream, how: str, done: object) -> SyncStopped:
    conflicted = gitops.git(root, "diff", "--name-only", "--diff-filter=U").stdout.split()
    if not conflicted:
        said = " ".join(getattr(done, "stderr", "").split())
        if how == "rebase":
            gitops.git(root, "rebase", "--abort", check=False)
        return SyncStopped(f"git {how} with {up.name} failed ({said}); nothing was changed.")
    listing = "\n".join(f"  {name}" + (f" (case {name.split('/')[1]})" if name.startswith("cases/") else "")
                        for name in conflicted)
    go_on = "git rebase --continue" if how == "rebase" else "git commit --no-edit"
    return SyncStopped(
        f"lcspr sync stopped: your commits and {up.name} changed the same lines of\n{listing}\n"
        f"The repository is as Git left it, in the middle of a {how}. Open each file, keep what both sides "
        "meant between the <<<<<<< and >>>>>>> lines (a status both sides changed means two decisions on one "
        f"case: keep the one recorded first and record the other again with lcspr), `git add` it, run `{go_on}`, "
        f"then `lcspr sync` again. To go back to where you were: `git {how} --abort`."
    )


def _check(repo: Repository, up: remote.Upstream, shared_before: str) -> None:
    """Validate and audit everything not on the remote before this sync (what arrived
    and what is to be sent); SyncStopped, with nothing pushed, on any problem."""
    from lcspr.audit import audit
    from lcspr.validation import validate

    root = repo.root
    limit = [f"^{shared_before}"] if shared_before else []
    new = set(gitops.git(root, "rev-list", "HEAD", *limit).stdout.split())
    if not new:
        return
    found: list[str] = []
    changed = (_cases_changed(root, shared_before, "HEAD") if shared_before
               else records.case_ids(repo.config))
    ids = [c for c in changed if (repo.config.cases_dir / c).is_dir()]
    if ids:
        try:
            found += [str(p) for p in validate(repo, ids).problems]
        except LcsprError as exc:
            found.append(str(exc))
    found += [str(f) for f in audit(repo).open if f.commit in new]
    if found:
        raise SyncStopped(
            "lcspr sync brought the branch together with " + up.name + " but did not push, because of:\n"
            + "\n".join(f"  {line}" for line in found)
            + "\nPut them right (a new commit, or `lcspr correct COMMIT` for an audit finding), then `lcspr sync` again."
        )
