"""The shared remote: the current branch's upstream, fetched and pushed with `git`.

lcspr never force-pushes. A push is either taken, refused because the remote
moved on meanwhile (someone else pushed first: fetch and try again), refused by
the remote for a reason of its own (the server gate: its message is kept for the
user), or it could not reach the remote.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from lcspr import gitops
from lcspr.errors import GitError

#: How a push ended.
PUSHED = "pushed"
BEHIND = "behind"  # the remote moved on meanwhile: fetch, and try again
REFUSED = "refused"  # the remote refused it (its gate, a protected branch)
UNREACHABLE = "unreachable"

#: What Git says when the remote's branch moved between our fetch and our push.
_MOVED_ON = ("fetch first", "non-fast-forward", "stale info", "cannot lock ref", "failed to lock",
             "failed to update ref", "but expected", "incorrect old value")


class RemoteError(GitError):
    """The remote could not be reached, or refused what was pushed to it."""


@dataclass(frozen=True)
class Upstream:
    """The current branch and the remote branch it shares its work with."""

    remote: str  # the remote's name, e.g. origin
    branch: str  # the branch on the remote, e.g. main
    tracking: str  # the local copy of it, e.g. refs/remotes/origin/main
    local: str  # the current branch, e.g. main

    @property
    def name(self) -> str:
        return f"{self.remote}/{self.branch}"


@dataclass
class Push:
    outcome: str
    #: What the remote said (its `remote:` lines) or what went wrong.
    said: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == PUSHED


def upstream(root: Path) -> Upstream | None:
    """The current branch's upstream on a remote, or None (no branch, or no upstream)."""
    branch = gitops.git(root, "symbolic-ref", "-q", "--short", "HEAD", check=False).stdout.strip()
    if not branch:
        return None
    remote = _config(root, f"branch.{branch}.remote")
    merge = _config(root, f"branch.{branch}.merge")
    if not remote or remote == "." or not merge.startswith("refs/heads/"):
        return None
    tracking = gitops.git(root, "rev-parse", "--symbolic-full-name", f"{branch}@{{upstream}}", check=False).stdout.strip()
    return Upstream(remote, merge.removeprefix("refs/heads/"), tracking or f"refs/remotes/{remote}/{merge[11:]}", branch)


def require(root: Path, what: str) -> Upstream:
    """The upstream, or an error saying how to set one up."""
    found = upstream(root)
    if found is not None:
        return found
    branch = gitops.git(root, "symbolic-ref", "-q", "--short", "HEAD", check=False).stdout.strip()
    if not branch:
        raise GitError(f"HEAD is detached; check out a branch (e.g. `git switch main`) before {what}.")
    remotes = gitops.git(root, "remote").stdout.split()
    if not remotes:
        raise RemoteError(
            f"this repository has no remote, so there is nothing to {what} with. Add the shared repository "
            f"once: git remote add origin URL && git push -u origin {branch}"
        )
    raise RemoteError(
        f"the branch {branch} has no upstream on a remote ({', '.join(remotes)}), so there is nothing to "
        f"{what} with. Set it once: git branch --set-upstream-to={remotes[0]}/{branch}"
    )


def _config(root: Path, key: str) -> str:
    return gitops.git(root, "config", "--get", key, check=False).stdout.strip()


def fetch(root: Path, up: Upstream) -> None:
    """Fetch the upstream branch; RemoteError (nothing changed) when the remote cannot be reached."""
    done = gitops.git(root, "fetch", "--quiet", up.remote, check=False)
    if done.returncode != 0:
        url = _config(root, f"remote.{up.remote}.url")
        said = " ".join((done.stderr or done.stdout).split())
        raise RemoteError(f"could not reach the remote {up.remote} ({url}): {said}. Nothing was changed; "
                          "check the address and the connection, and try again.")


def counts(root: Path, up: Upstream) -> tuple[int, int]:
    """(commits here and not on the upstream, commits there and not here)."""
    done = gitops.git(root, "rev-list", "--left-right", "--count", f"HEAD...{up.tracking}", check=False)
    if done.returncode != 0:
        raise RemoteError(f"{up.name} is not known here yet (git fetch {up.remote} finds it once it exists).")
    ahead, behind = done.stdout.split()
    return int(ahead), int(behind)


def catch_up(root: Path, up: Upstream, what: str) -> int:
    """Bring the branch up to the upstream when it is only behind (a fast-forward);
    refuse a diverged branch. Returns how many of its own commits the branch has
    that the upstream lacks."""
    ahead, behind = counts(root, up)
    if behind and ahead:
        raise RemoteError(
            f"{up.local} and {up.name} have diverged ({ahead} commit(s) here, {behind} there); nothing was "
            f"written. Run `lcspr sync` to bring them together, then {what} again."
        )
    if behind:
        done = gitops.git(root, "merge", "--ff-only", "--quiet", up.tracking, check=False)
        if done.returncode != 0:
            said = " ".join((done.stderr or done.stdout).split())
            raise RemoteError(
                f"could not bring {up.local} up to date with {up.name} ({said}); nothing was written. "
                "Commit or stash (`git stash`) the changes Git names, then try again."
            )
    return ahead


def push(root: Path, up: Upstream) -> Push:
    """Push HEAD to the upstream branch, never forcing."""
    done = gitops.git(root, "push", "--porcelain", up.remote, f"HEAD:refs/heads/{up.branch}", check=False)
    said = [line[len("remote:"):].strip() for line in done.stderr.splitlines() if line.startswith("remote:")]
    said = [line for line in said if line]
    if done.returncode == 0:
        return Push(PUSHED, said)
    status = next((line for line in done.stdout.splitlines() if line.startswith("!")), "")
    words = (status + " " + done.stderr).lower()
    if "[rejected]" in status or ("[remote rejected]" in status and any(w in words for w in _MOVED_ON)):
        return Push(BEHIND, said)
    if "[remote rejected]" in status:
        reason = status.rsplit("(", 1)[-1].rstrip(")") if "(" in status else "refused"
        return Push(REFUSED, said or [reason])
    return Push(UNREACHABLE, said or [" ".join(done.stderr.split())])


def refused(up: Upstream, result: Push, kept: str) -> RemoteError:
    """The error for a push that did not go through, with what the remote said."""
    heard = "\n".join(f"  {line}" for line in result.said)
    if result.outcome == REFUSED:
        return RemoteError(f"{up.name} refused the push; {kept} The remote said:\n{heard}")
    return RemoteError(f"could not push to {up.name}; {kept} Git said:\n{heard}")


def undo_commit(root: Path, commit: str, folders: list[Path]) -> None:
    """Take back the last commit `commit` (never pushed) that added `folders`: the
    branch goes back to its parent and the folders it made are removed; everything
    else in the folder and the index stays as it was."""
    if gitops.git(root, "rev-parse", "HEAD").stdout.strip() != commit:
        raise GitError(f"HEAD moved away from {commit[:10]} meanwhile; lcspr left it as it is.")
    gitops.git(root, "reset", "--soft", "--quiet", "HEAD~1")
    for folder in folders:
        rel = folder.relative_to(root).as_posix()
        gitops.git(root, "rm", "-r", "--cached", "--quiet", "--ignore-unmatch", "--", rel)
        shutil.rmtree(folder, ignore_errors=True)
