"""The package is typed (py.typed): `mypy --strict` (pyproject.toml) must find nothing in lcspr/ or the tests' helpers."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import PROJECT


def test_mypy_finds_nothing():
    pytest.importorskip("mypy", reason="mypy is a test extra: pip install -e '.[test]'")
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary"], cwd=PROJECT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
