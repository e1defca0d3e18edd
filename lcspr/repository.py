"""A records repository: its settings, workflow and validator, and `lcspr init`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from lcspr import config as config_module
from lcspr.config import CONFIG_NAME, Config
from lcspr.errors import ConfigError, GitError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.schemas import Validator
    from lcspr.workflow import Workflow


@dataclass
class Repository:
    """One records repository, with what its commands need loaded on first use."""

    config: Config

    @property
    def root(self) -> Path:
        return self.config.root

    @cached_property
    def workflow(self) -> "Workflow":
        from lcspr import workflow

        path = self.config.workflow_file
        # Shown relative to the repository when it lies inside it (errors read `workflow.yaml:12: ...`).
        display = (path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)) if path else None
        # Always checked; a check passed on the same text is remembered in .git/lcspr/.
        return workflow.load(path, display, root=self.root)

    @cached_property
    def validator(self) -> "Validator":
        from lcspr import schemas

        vocab = schemas.vocabulary(
            agencies=self.config.agencies,
            roles=self.config.roles,
            statuses=[*self.workflow.states, *self.workflow.aliases],
            levels=self.workflow.levels,
            themes=self.config.themes,
        )
        return schemas.Validator(vocab)


def open_repository(override: Path | None = None) -> Repository:
    """The records repository at `override`, or the one holding the current folder,
    its settings checked."""
    root = config_module.find_root(override=override)
    return Repository(config_module.load(root))


def init(path: Path, partnership: str, prefix: str) -> Path:
    """Make `path` a records repository: Git (new or existing), lcspr.toml, cases/, one commit.

    On any failure (no Git identity, a hook refusing the commit) it leaves the
    folder as it found it: what it created is removed and nothing stays staged."""
    import re
    import shutil

    from lcspr import gitops, trail  # only init writes: reading commands start without them

    if not partnership.strip():
        raise UsageError("--partnership must not be empty.")
    if not re.match(r"^[A-Z][A-Z0-9]{0,11}$", prefix):
        raise UsageError(f"--prefix {prefix!r} must be capital letters and digits, starting with a letter (e.g. LIG).")
    root = Path(path).expanduser().resolve()
    if (root / CONFIG_NAME).exists():
        raise ConfigError(f"{root} already has {CONFIG_NAME}: it is a records repository already; nothing was changed.")
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} is a file, not a folder.")
    top = gitops.toplevel(root) if root.is_dir() else None
    if top is not None and top != root:
        raise GitError(f"{root} is inside the Git repository {top}; make the records repository at its root or in its own folder.")
    # The top-most folder this call creates, so a failure can remove it all.
    created = next((p for p in reversed((root, *root.parents)) if not p.exists()), None)
    created_git = top is None
    created_cases = not (root / "cases").exists()
    files = [root / CONFIG_NAME, root / "cases" / ".gitkeep", root / ".gitignore"]
    rel = [p.relative_to(root).as_posix() for p in files]
    new_files = [p for p in files if not p.exists()]  # a failure removes only these
    ignore = root / ".gitignore"
    ignored_before = ignore.read_bytes() if ignore.is_file() else None
    try:
        root.mkdir(parents=True, exist_ok=True)
        if created_git:
            gitops.git(root, "init", "--quiet")
        gitops.identity(root)
        gitops.check_can_write(root)
        (root / CONFIG_NAME).write_text(config_module.render_default(partnership.strip(), prefix), encoding="utf-8")
        (root / "cases").mkdir(exist_ok=True)
        (root / "cases" / ".gitkeep").touch()
        _ignore_drafts(root / ".gitignore")
        gitops.git(root, "add", "--", *rel)
        message = trail.Decision(
            action=trail.INIT, recorded_at=gitops.now_utc(),
            subject=f"Start the records repository of {partnership.strip()}",
            reason="lcspr.toml holds the partnership's agencies, roles and calendar.",
        ).message()
        gitops.git(root, "commit", "--quiet", "--only", "--file", "-", "--", *rel, input=message)
        # Check the new settings and the workflow now, so the first listing need not.
        _ = open_repository(root).workflow
    except BaseException:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        else:
            if created_git:
                shutil.rmtree(root / ".git", ignore_errors=True)
            elif new_files:
                new_rel = [p.relative_to(root).as_posix() for p in new_files]
                gitops.git(root, "rm", "--cached", "--quiet", "--ignore-unmatch", "--", *new_rel, check=False)
            for p in new_files:
                p.unlink(missing_ok=True)
            if ignored_before is not None:
                ignore.write_bytes(ignored_before)
            if created_cases and (root / "cases").is_dir() and not any((root / "cases").iterdir()):
                (root / "cases").rmdir()
        raise
    return root


#: What `lcspr init` puts in .gitignore: drafts from `lcspr render` are never the record.
IGNORED = "# Drafts from `lcspr render`: what was sent is in cases/<ID>/documents/.\n/drafts/\n"


def _ignore_drafts(path: Path) -> None:
    """Add the drafts folder to .gitignore, keeping whatever the file already says."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if "/drafts/" not in text.split():
        path.write_text(text + ("\n" if text and not text.endswith("\n") else "") + IGNORED, encoding="utf-8")
