"""Git, through `git` itself: safe environment, checks before writing, one commit per change.

Every write lcspr makes goes through `record_change`: it takes a lock, refuses
a repository in the middle of a merge, rebase or cherry-pick (or on a detached
HEAD, or with conflicts in the case), lets the caller write and check the
files, and commits exactly that case folder. If anything fails before the
commit exists (a validation, `git commit`, a hook, Ctrl-C), the folder is put
back as it was.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from lcspr.errors import GitError, GitIdentityMissing, RepositoryBusy, UnsafePath

#: Variables that would make `git` read or write another repository or index.
_REDIRECTING = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_QUARANTINE_PATH",  # set for a server's pre-receive hook: it forbids ref updates anywhere
)

LOCK_WAIT_SECONDS = 10.0


def git_env() -> dict[str, str]:
    """This process's environment without the variables that redirect Git."""
    env = {k: v for k, v in os.environ.items() if k not in _REDIRECTING}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("LC_ALL", "C")
    return env


def git(root: Path, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `git -C root args...`; on failure raise GitError with git's own words."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            input=input,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            env=git_env(),
        )
    except FileNotFoundError:
        raise GitError(_NO_GIT) from None
    if check and done.returncode != 0:
        raise _failed(args, done)
    return done


_NO_GIT = "git is not installed or not on PATH; install Git and try again."


def _failed(args: Sequence[str], done: subprocess.CompletedProcess[str]) -> GitError:
    return GitError(f"git {args[0]} failed: {(done.stderr or done.stdout).strip()}")


def git_together(root: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run several read-only `git -C root ...` commands at once (each on its own core
    where there is one); their results in order. Each is checked as `git` checks."""
    try:
        started = [subprocess.Popen(["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    encoding="utf-8", errors="replace", env=git_env()) for args in commands]
    except FileNotFoundError:
        raise GitError(_NO_GIT) from None
    results = []
    for args, process in zip(commands, started):
        out, err = process.communicate()  # the others run on meanwhile; their pipes wait to be read
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    for args, done in zip(commands, results):
        if done.returncode != 0:
            raise _failed(args, done)
    return results


def records(root: Path, args: list[str], separator: str, chunk: int = 1 << 20) -> Iterator[str]:
    """The output of `git args...`, record by record (split on `separator`, the text
    before the first one dropped), read as Git writes it. Git's pipe is widened (to
    1 MiB, where the system allows) so Git works on the next commits while the caller
    checks the last ones, on a second core when there is one; memory holds at most
    that, not the whole history. A repository with no commit yet has no records; any
    other failure is a GitError. The output is not flushed per record: a caller reads
    to the end, never waits on one."""
    import codecs

    # GIT_FLUSH=0: Git fills its buffer before writing, rather than writing (and
    # waking this reader) once per commit, which costs a long log a third of its time.
    process = subprocess.Popen(["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**git_env(), "GIT_FLUSH": "0"})
    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = process.stdout, process.stderr
    _widen_pipe(stdout.fileno(), chunk)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending, first = "", True
    try:
        while True:
            data = os.read(stdout.fileno(), chunk)
            text = decoder.decode(data, final=not data)
            pending += text
            if data and separator not in text:
                continue  # a long record goes on: look for its end in the new text only
            parts = pending.split(separator)
            pending = parts.pop()
            if first and parts:
                parts, first = parts[1:], False
            yield from parts
            if not data:
                break
        said = stderr.read().decode("utf-8", "replace")
        if process.wait() != 0:
            if git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode:
                return  # no commit yet: no history
            raise GitError(f"git {args[0]} failed: {said.strip()}")
        if pending and not first:
            yield pending
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        stdout.close()
        stderr.close()


def _widen_pipe(fd: int, size: int) -> None:
    """Let a pipe hold `size` bytes (Linux's F_SETPIPE_SZ), or as much as the system
    allows; elsewhere, or when refused, it keeps its own size."""
    try:
        import fcntl
    except ImportError:  # not on Linux or macOS: the default pipe
        return
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if setsize is None:
        return
    for wanted in (size, 1 << 18, 1 << 16):
        try:
            fcntl.fcntl(fd, setsize, wanted)
            return
        except OSError:  # above /proc/sys/fs/pipe-max-size, or the user's pipe quota
            continue


def toplevel(path: Path) -> Path | None:
    """The root of the Git work tree holding `path`, or None."""
    done = git(path, "rev-parse", "--show-toplevel", check=False)
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 else None


#: Git folders by the root they were asked for: Git is asked once per process and root.
_GIT_DIRS: dict[str, Path] = {}


def git_dir(root: Path) -> Path:
    """The repository's Git folder (asked of Git once per process and root; a write
    learns it from the same `git rev-parse` that `ensure_root` runs)."""
    key = str(root)
    if key not in _GIT_DIRS:
        _remember_git_dir(key, Path(git(Path(root), "rev-parse", "--absolute-git-dir").stdout.strip()))
    return _GIT_DIRS[key]


def _remember_git_dir(root: str, folder: Path) -> None:
    if len(_GIT_DIRS) >= 64:  # a long-lived process (the tests) meets many repositories
        _GIT_DIRS.clear()
    _GIT_DIRS.setdefault(root, folder)


def identity(root: Path) -> tuple[str, str]:
    """Who Git will record as committer; GitIdentityMissing when it does not know."""
    configured = {}
    for line in git(root, "config", "--get-regexp", r"^user\.(name|email)$", check=False).stdout.splitlines():
        key, _, value = line.partition(" ")
        configured[key] = value.strip()  # the last one set wins, as for Git itself
    values = [os.environ.get(var) or configured.get(key, "")
              for var, key in (("GIT_COMMITTER_NAME", "user.name"), ("GIT_COMMITTER_EMAIL", "user.email"))]
    if not all(values):
        raise GitIdentityMissing(
            "Git does not know who you are, so the change could not be recorded (nothing was written). "
            'Set your name and email once: git config --global user.name "Your Name" && '
            'git config --global user.email "you@example.org"'
        )
    return values[0], values[1]


def ensure_root(root: Path) -> None:
    """Refuse a records repository that is not itself the root of a Git work tree."""
    # One process for both answers: every write needs the Git folder next (its lock).
    done = git(root, "rev-parse", "--show-toplevel", "--absolute-git-dir", check=False)
    answers = done.stdout.splitlines()
    if done.returncode != 0 or len(answers) != 2:
        raise GitError(f"{root} holds lcspr.toml but is not a Git repository; run `git init` there first.")
    top = Path(answers[0]).resolve()
    if top != root.resolve():
        raise GitError(
            f"{root} holds lcspr.toml but the Git repository's root is {top}; a records repository "
            "must be the root of its own Git repository."
        )
    _remember_git_dir(str(root), Path(answers[1]))


def check_can_write(root: Path, case_folder: Path | None = None) -> None:
    """Refuse to write during a merge, rebase, cherry-pick or revert, on a detached
    HEAD, with Git's index locked, or with unresolved conflicts in the case folder."""
    gdir = git_dir(root)
    busy = {
        "MERGE_HEAD": "a merge",
        "rebase-merge": "a rebase",
        "rebase-apply": "a rebase",
        "CHERRY_PICK_HEAD": "a cherry-pick",
        "REVERT_HEAD": "a revert",
        "BISECT_LOG": "a bisect",
    }
    for name, what in busy.items():
        if (gdir / name).exists():
            raise GitError(
                f"the repository is in the middle of {what}; finish or abort it "
                "(see `git status`) before lcspr records anything."
            )
    if (gdir / "index.lock").exists():
        raise RepositoryBusy(
            f"{gdir / 'index.lock'} exists: another Git process is running, or one crashed. "
            "If no Git command is running, remove that file yourself and try again (lcspr never deletes it)."
        )
    if git(root, "symbolic-ref", "-q", "HEAD", check=False).returncode != 0:
        raise GitError("HEAD is detached; check out a branch (e.g. `git switch main`) before lcspr records anything.")
    if case_folder is not None:
        rel = case_folder.relative_to(root).as_posix()
        conflicted = git(root, "diff", "--name-only", "--diff-filter=U", "--", rel).stdout.split()
        if conflicted:
            raise GitError(
                f"{', '.join(conflicted)} has unresolved merge conflicts; resolve them and commit first."
            )


@contextmanager
def repository_lock(root: Path, wait: float | None = None) -> Iterator[None]:
    """Hold lcspr's own lock on the repository (released even if the process dies),
    waiting up to `wait` seconds (default LOCK_WAIT_SECONDS) for another holder.

    Where the system has flock (Linux, macOS) the lock is taken with it directly, as
    filelock would take it there: importing filelock costs a sixth of a decision's time.
    Elsewhere (Windows) filelock takes it."""
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    path = git_dir(root) / "lcspr.lock"
    busy = RepositoryBusy(f"another lcspr command is changing this repository and did not finish within "
                          f"{wait:g} seconds; try again when it has.")
    try:
        import fcntl
    except ImportError:
        fcntl = None  # type: ignore[assignment]
    if fcntl is None:
        from filelock import FileLock, Timeout

        lock = FileLock(str(path), timeout=wait)
        try:
            lock.acquire(poll_interval=0.05)
        except Timeout:
            raise busy from None
        try:
            yield
        finally:
            lock.release()
        return
    import time

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:  # another holder: wait for it, up to `wait`
                if time.monotonic() >= deadline:
                    raise busy from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def now_utc() -> str:
    """The current time as recorded in trailers: 2026-11-26T14:03:11Z."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


#: The temporary files lcspr writes beside a file before replacing it
#: (`.case.md.k3j2h1g0.tmp`): one left by a killed process is lcspr's, never the record's.
LEFTOVER = re.compile(r"^\.[^/]+\.[a-z0-9_]{8}\.tmp$")


def clear_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files a killed lcspr left in `folder` (held under the lock,
    so no other lcspr is writing them) and return what was removed."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.rglob(".*.tmp") if LEFTOVER.match(p.name) and p.is_file() and not p.is_symlink()]
    for path in found:
        path.unlink(missing_ok=True)
    return found


class _Snapshot:
    """The bytes of every file under a folder, to put it back exactly.

    Symbolic links are neither read nor written through, nor removed: a link
    committed in a case folder may point anywhere (reading the case refuses it
    before any write, see lcspr.paths; this keeps the put-back safe regardless)."""

    def __init__(self, folder: Path) -> None:
        if folder.is_symlink():
            raise UnsafePath(f"{folder} is a symbolic link; lcspr writes only in real folders of the repository.")
        self.folder = folder
        self.existed = folder.exists()
        self.files = {p: p.read_bytes() for p in self._real("file")} if self.existed else {}

    def _real(self, kind: str) -> list[Path]:
        """The files (or folders) under the folder that are not links; rglob does not enter linked folders."""
        wanted = Path.is_file if kind == "file" else Path.is_dir
        return [p for p in self.folder.rglob("*") if not p.is_symlink() and wanted(p)]

    def restore(self) -> None:
        if not self.existed:
            import shutil  # only to put a new folder back: readers start faster without it

            shutil.rmtree(self.folder, ignore_errors=True)
            return
        for path in [p for p in self._real("file") if p not in self.files]:
            path.unlink()
        for path, data in self.files.items():
            if path.is_symlink():  # made in place of the file meanwhile: put the file back, not its target
                path.unlink()
            if not path.exists() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        for path in sorted(self._real("dir"), reverse=True):
            if not any(path.iterdir()):
                path.rmdir()


#: Set by `lcspr --source-checkout`: allow writing in lcspr's own source checkout.
WRITE_IN_SOURCE = False


def is_source_checkout(root: Path) -> bool:
    """Whether `root` is lcspr's own source (its example cases are fixtures, not records)."""
    project = root / "pyproject.toml"
    try:
        return (root / "lcspr" / "cli.py").is_file() and 'name = "lcspr"' in project.read_text(encoding="utf-8")
    except OSError:
        return False


def refuse_source_checkout(root: Path) -> None:
    """Refuse to record anything in lcspr's own source checkout, unless asked explicitly."""
    if not WRITE_IN_SOURCE and is_source_checkout(root):
        raise GitError(
            f"{root} is lcspr's own source, not a records repository: its cases/ are fictional examples, and "
            "a decision here would go into lcspr's history. Make a records repository with "
            "`lcspr init PATH` and work there (reading here is fine). To write here anyway, for developing "
            "lcspr, pass `lcspr --source-checkout ...`."
        )


@contextmanager
def writing(root: Path, folder: Path | None = None) -> Iterator[None]:
    """Hold the repository for one write: a Git root, a known identity, lcspr's
    lock, and no merge, rebase, detached HEAD or (in `folder`) conflicts. Read
    the case inside it, so a decision never rests on what another process
    changed meanwhile. Never in lcspr's own source checkout (`refuse_source_checkout`)."""
    refuse_source_checkout(root)
    ensure_root(root)
    identity(root)
    with repository_lock(root):
        check_can_write(root, folder)
        yield


def record_change(
    root: Path,
    folder: Path,
    write: Callable[[], None],
    message: str | Callable[[], str],
    sign: bool = False,
    only: list[Path] | None = None,
    also: tuple[Path, ...] = (),
) -> str:
    """Inside `writing(root, folder)`, which has made every check: write with
    `write()` and commit `folder` alone in one commit (or, with `only`, just those
    files in it; with `also`, those folders too, for a case moved to another folder).

    Returns the new commit's hash. Files already staged elsewhere stay staged and
    out of the commit. On any failure before the commit exists (including
    Ctrl-C), the folders' files and their entries in Git's index are put back as
    they were and the error propagates. `message` may be a function, called
    after `write()`."""
    folders = (folder, *also)
    paths = [f.relative_to(root).as_posix() for f in folders]
    head = _head(root)
    staged = [_index_entries(root, path) for path in paths]
    snapshots = [_Snapshot(f) for f in folders]
    text = None
    try:
        write()
        text = message() if callable(message) else message
        targets = [p.relative_to(root).as_posix() for p in only] if only else paths
        git(root, "add", "-A", "--", *targets)
        # --cleanup=whitespace: a reason may start a line with '#'; a user's
        # commit.cleanup=strip must not drop it from the record.
        args = ["commit", "--quiet", "--only", "--no-edit", "--cleanup=whitespace", "--file", "-"]
        if sign:
            args.append("--gpg-sign")
        done = git(root, *args, "--", *targets, input=text, check=False)
        if done.returncode != 0:
            raise _commit_failed(done, sign)
    except BaseException:
        if text is not None and _committed(root, head, text):
            # Interrupted after `git commit` finished: the decision is recorded
            # and the files match it, so there is nothing to put back.
            return _head(root)
        for snapshot in snapshots:
            snapshot.restore()
        for path, entries in zip(paths, staged):
            _restore_index(root, path, entries)
        raise
    return _head(root)


def record_empty(root: Path, message: str, sign: bool = False) -> str:
    """Inside `writing(root)`: commit `message` with no change to any file (a record
    about other commits, such as a correction). A private index holding HEAD's tree
    keeps whatever the user has staged out of it; hooks and signing run as usual."""
    index = git_dir(root) / "lcspr-record.index"
    env = {**git_env(), "GIT_INDEX_FILE": str(index)}
    try:
        git(root, "read-tree", f"--index-output={index}", "HEAD")
        args = ["git", "-C", str(root), "commit", "--quiet", "--allow-empty", "--no-edit",
                "--cleanup=whitespace", "--file", "-"] + (["--gpg-sign"] if sign else [])
        done = subprocess.run(args, input=message, capture_output=True, encoding="utf-8", errors="replace", env=env)
        if done.returncode != 0:
            raise _commit_failed(done, sign)
    finally:
        index.unlink(missing_ok=True)
    return _head(root)


def _head(root: Path) -> str:
    return git(root, "rev-parse", "-q", "--verify", "HEAD", check=False).stdout.strip()


def _committed(root: Path, before: str, text: str) -> bool:
    """Whether HEAD is a new commit on `before` with exactly the message `text`."""
    after = _head(root)
    if not after or after == before:
        return False
    parent = git(root, "rev-parse", "-q", "--verify", f"{after}^", check=False).stdout.strip()
    said = git(root, "log", "-1", "--format=%B", after, check=False).stdout
    # git commit tidies whitespace (--cleanup=whitespace), so compare the words.
    return parent == before and said.split() == text.split()


def _index_entries(root: Path, path: str) -> dict[str, str]:
    """Git's index entries under `path`: file name -> `mode sha stage`."""
    out = git(root, "ls-files", "--stage", "-z", "--", path).stdout
    entries = {}
    for record in out.split("\0"):
        if record:
            meta, _, name = record.partition("\t")
            entries[name] = meta
    return entries


def _restore_index(root: Path, path: str, entries: dict[str, str]) -> None:
    """Put Git's index entries under `path` back to `entries` (what was staged before)."""
    now = _index_entries(root, path)
    lines = [f"0 {'0' * 40}\t{name}" for name in now if name not in entries]
    lines += [f"{meta}\t{name}" for name, meta in entries.items() if now.get(name) != meta]
    if lines:
        git(root, "update-index", "-z", "--index-info", input="".join(f"{line}\0" for line in lines), check=False)


def _commit_failed(done: subprocess.CompletedProcess[str], sign: bool) -> GitError:
    said = " ".join((done.stderr or done.stdout).split())
    if sign and any(word in said for word in ("gpg", "signingkey", "to sign", "ssh-keygen")):
        return GitError(
            "sign = true in lcspr.toml, but Git could not sign the commit, so nothing was recorded "
            f"(git said: {said}). Set up commit signing for this repository (gpg.format and "
            "user.signingkey; see the README) or set sign = false."
        )
    if not said:
        said = f"it exited with status {done.returncode} without saying why; a pre-commit or commit-msg hook may have refused"
    return GitError(f"git commit failed, so nothing was recorded: {said}. Fix that and try again.")


def changed_files(root: Path, folder: Path) -> list[str]:
    """Files under `folder` that differ from HEAD (modified, added, deleted, untracked)."""
    rel = folder.relative_to(root).as_posix()
    # -z: names as they are (no quoting of spaces); --no-renames: a moved file is
    # its new name and its old one, both of which the commit records.
    out = git(root, "status", "--porcelain", "-z", "--no-renames", "--untracked-files=all", "--", rel).stdout
    return [record[3:] for record in out.split("\0") if record]


class ObjectReader:
    """Git objects by name (`<sha>`, `<commit>:<path>`) through one `git cat-file --batch`
    process, so reading thousands of historic files costs one process, not thousands."""

    def __init__(self, root: Path) -> None:
        self._process = subprocess.Popen(
            ["git", "-C", str(root), "cat-file", "--batch"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env(),
        )

    def read(self, name: str) -> tuple[str, bytes] | None:
        """(type, content) of the object `name`, or None when there is none."""
        assert self._process.stdin is not None and self._process.stdout is not None
        if "\n" in name:
            return None
        self._process.stdin.write(name.encode("utf-8") + b"\n")
        self._process.stdin.flush()
        header = self._process.stdout.readline().decode("utf-8", "replace").split()
        if len(header) != 3:  # `<name> missing` or `<name> ambiguous`
            return None
        size = int(header[2])
        data = self._process.stdout.read(size)
        self._process.stdout.read(1)  # the newline after the content
        return header[1], data

    def read_many(self, names: list[str]) -> list[tuple[str, bytes] | None]:
        """`read` of several objects, asked for together: one round trip, not one each."""
        assert self._process.stdin is not None and self._process.stdout is not None
        wanted = [name for name in names if "\n" not in name]
        self._process.stdin.write(b"".join(name.encode("utf-8") + b"\n" for name in wanted))
        self._process.stdin.flush()
        answers: dict[str, tuple[str, bytes] | None] = {}
        for name in wanted:
            header = self._process.stdout.readline().decode("utf-8", "replace").split()
            if len(header) != 3:
                answers[name] = None
                continue
            data = self._process.stdout.read(int(header[2]))
            self._process.stdout.read(1)
            answers[name] = (header[1], data)
        return [answers.get(name) for name in names]

    def trees(self, names: list[str]) -> list[dict[str, tuple[str, str]]]:
        """`tree` of several trees, asked for together."""
        return [_tree_entries(found) for found in self.read_many(names)]

    def tree(self, name: str) -> dict[str, tuple[str, str]]:
        """The entries of the tree `name`: file name -> (mode, sha); empty when there is no such tree."""
        return _tree_entries(self.read(name))

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()

    def __enter__(self) -> "ObjectReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _tree_entries(found: tuple[str, bytes] | None) -> dict[str, tuple[str, str]]:
    """A tree object's entries: name -> (mode, sha); empty for anything else."""
    if found is None or found[0] != "tree":
        return {}
    entries, data, at = {}, found[1], 0
    while at < len(data):
        space = data.index(b" ", at)
        nul = data.index(b"\0", space)
        mode, entry = data[at:space].decode(), data[space + 1:nul].decode("utf-8", "replace")
        entries[entry] = (mode, data[nul + 1:nul + 21].hex())
        at = nul + 21
    return entries


def blob_ids(root: Path, paths: list[Path]) -> list[str]:
    """The Git blob IDs the files would have if committed now (`git hash-object`,
    with the repository's own filters, such as line-ending conversion)."""
    if not paths:
        return []
    rel = [p.relative_to(root).as_posix() for p in paths]
    return git(root, "hash-object", "--", *rel).stdout.split()
