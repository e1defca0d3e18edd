"""`lcspr reallocate`: move a case to a new ID, in one recorded commit.

Two clones that open "the next case" without the remote (offline, or before the
shared repository existed) can both allocate LIG-2026-004. Before the two meet,
one of them moves its case to the next ID free here and on the remote: the case
folder is renamed, the ID fields of its files (case.md's `id`, the others'
`case`) are changed and nothing else, and the commit records the move
(`Lcspr-Action: reallocate`, `Lcspr-Case: <old ID>`, `Lcspr-Moved-To: <new ID>`),
which `lcspr validate` and `lcspr audit` accept: the case keeps its status and
its record under the new ID.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lcspr import gitops, mdfile, records, remote, trail
from lcspr.calendar import parse_iso_date
from lcspr.errors import UsageError, ValidationFailed, did_you_mean
from lcspr.repository import Repository


@dataclass(frozen=True)
class Reallocated:
    old: str
    new: str
    commit: str
    path: str


def reallocate(repo: Repository, case_id: str, reason: str, by: str | None = None, on: str | None = None,
               today: date | None = None) -> Reallocated:
    """Move case `case_id` to the next ID free in this clone and on its remote."""
    config = repo.config
    if not reason or not reason.strip():
        raise UsageError("--reason is required: say why the case moves (e.g. the ID was opened twice).")
    by = by or config.default_role
    if by not in config.roles:
        raise UsageError(f"--by {by!r} is not a role in lcspr.toml (roles: {', '.join(config.roles)})"
                         f"{did_you_mean(by, config.roles, quoted=False)}")
    today = today or date.today()
    on = on or today.isoformat()
    if parse_iso_date(on, "--on") > today:
        raise UsageError(f"--on {on} is in the future.")
    root = config.root
    old_folder = records.case_folder(config, case_id)
    with gitops.writing(root, old_folder):
        pending = gitops.changed_files(root, old_folder)
        if pending:
            raise UsageError(f"{', '.join(pending)} has changes not committed; commit them (or `git stash` them) "
                             "first, so the move records the case as it is. Nothing was moved.")
        new_id = _free_id(repo, case_id)
        new_folder = config.cases_dir / new_id

        def write() -> None:
            os.rename(old_folder, new_folder)
            for kind, path in records.case_paths(new_folder).items():
                field = "id" if kind == "case" else "case"
                md = mdfile.read(path, records.relative(config, path))
                if md.data.get(field) == case_id:
                    mdfile.write_atomic(path, mdfile.set_fields(md, {(field,): new_id}))
            from lcspr.validation import check_case

            problems = check_case(repo, new_id)[1]
            if problems:
                raise ValidationFailed(f"{case_id} would not validate as {new_id}, so it was not moved:\n"
                                       + "\n".join(str(p) for p in problems), problems)

        message = trail.Decision(
            action=trail.REALLOCATE, case=case_id, moved_to=new_id, decided_by=by, holder=config.holders.get(by, ""),
            decided_on=on, recorded_at=gitops.now_utc(), subject=f"{case_id}: reallocated to {new_id}",
            reason=reason.strip(),
        ).message()
        commit = gitops.record_change(root, old_folder, write, message, sign=config.sign, also=(new_folder,))
    return Reallocated(case_id, new_id, commit, records.relative(config, new_folder))


def _free_id(repo: Repository, case_id: str) -> str:
    """The next ID of the case's year free in this clone, on the remote branch (fetched
    first when there is one) and in every ID the history ever opened."""
    config = repo.config
    root = config.root
    match = records.CASE_ID.match(case_id)
    assert match is not None  # case_folder checked it
    names = set(records.case_ids(config))
    up = remote.upstream(root)
    if up is not None:
        remote.fetch(root, up)
        listed = gitops.git(root, "ls-tree", "--name-only", f"{up.tracking}:cases", check=False).stdout
        names.update(listed.split())
    for line in gitops.git(root, "log", "--all", f"--format=%(trailers:key={trail.CASE},valueonly)",
                           f"--grep=^{trail.ACTION}: {trail.NEW_CASE}$").stdout.split():
        names.add(line.strip())
    numbers = [int(m["number"]) for name in names
               if (m := records.CASE_ID.match(name)) and m["prefix"] == match["prefix"] and m["year"] == match["year"]]
    return f"{match['prefix']}-{match['year']}-{max(numbers, default=0) + 1:03d}"
