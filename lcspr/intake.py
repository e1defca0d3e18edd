"""`lcspr new-case`: allocate the next ID, scaffold the case folder, commit it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from string import Template

from lcspr import gitops, mdfile, paths, records, remote, trail
from lcspr.calendar import parse_iso_date
from lcspr.errors import InvalidDate, UsageError, ValidationFailed
from lcspr.repository import Repository
from lcspr.resources import resource_dir


#: How many times `new-case` allocates again when someone else pushed first.
ATTEMPTS = 8


@dataclass(frozen=True)
class NewCase:
    id: str
    path: str
    commit: str
    #: The remote branch the case was pushed to ("" without a remote).
    pushed_to: str = ""
    #: IDs that others took first while this case was being opened.
    taken: list[str] = field(default_factory=list)


def _skeleton(repo: Repository, name: str) -> Template:
    override = repo.config.templates_dir
    if override is not None and (override / "case" / name).is_file():
        # The override is the repository's own: never a link to a file elsewhere.
        path = paths.inside_repository(repo.root, override / "case" / name, "case skeleton")
        return Template(path.read_text(encoding="utf-8"))
    return Template((resource_dir("templates") / "case" / name).read_text(encoding="utf-8"))


def skeleton_text(repo: Repository, name: str) -> str:
    """The text of the case skeleton `name` (response.md, ...): the repository's own, else lcspr's."""
    return _skeleton(repo, name).template


def default_day() -> date:
    """The day a referral arrives unless the secretariat says otherwise."""
    return date.today()


def check_title(repo: Repository, title: str, option: str = "") -> str:
    """Refuse a case title that is not a pseudonym ("Child A"), in words that name
    `option` only when the user typed it."""
    problems = [p for p in repo.validator.check("case", {"title": title}) if p.where == ("title",)]
    if problems:
        message = problems[0].message.rstrip(".")
        if _looks_like_a_name(title):
            message = (f"{title!r} looks like a person's real name. Case files hold pseudonyms only "
                       "('Child A', 'Baby Z', 'Family U'); real names go in the identity register "
                       "(`lcspr identities add`)")
        raise UsageError(f"{option}: {message}." if option else f"{message}.")
    return title


def _looks_like_a_name(text: str) -> bool:
    """Two or more capitalised words, as a forename and surname are written."""
    words = text.split()
    return len(words) >= 2 and all(w[:1].isupper() and w[1:].islower() for w in words)


def check_referrer(repo: Repository, agency: str) -> str:
    """The referring agency, if lcspr.toml lists it (else a usage error with a suggestion)."""
    return records.check_agency(repo.config, agency)


def check_day(day: str, option: str = "", when: date | None = None, hint: str = "") -> date:
    """A day written YYYY-MM-DD that is not after `when` (default: today)."""
    parsed = parse_iso_date(day, option or "date")
    if parsed > (when or default_day()):
        said = f"{option} {day}" if option else day
        raise InvalidDate(f"{said} is in the future{'; ' + hint if hint else ''}.")
    return parsed


def new_case(
    repo: Repository,
    title: str,
    referred_by: str,
    received: str | None = None,
    serious_incident: bool = False,
    aware: str | None = None,
    today: date | None = None,
    offline: bool = False,
) -> NewCase:
    """Open a case: next free ID, folder from the skeletons, validated, one commit.

    When the current branch has an upstream on a remote (and not `offline`), the
    ID is allocated against the shared branch: fetch, catch up, allocate, commit,
    push; when someone else pushed first, the commit is taken back and the case
    opened again under the next free ID (up to ATTEMPTS times). Either the case
    is on the remote, or nothing was written."""
    config = repo.config
    day = today or default_day()
    records.check_agency(config, referred_by)
    received = received or day.isoformat()
    received_day = check_day(received, "--received", day, "give the day the referral arrived")
    if serious_incident and not aware:
        raise UsageError("--serious-incident needs --aware DATE: the day the local authority became aware.")
    if aware and not serious_incident:
        raise UsageError("--aware goes with --serious-incident.")
    if aware:
        check_day(aware, "--aware", day)
    check_title(repo, title, "--title")

    with gitops.writing(config.root):
        up = None if offline else remote.upstream(config.root)
        if up is None:
            return _open(repo, title, referred_by, received, received_day.year, aware)
        taken: list[str] = []
        for _ in range(ATTEMPTS):
            remote.fetch(config.root, up)
            remote.catch_up(config.root, up, "open the case")
            opened = _open(repo, title, referred_by, received, received_day.year, aware)
            pushed = remote.push(config.root, up)
            if pushed.ok:
                return NewCase(opened.id, opened.path, opened.commit, up.name, taken)
            remote.undo_commit(config.root, opened.commit, [config.root / opened.path])
            if pushed.outcome != remote.BEHIND:
                raise remote.refused(up, pushed, f"{opened.id} was not opened (nothing was written here).")
            taken.append(opened.id)
        raise remote.RemoteError(
            f"others kept opening cases first ({', '.join(taken)} were taken while lcspr tried); nothing was "
            "written. Try again in a moment."
        )


def _open(repo: Repository, title: str, referred_by: str, received: str, year: int, aware: str | None) -> NewCase:
    """Inside `writing`: allocate the next ID in this checkout, write the folder, commit it."""
    config = repo.config
    # Allocated under the lock, so two new-case runs in one checkout never share an ID.
    case_id = records.next_case_id(config, year)
    folder = config.cases_dir / case_id
    if folder.exists():
        raise UsageError(f"{records.relative(config, folder)} already exists; nothing was written.")
    values = {
        "id": case_id,
        "title": mdfile.yaml_scalar(title),
        "referred_by": referred_by,
        "received": received,
        "status": repo.workflow.initial,
        "serious_incident": f"serious_incident:\n  aware: {aware}\n" if aware else "",
        "agency": referred_by,
        "requested": received,
    }
    message = trail.Decision(
        action=trail.NEW_CASE, case=case_id, target=repo.workflow.initial, decided_on=received,
        recorded_at=gitops.now_utc(), subject=f"{case_id}: open case ({title})",
        reason=f"Referral from {config.agency_name(referred_by)} received {received}.",
    ).message()
    commit = gitops.record_change(
        config.root, folder, lambda: _scaffold(repo, case_id, folder, values, title), message, sign=config.sign
    )
    return NewCase(case_id, records.relative(config, folder), commit)


def _scaffold(repo: Repository, case_id: str, folder: Path, values: dict[str, str], title: str) -> None:
    """Write the case folder from the skeletons and check it validates."""
    # The title goes into Markdown headings as plain text, into YAML quoted.
    plain = dict(values, title=title)
    folder.mkdir(parents=True)
    (folder / records.RESPONSES_DIR).mkdir()
    (folder / records.RESPONSES_DIR / ".gitkeep").touch()
    for name in (records.CASE_FILE, records.REFERRAL_FILE, records.REPORT_FILE):
        mdfile.write_atomic(folder / name, _fill(_skeleton(repo, name), values, plain))
    from lcspr.validation import check_case

    problems = check_case(repo, case_id)[1]
    if problems:
        raise ValidationFailed(
            f"the new case {case_id} would not validate (check the skeletons in templates/case/):\n"
            + "\n".join(str(p) for p in problems),
            problems,
        )


def response_skeleton(repo: Repository, case_id: str, agency: str, requested: str) -> str:
    """The text of a new referral-response form for `agency`, requested on `requested`."""
    values = {"id": case_id, "agency": agency, "requested": requested,
              "agency_name": repo.config.agency_name(agency)}
    return _fill(_skeleton(repo, "response.md"), values, values)


def _fill(template: Template, values: dict[str, str], plain: dict[str, str]) -> str:
    """Substitute YAML-safe values in the frontmatter and plain text in the body."""
    text = template.template
    end = text.find("\n---", 3)
    head, body = (text[: end + 1], text[end + 1 :]) if end >= 0 else (text, "")
    return Template(head).substitute(values) + Template(body).safe_substitute(plain)


def import_case(repo: Repository, source: Path, reason: str) -> NewCase:
    """Copy a case folder from elsewhere into cases/, validate it, commit it alone
    with `Lcspr-Action: import` and the status it arrives with."""
    import shutil

    config = repo.config
    if not reason.strip():
        raise UsageError("--reason is required: say where the case comes from.")
    source = Path(source).resolve()
    paths.refuse_unsafe_in(source.parent, source, "case folder")  # copytree would copy what a link points at
    case_id = records.check_case_id(source.name)
    if not (source / records.CASE_FILE).is_file():
        raise UsageError(f"{source} has no case.md; give the folder of one case (named by its ID).")
    with gitops.writing(config.root):
        folder = config.cases_dir / case_id
        # A folder someone made in cases/ by hand is brought into the record where it is.
        in_place = source == folder.resolve()
        tracked = folder.exists() and gitops.git(config.root, "ls-files", "--", records.relative(config, folder)).stdout
        if tracked or (folder.exists() and not in_place):
            raise UsageError(f"{records.relative(config, folder)} already exists; nothing was imported.")
        status = str(mdfile.read(source / records.CASE_FILE).data.get("status", ""))

        def write() -> None:
            if not in_place:
                shutil.copytree(source, folder)
            from lcspr.validation import check_case

            problems = check_case(repo, case_id)[1]
            if problems:
                raise ValidationFailed(
                    f"{case_id} does not validate, so it was not imported:\n" + "\n".join(str(p) for p in problems),
                    problems,
                )

        message = trail.Decision(
            action=trail.IMPORT, case=case_id, target=status, recorded_at=gitops.now_utc(),
            subject=f"{case_id}: import case at {status}", reason=reason.strip(),
        ).message()
        commit = gitops.record_change(config.root, folder, write, message, sign=config.sign)
    return NewCase(case_id, records.relative(config, folder), commit)
