"""lcspr: Local Child Safeguarding Practice Review records, decisions and documents in Git."""

from __future__ import annotations

__version__ = "0.1.0"
