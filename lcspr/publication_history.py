"""`lcspr check-publication --history`: registered identifiers anywhere in the history.

A name committed once stays in every clone, whatever later commits remove. This
reads every version of every file under cases/ that any branch or tag ever held,
in one `git log` pass for the versions and one `git cat-file --batch` process for
their contents (lcspr.gitops.ObjectReader), and looks for every case's registered
identifiers in each (a Word document in all its parts). Each hit names the file,
the commits that brought that version in, and a masked excerpt; `purge_advice`
says how to rewrite the history with git filter-repo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lcspr import gitops, identities
from lcspr.detectors import Detectors
from lcspr.document_text import Chunk, docx_chunks
from lcspr.errors import LcsprError
from lcspr.publication import excerpt

_ZERO = "0" * 40


@dataclass
class HistoryFinding:
    path: str
    blob: str
    commits: list[str]
    kind: str
    where: str
    excerpt: str

    def __str__(self) -> str:
        named = ", ".join(c[:10] for c in self.commits[:5]) + (" …" if len(self.commits) > 5 else "")
        return f"{self.path} (blob {self.blob[:10]}, in commit {named}): {self.where}: {self.kind}: {self.excerpt}"


@dataclass
class HistoryReport:
    versions: int = 0
    findings: list[HistoryFinding] = field(default_factory=list)


def versions(root: Path) -> dict[str, tuple[str, list[str]]]:
    """Every blob any commit on any ref wrote under cases/: blob -> (path, commits that wrote it)."""
    found: dict[str, tuple[str, list[str]]] = {}
    args = ["log", "--all", "-m", "--raw", "--no-renames", "--no-abbrev", "--format=%x00%H", "--", "cases"]
    for record in gitops.records(root, args, "\x00"):
        commit, _, raw = record.partition("\n")
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, path = line.partition("\t")
            blob = meta.split()[3]
            if blob != _ZERO:
                found.setdefault(blob, (path, []))[1].append(commit.strip())
    return found


def scan_history(root: Path) -> HistoryReport:
    """Every version of every case file, checked for every case's registered identifiers."""
    register = identities.load(None, root)
    found = Detectors(register.entries, registered_only=True)
    report = HistoryReport()
    every = versions(root)
    with gitops.ObjectReader(root) as reader:
        for blob, (path, commits) in every.items():
            got = reader.read(blob)
            if got is None or got[0] != "blob":
                continue
            report.versions += 1
            for chunk in _chunks(path, got[1]):
                hits = found.find(chunk.text)
                for hit in hits:
                    where = chunk.where
                    if where == "line 1":
                        where = f"line {1 + chunk.text.count(chr(10), 0, hit.start)}"
                    report.findings.append(HistoryFinding(path, blob, commits, hit.kind, where,
                                                          excerpt(chunk.text, hit, hits)))
    return report


def _chunks(path: str, data: bytes) -> list[Chunk]:
    if path.lower().endswith(".docx"):
        try:
            return docx_chunks(data, path)
        except LcsprError as exc:
            return [Chunk("", "whole file", f"(not checked: {exc})")]
    return [Chunk("", "line 1", data.decode("utf-8", "replace"))]


def purge_advice(report: HistoryReport) -> str:
    """How to take what was found out of every commit, in words a secretariat can follow."""
    commits = sorted({c for f in report.findings for c in f.commits})
    return (
        "Registered identifiers are in the history above: removing them in a new commit leaves them in every "
        "clone. To purge them:\n"
        "  1. Write a file OUTSIDE the repository (e.g. ~/purge.txt) with one line per identifier, "
        "`literal:<the identifier>==><its pseudonym>` (read the identifiers from the register with "
        "`lcspr identities list ID --show`).\n"
        "  2. In a fresh clone, run `git filter-repo --replace-text ~/purge.txt` (https://github.com/newren/"
        "git-filter-repo); it rewrites every commit from the first named here on: "
        + ", ".join(c[:10] for c in commits[:10]) + (" …" if len(commits) > 10 else "") + ".\n"
        "  3. Run `lcspr check-publication --history` again in the rewritten clone, force-push it, ask the Git "
        "host to purge its caches, have everyone delete their old clone whole (its Git objects and lcspr's memos "
        "in .git/lcspr/ keep the old text) and clone again, then delete ~/purge.txt. Decisions' commit IDs change: "
        "run `lcspr audit --full` afterwards."
    )
