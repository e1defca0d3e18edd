"""A records repository: its settings, workflow and validator, and `lcspr init`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from lcspr import config as config_module
from lcspr import gitops
from lcspr.config import CONFIG_NAME, Config
from lcspr.errors import ConfigError, GitError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.schemas import Validator
    from lcspr.workflow import Workflow


@dataclass
class Repository:
    """One records repository, with what its commands need loaded on first use."""

    config: Config
    _workflow: "Workflow | None" = field(default=None, repr=False)

    @property
    def root(self) -> Path:
        return self.config.root

    @cached_property
    def workflow(self) -> "Workflow":
        from lcspr import workflow

        path = self.config.workflow_file
        # Shown relative to the repository when it lies inside it (errors read `workflow.yaml:12: ...`).
        display = (path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)) if path else None
        return workflow.load(path, display)

    @cached_property
    def validator(self) -> "Validator":
        from lcspr import schemas

        vocab = schemas.vocabulary(
            agencies=self.config.agencies,
            roles=self.config.roles,
            statuses=self.workflow.states,
            levels=self.workflow.levels,
        )
        return schemas.Validator(vocab)


def open_repository(override: Path | None = None, check: bool = True) -> Repository:
    """The records repository at `override`, or the one holding the current folder."""
    root = config_module.find_root(override=override)
    return Repository(config_module.load(root, check=check))


def init(path: Path, partnership: str, prefix: str) -> Path:
    """Make `path` a records repository: Git (new or existing), lcspr.toml, cases/, one commit."""
    import re

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
    root.mkdir(parents=True, exist_ok=True)
    created_git = top is None
    if created_git:
        gitops.git(root, "init", "--quiet")
    try:
        gitops.identity(root)
        gitops.check_can_write(root)
    except BaseException:
        if created_git:
            import shutil

            shutil.rmtree(root / ".git", ignore_errors=True)
        raise
    files = [root / CONFIG_NAME, root / "cases" / ".gitkeep"]
    try:
        (root / CONFIG_NAME).write_text(config_module.render_default(partnership.strip(), prefix), encoding="utf-8")
        (root / "cases").mkdir(exist_ok=True)
        (root / "cases" / ".gitkeep").touch()
        rel = [p.relative_to(root).as_posix() for p in files]
        gitops.git(root, "add", "--", *rel)
        message = gitops.message_with_trailers(
            f"Start the records repository of {partnership.strip()}",
            "lcspr.toml holds the partnership's agencies, roles and calendar.",
            [("Lcspr-Action", "init"), ("Lcspr-Recorded-At", gitops.now_utc())],
        )
        gitops.git(root, "commit", "--quiet", "--only", "--file", "-", "--", *rel, input=message)
    except BaseException:
        for p in files:
            p.unlink(missing_ok=True)
        if created_git:
            import shutil

            shutil.rmtree(root / ".git", ignore_errors=True)
        raise
    return root
