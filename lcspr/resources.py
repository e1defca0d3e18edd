"""Where the files that ship with lcspr are: schemas, templates, the default workflow."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder `name` (schemas, templates) inside the installed package, or, in
    a source checkout installed in editable mode, at the top of the project."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"lcspr is installed without its {name}/ folder; reinstall it")  # pragma: no cover
