"""What `list` and `due` show of every case: a few fields of case.md and the case's
open deadlines.

An overview depends only on the case's files, the shared settings and the day, so it
is kept between runs (`lcspr.results_cache`, `.git/lcspr/overview-cache.json`) under
the case files' blob IDs: an unchanged case is not read again that day.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import TYPE_CHECKING, Any

from lcspr import read_memo, records
from lcspr.deadlines import Due, calendar_for, needed_kinds, open_deadlines
from lcspr.errors import LcsprError

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.repository import Repository

CACHE_NAME = "overview-cache.json"

_DUE_FIELDS = tuple(f.name for f in fields(Due))


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
    kept = None
    if cache:
        from lcspr import results_cache
        from lcspr.calendar import holidays_release

        # The bank holidays come from the installed holidays package: a new release may add one.
        kept = results_cache.open_cache(repo, CACHE_NAME, f"on {today.isoformat()}", f"holidays {holidays_release()}")
    calendar_for(repo.config)  # settings it cannot use are the whole command's error, not each case's
    kinds = needed_kinds(repo.workflow)
    found = []
    for case_id in records.case_ids(repo.config):
        if kept is None:
            found.append(_overview(repo, case_id, kinds, today))
            continue
        store, keys = kept
        key = keys.get(case_id, [])
        overview = _from_json(case_id, store.get(case_id, key))
        if overview is None:
            overview = _overview(repo, case_id, kinds, today)
            if read_memo.plain(overview.case):  # only what JSON gives back exactly is kept
                store.put(case_id, key, _to_json(overview))
        found.append(overview)
    if kept is not None:
        kept[0].save()
    return found


def _overview(repo: Repository, case_id: str, kinds: set[str], today: date) -> Overview:
    try:
        case = records.read_case(repo.config, case_id, kinds)
        data = case.data
        dates = data.get("dates")
        summary = {
            "title": data.get("title", ""),
            "status": data.get("status", ""),
            "level": data.get("level") or "",
            "referred_by": data.get("referred_by", ""),
            "received": dates.get("received", "") if isinstance(dates, dict) else "",
        }
        return Overview(case_id, summary, open_deadlines(repo.config, repo.workflow, case, today=today))
    except LcsprError as exc:  # one broken case must not hide every other case
        return Overview(case_id, {}, [], str(exc))


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
        if not (isinstance(entry, dict) and tuple(entry) == _DUE_FIELDS and entry["case"] == case_id):
            return None
        due.append(Due(**entry))
    return Overview(case_id, kept["case"], due, kept["problem"])
