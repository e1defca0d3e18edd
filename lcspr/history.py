"""The Git history of decisions, read in one pass.

`walk` reads `git log` once (oldest first) and yields each commit with its
trailers and, when asked, the case.md files it changed (blob IDs before and
after). `history` and `log` turn decision commits into records an auditor can
read; `lcspr audit` (audit.py) checks the whole walk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lcspr import gitops

ACTIONS = ("new-case", "advance", "import")
_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*): ?(.*)$")
_CASE_FILE = re.compile(r"^cases/([^/]+)/case\.md$")


@dataclass
class Change:
    """One case.md a commit changed: the blobs it had in each parent, and now."""

    case_id: str
    before: list[str]  # one per parent; the null ID where the file did not exist
    after: str  # the null ID when the commit deleted it


@dataclass
class Commit:
    sha: str
    parents: list[str]
    committer: str
    committer_email: str
    committed_at: str
    subject: str
    body: str
    trailers: dict[str, list[str]]
    signature: str = ""
    changes: list[Change] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # every path changed (with changes=True)

    def trailer(self, key: str) -> str | None:
        values = self.trailers.get(key.lower())
        return values[0] if values else None

    @property
    def is_decision(self) -> bool:
        return self.trailer("Lcspr-Action") in ACTIONS


def split_message(message: str) -> tuple[str, str, dict[str, list[str]]]:
    """(subject, body without trailers, trailers by lower-case key)."""
    message = message.strip("\n")
    subject, _, rest = message.partition("\n")
    paragraphs = [p for p in re.split(r"\n\s*\n", rest.strip("\n")) if p.strip()]
    trailers: dict[str, list[str]] = {}
    if paragraphs:
        lines = paragraphs[-1].splitlines()
        matches = [_TRAILER.match(line) for line in lines]
        if lines and all(matches):
            for m in matches:
                assert m is not None
                trailers.setdefault(m[1].lower(), []).append(m[2].strip())
            paragraphs = paragraphs[:-1]
    return subject.strip(), "\n\n".join(p.strip() for p in paragraphs), trailers


def walk(root: Path, changes: bool = False, signatures: bool = False) -> Iterator[Commit]:
    """Every commit reachable from HEAD, parents before children, in one `git log`."""
    if gitops.git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode:
        return
    fields = ["%H", "%P", "%cn", "%ce", "%cI"] + (["%G?"] if signatures else []) + ["%B"]
    fmt = "%x1e" + "%x1f".join(fields) + "%x1d"
    args = ["log", "--reverse", "--topo-order", f"--format={fmt}"]
    if changes:
        args += ["--raw", "--no-abbrev", "-c", "--no-renames"]
    out = gitops.git(root, *args, "HEAD").stdout
    for record in out.split("\x1e")[1:]:
        head, _, raw = record.partition("\x1d")
        parts = head.split("\x1f")
        sha, parents, name, email, when = parts[:5]
        signature = parts[5] if signatures else ""
        subject, body, trailers = split_message(parts[-1])
        commit = Commit(sha, parents.split(), name, email, when, subject, body, trailers, signature)
        if changes:
            commit.changes = list(_parse_raw(raw, commit.paths))
        yield commit


def _parse_raw(raw: str, paths: list[str]) -> Iterator[Change]:
    """The case.md changes of `git log --raw` output; every path changed goes into `paths`."""
    for line in raw.splitlines():
        if not line.startswith(":"):
            continue
        meta, _, path = line.partition("\t")
        paths.append(path)
        match = _CASE_FILE.match(path)
        if not match:
            continue
        colons = len(meta) - len(meta.lstrip(":"))
        fields = meta.lstrip(":").split()
        # `:mode.. sha_parent.. sha_result status`: one mode and one sha per
        # parent, then the result's (combined format for merges).
        shas = fields[colons + 1 : 2 * colons + 2]
        yield Change(match[1], shas[:-1], shas[-1])


@dataclass(frozen=True)
class Entry:
    """One decision as an auditor reads it."""

    case: str
    action: str
    decided_on: str
    source: str
    target: str
    decided_by: str
    recorded_by: str
    recorded_at: str
    reason: str
    commit: str
    sent: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["from"], data["to"] = data.pop("source"), data.pop("target")
        data["sent"] = list(self.sent)
        return data


def entries(root: Path, case_id: str | None = None) -> list[Entry]:
    """The decisions recorded in Git, oldest first; only `case_id`'s when given."""
    result = []
    for commit in walk(root):
        if not commit.is_decision:
            continue
        case = commit.trailer("Lcspr-Case") or ""
        if case_id is not None and case != case_id:
            continue
        recorded_at = commit.trailer("Lcspr-Recorded-At") or commit.committed_at
        result.append(
            Entry(
                case=case,
                action=commit.trailer("Lcspr-Action") or "",
                decided_on=commit.trailer("Lcspr-Decided-On") or recorded_at[:10],
                source=commit.trailer("Lcspr-From") or "",
                target=commit.trailer("Lcspr-To") or "",
                decided_by=commit.trailer("Lcspr-Decided-By") or "",
                recorded_by=commit.committer,
                recorded_at=recorded_at,
                reason=commit.body or commit.subject,
                commit=commit.sha,
                sent=tuple(commit.trailers.get("lcspr-sent", [])),
            )
        )
    return result
