"""What `list` and `due` show of every case: a few fields of case.md and the case's
open deadlines.

Both are kept between runs (`lcspr.results_cache`) under the case files' blob IDs.
What the deadlines read of the files (case.md and actions.md, and of the other files
only the fields a deadline's `done` names) does not depend on the day: it is kept in
`.git/lcspr/overview-inputs.json`, so a case is parsed again only when its files
change. The overview itself is kept in `.git/lcspr/overview-cache.json` for the day
(and the holidays release) it was counted on, so a second listing that day counts
nothing and reads only that smaller file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeGuard

from lcspr import read_memo, records, rules
from lcspr.deadlines import DUE_FIELDS, Due, calendar_for, needed_kinds, open_deadlines
from lcspr.errors import LcsprError
from lcspr.mdfile import MarkdownFile
from lcspr.records import Case

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.repository import Repository

CACHE_NAME = "overview-cache.json"
INPUTS_NAME = "overview-inputs.json"

#: The files whose data the deadlines read whole; of any other, only the `done` fields.
_WHOLE = ("case", "actions")


@dataclass(frozen=True)
class Overview:
    """One case as a listing shows it. `problem` says why its files cannot be read;
    then `case` holds no fields and `due` is empty, since its deadlines are unknown."""

    id: str
    case: dict[str, Any]  # title, status, level, referred_by, received: as case.md has them
    due: list[Due]
    problem: str = ""


def overviews(repo: Repository, today: date | None = None, cache: bool = True) -> list[Overview]:
    """Every case's overview, in the order of its ID, as of `today`."""
    today = today or date.today()
    calendar_for(repo.config)  # settings it cannot use are the whole command's error, not each case's
    kinds = needed_kinds(repo.workflow)
    wanted = done_fields(repo)
    if not cache:
        return [_counted(repo, case_id, _read(repo, case_id, kinds, wanted), today)
                for case_id in records.case_ids(repo.config)]
    from lcspr import results_cache
    from lcspr.calendar import holidays_release

    # The bank holidays come from the installed holidays package: a new release may add one.
    opened = results_cache.open_cache(repo, CACHE_NAME, f"on {today.isoformat()}", f"holidays {holidays_release()}")
    if opened is None:
        return overviews(repo, today, cache=False)
    counted, keys = opened
    read: results_cache.ResultsCache | None = None  # what the files said: opened only when a case must be counted
    found = []
    for case_id in records.case_ids(repo.config):
        key = keys.get(case_id, [])
        seen = _from_json(case_id, counted.get(case_id, key))
        if seen is None:
            if read is None:
                identity = results_cache.inputs_identity(repo.root, repo.config.workflow_file, daily=False)
                read = results_cache.ResultsCache(repo.root, identity, INPUTS_NAME)
            inputs = read.get(case_id, key)
            if not _plausible(inputs):
                inputs = _read(repo, case_id, kinds, wanted)
                if read_memo.plain(inputs):  # only what JSON gives back exactly is kept
                    read.put(case_id, key, inputs)
            seen = _counted(repo, case_id, inputs, today)
            if read_memo.plain(seen.case):
                counted.put(case_id, key, _to_json(seen))
        found.append(seen)
    counted.save()
    if read is not None:
        read.save()
    return found


def done_fields(repo: Repository) -> dict[str, set[str]]:
    """Of each file the deadlines read (other than case.md and actions.md), the fields they read."""
    wanted: dict[str, set[str]] = {}
    for spec in repo.workflow.deadlines:
        kind, _, name = str(spec["done"]).rpartition(":")
        if kind and kind not in _WHOLE:
            wanted.setdefault(kind, set()).add(name)
    return wanted


def _read(repo: Repository, case_id: str, kinds: set[str], wanted: dict[str, set[str]]) -> dict[str, Any] | str:
    """What the deadlines read of the case's files (by kind), or why they cannot be read."""
    try:
        case = records.read_case(repo.config, case_id, kinds)
    except LcsprError as exc:
        return str(exc)
    return kept_data(case, wanted)


def kept_data(case: Case, wanted: dict[str, set[str]]) -> dict[str, Any]:
    """Each file's data (by kind): whole, or of a file kind in `wanted` only those fields."""
    inputs = {}
    for kind, md in case.files.items():
        names = wanted.get(kind.split(":", 1)[0])
        inputs[kind] = md.data if names is None else only_fields(md.data, names)
    return inputs


def only_fields(data: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """`data` with only the fields `names` (dotted paths) that it has."""
    kept: dict[str, Any] = {}
    for name in sorted(names):
        value = rules.get(data, name)
        if value is None:
            continue
        *parents, last = name.split(".")
        here = kept
        for part in parents:
            here = here.setdefault(part, {})
        here[last] = value
    return kept


def kept_case(repo: Repository, case_id: str, inputs: dict[str, Any]) -> Case:
    """The case as the deadlines see it: each file's data, without its text."""
    folder = repo.config.cases_dir / case_id
    shown = records.relative(repo.config, folder)  # once: each file is shown as `shown/name`
    case = Case(case_id, folder)
    for kind, data in inputs.items():
        name = records.file_name(kind)
        case.files[kind] = MarkdownFile(folder / name, f"{shown}/{name}", "", data, "", {}, 0, 1)
    return case


def _counted(repo: Repository, case_id: str, inputs: dict[str, Any] | str, today: date) -> Overview:
    """The case's overview on `today`, from what `_read` gave."""
    if isinstance(inputs, str):
        return Overview(case_id, {}, [], inputs)
    case = kept_case(repo, case_id, inputs)
    data = case.data
    dates = data.get("dates")
    summary = {
        "title": data.get("title", ""),
        "status": data.get("status", ""),
        "level": data.get("level") or "",
        "referred_by": data.get("referred_by", ""),
        "received": dates.get("received", "") if isinstance(dates, dict) else "",
    }
    try:
        return Overview(case_id, summary, open_deadlines(repo.config, repo.workflow, case, today=today))
    except LcsprError as exc:  # one case whose deadlines cannot be counted must not hide the others
        return Overview(case_id, {}, [], str(exc))


def _plausible(inputs: Any) -> TypeGuard[dict[str, Any] | str]:
    """Whether kept inputs have the shape `_read` gives (the cache may be damaged)."""
    if isinstance(inputs, str):
        return True
    return (isinstance(inputs, dict) and "case" in inputs
            and all(isinstance(k, str) and isinstance(v, dict) for k, v in inputs.items()))


def _to_json(overview: Overview) -> dict[str, Any]:
    return {"case": overview.case, "due": [d.as_dict() for d in overview.due], "problem": overview.problem}


def _from_json(case_id: str, kept: Any) -> Overview | None:
    """The overview kept for the case, or None when there is none or it is not of the
    shape `_to_json` writes (a damaged cache is only slower)."""
    if not (isinstance(kept, dict) and isinstance(kept.get("case"), dict) and isinstance(kept.get("due"), list)
            and isinstance(kept.get("problem"), str)):
        return None
    due = []
    for entry in kept["due"]:
        if not (isinstance(entry, dict) and tuple(entry) == DUE_FIELDS and entry["case"] == case_id):
            return None
        due.append(Due(**entry))
    return Overview(case_id, kept["case"], due, kept["problem"])
