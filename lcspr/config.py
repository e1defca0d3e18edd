"""The records repository's settings: finding `lcspr.toml` and reading it.

A records repository is any Git repository with an `lcspr.toml` at its root.
Everything that differs between partnerships lives there: the partnership's
name, the case ID prefix, the agencies, who holds which role, the calendar,
and optional overrides (a workflow file, a templates folder).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from lcspr import paths
from lcspr.errors import ConfigError, NotARecordsRepository, UnsafePath

CONFIG_NAME = "lcspr.toml"

#: Lower-case words joined by single hyphens: safe as a file name on every system.
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

DEFAULT_AGENCIES: dict[str, str] = {
    "childrens-services": "Children's Services",
    "police": "Police",
    "icb": "Integrated Care Board",
    "acute-trust": "Acute Hospital Trust",
    "community-health": "Community Health Services",
    "mental-health": "Mental Health Services",
    "gp": "General Practice",
    "ambulance": "Ambulance Service",
    "education": "Education",
    "early-years": "Early Years Settings",
    "probation": "Probation Service",
    "youth-justice": "Youth Justice Service",
    "housing": "Housing",
    "adult-social-care": "Adult Social Care",
    "substance-misuse": "Substance Misuse Service",
    "domestic-abuse": "Domestic Abuse Service",
}

#: Which agencies count as which sector, for rules such as "a Level 3 panel
#: includes health, children's services and police".
DEFAULT_SECTORS: dict[str, list[str]] = {
    "health": ["icb", "acute-trust", "community-health", "mental-health", "gp", "ambulance"],
    "childrens-services": ["childrens-services"],
    "police": ["police"],
}

#: The themes a case may record (lcspr.toml [themes]): the Child Safeguarding Practice
#: Review Panel's common themes of serious incidents and of practice.
DEFAULT_THEMES: dict[str, str] = {
    "neglect": "Neglect",
    "domestic-abuse": "Domestic abuse",
    "parental-mental-health": "Parental mental health",
    "substance-misuse": "Parental substance misuse",
    "sudi": "Sudden unexpected death in infancy",
    "non-accidental-injury": "Non-accidental injury",
    "criminal-exploitation": "Child criminal exploitation",
    "sexual-abuse": "Child sexual abuse and exploitation",
    "online-harm": "Online harm",
    "child-mental-health": "Children's mental health, self-harm and suicide",
    "disabled-children": "Disabled children and children with complex needs",
    "information-sharing": "Information sharing between agencies",
    "voice-of-the-child": "The child's lived experience and voice",
    "engaging-families": "Working with families reluctant to engage",
}

#: The reporting years `lcspr figures` knows: the month each begins.
REPORTING_YEARS = {"april-march": 4, "calendar": 1}

DEFAULT_ROLES: dict[str, str] = {
    "secretariat": "Partnership secretariat",
    "lig-chair": "Chair of the Learning and Inquiry Group",
    "lig": "Learning and Inquiry Group",
    "board": "Main Board (Lead Safeguarding Partners)",
    "safeguarding-partners": "Safeguarding partners (rapid review)",
    "local-authority": "Local authority (serious incident notification)",
    "national-panel": "Child Safeguarding Practice Review Panel",
    "reviewer": "Lead reviewer",
}


@dataclass(frozen=True)
class Config:
    """What lcspr.toml says, with defaults filled in."""

    root: Path
    partnership: str
    prefix: str
    agencies: dict[str, str]
    sectors: dict[str, list[str]]
    roles: dict[str, str]
    #: Who holds a role, as the partnership chooses to put it on record (a job title or
    #: a name; never a child's or family's details): recorded with each decision.
    holders: dict[str, str] = field(default_factory=dict)
    themes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_THEMES))
    reporting_year: str = "april-march"
    health_commissioner: str = "icb"
    division: str = "england"
    rapid_review_day0: str = "awareness"
    response_working_days: int = 10
    pre_publication_working_days: int = 7
    publication_months: int = 6
    action_plan_review_months: int = 12
    default_role: str = "secretariat"
    sign: bool = False
    workflow_file: Path | None = None
    templates_dir: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def cases_dir(self) -> Path:
        return self.root / "cases"

    def agency_name(self, agency: str) -> str:
        return self.agencies.get(agency, agency)


#: Where each plain setting lives in lcspr.toml (its table, if any, then its key); its
#: default is the Config field's own, written once there.
PLACES: dict[str, tuple[str, ...]] = {
    "reporting_year": ("reporting_year",),
    "health_commissioner": ("health_commissioner",),
    "division": ("calendar", "division"),
    "rapid_review_day0": ("calendar", "rapid_review_day0"),
    "response_working_days": ("calendar", "response_working_days"),
    "pre_publication_working_days": ("calendar", "pre_publication_working_days"),
    "publication_months": ("calendar", "publication_months"),
    "action_plan_review_months": ("calendar", "action_plan_review_months"),
    "default_role": ("default_role",),
    "sign": ("sign",),
}


def default(name: str) -> Any:
    """The default of the setting `name`, as the Config model declares it."""
    found = next(f for f in fields(Config) if f.name == name)
    return found.default


def _setting(raw: dict[str, Any], name: str) -> Any:
    node: Any = raw
    for key in PLACES[name]:
        if not isinstance(node, dict) or key not in node:
            return default(name)
        node = node[key]
    return node


def find_root(start: Path | None = None, override: Path | None = None) -> Path:
    """Return the records repository root: `override` if given, else the nearest
    folder at or above `start` (default: the current folder) holding lcspr.toml."""
    if override is not None:
        root = Path(override).expanduser().resolve()
        if not (root / CONFIG_NAME).is_file():
            raise NotARecordsRepository(
                f"{root} is not a records repository: it has no {CONFIG_NAME}. "
                f"Create one with `lcspr init {override}` or point --repo at an existing one."
            )
        return root
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise NotARecordsRepository(
        f"no {CONFIG_NAME} in {here} or any folder above it: run lcspr inside a records "
        "repository, pass --repo PATH, or create one with `lcspr init PATH`."
    )


def load(root: Path) -> Config:
    """Read `root/lcspr.toml`, checked against its schema: the one way lcspr reads its
    settings. A text that passed its check is remembered with what it parsed to (in
    .git/lcspr/memo/, `read_memo`), so commands start without a TOML parser or
    jsonschema until the file changes."""
    path = paths.inside_repository(root, Path(CONFIG_NAME), "settings file")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from None
    from lcspr import read_memo

    # What a checked text parsed to is kept with it (when JSON gives it back exactly;
    # TOML's dates and floats are not kept): the same text is neither parsed nor checked again.
    memo = read_memo.Memo(root, "settings", read_memo.checks_basis(), keep=read_memo.SETTINGS_KEPT)
    kept = memo.get(CONFIG_NAME, text)
    if isinstance(kept, dict):
        return _config_from(root, text, kept)
    import tomllib

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}. Fix the file and try again.") from None
    if kept is not True:  # True: checked, but kept as text only
        from lcspr import schemas  # jsonschema is heavy: only a new version of the file needs it

        problems = schemas.check_config(raw)
        if problems:
            lines = [f"{CONFIG_NAME}:{_line_of(text, where)}: {where}: {message}" for where, message in problems]
            raise ConfigError("lcspr.toml is not valid:\n" + "\n".join(lines))
        memo.put(CONFIG_NAME, text, raw if read_memo.plain(raw) else True)
        memo.save()
    return _config_from(root, text, raw)


def _config_from(root: Path, text: str, raw: dict[str, Any]) -> Config:
    overrides = raw.get("overrides", {})
    agencies = dict(raw.get("agencies") or DEFAULT_AGENCIES)
    sectors = {k: list(v) for k, v in (raw.get("sectors") or DEFAULT_SECTORS).items()}
    commissioner = _setting(raw, "health_commissioner")
    roles = dict(raw.get("roles") or DEFAULT_ROLES)
    holders = dict(raw.get("holders") or {})
    for role in holders:
        if role not in roles:
            raise ConfigError(
                f"{CONFIG_NAME}:{_line_of(text, 'holders')}: holders.{role}: '{role}' is not one of the [roles] "
                f"({', '.join(roles)}). Name a role that lcspr.toml lists, or add it to [roles]."
            )
    for where, ids in [("health_commissioner", [commissioner])] + [
        (f"sectors.{sector}", ids) for sector, ids in sectors.items()
    ]:
        for agency in ids:
            if agency not in agencies:
                raise ConfigError(
                    f"{CONFIG_NAME}:{_line_of(text, where)}: {where}: '{agency}' is not one of the "
                    f"[agencies] ({', '.join(agencies)}). Add it to [agencies] or correct the name."
                )
    return Config(
        root=root,
        partnership=raw["partnership"],
        prefix=raw.get("case_prefix", "LIG"),
        agencies=agencies,
        sectors=sectors,
        roles=roles,
        holders=holders,
        themes=dict(raw.get("themes") or DEFAULT_THEMES),
        **{name: _setting(raw, name) for name in PLACES if name != "health_commissioner"},
        health_commissioner=commissioner,
        workflow_file=_override(root, text, overrides, "workflow"),
        templates_dir=_override(root, text, overrides, "templates"),
        raw=raw,
    )


#: What an [overrides] workflow file outside the repository may be called (see `_override`).
SHARED_WORKFLOW_SUFFIXES = (".yaml", ".yml")


def _override(root: Path, text: str, overrides: dict[str, Any], key: str) -> Path | None:
    """The path `[overrides] key` names, checked: inside the repository it must be
    real (no symbolic link on the way) and stay inside.

    A workflow written as a path outside the repository (a file shared by several
    repositories) is accepted, but only a real YAML file: lcspr.toml is anyone's to
    change, and the workflow's error messages quote the file, so it must not name
    /etc/passwd, /proc/self/environ or a file of passwords. Templates are filled into
    the documents that are sent out, so they must always be the repository's own."""
    if key not in overrides:
        return None
    value = Path(overrides[key])
    full = Path(os.path.normpath(root / value))
    where = f"{CONFIG_NAME}:{_line_of(text, f'overrides.{key}')}: [overrides] {key}"
    if key == "workflow" and not full.is_relative_to(root):
        real = Path(os.path.realpath(full))
        if real.suffix.lower() not in SHARED_WORKFLOW_SUFFIXES or (real.exists() and not real.is_file()):
            raise UnsafePath(
                f"{where} = {str(value)!r} names {real}, which is not a YAML file; a workflow outside the "
                "repository must be a .yaml file of its own. Correct the setting."
            )
        return full
    found = paths.first_unsafe(root, value, "workflow file" if key == "workflow" else "templates folder")
    if found:
        raise UnsafePath(f"{where}: {paths.describe(root, *found)}")
    return full


def _line_of(text: str, where: str) -> int:
    """Best-effort line of a dotted TOML key (`calendar.division`) for error messages."""
    parts = [p for p in re.split(r"[.\[\]]", where) if p and not p.isdigit()]
    if not parts:
        return 1
    section, key = (parts[:-1], parts[-1])
    lines = text.splitlines()

    def header_line(names: list[str]) -> int | None:
        header = re.compile(r"^\s*\[\s*" + re.escape(".".join(names)) + r"\s*\]\s*(#.*)?$")
        return next((i for i, line in enumerate(lines) if header.match(line)), None)

    start = (header_line(section) or 0) if section else 0
    pattern = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*=')
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            return i + 1
    table = header_line(parts)  # `[key]`: the field is a whole table
    return (table if table is not None else start) + 1


def render_default(partnership: str, prefix: str) -> str:
    """The text of a new lcspr.toml, commented so a secretariat can edit it."""

    def table(values: dict[str, Any]) -> str:
        return "\n".join(f"{key} = {_toml_value(value)}" for key, value in values.items())

    return f"""# Settings of this lcspr records repository.
# Everything that differs between partnerships lives here.

partnership = {_toml_value(partnership)}
# New cases are numbered {prefix}-<year>-<NNN>.
case_prefix = {_toml_value(prefix)}
# The agency that leads a Level 1 health review (the ICB since July 2022).
health_commissioner = {_toml_value(default('health_commissioner'))}
# The role recorded for a decision when `lcspr advance` is given no --by.
default_role = {_toml_value(default('default_role'))}
# Sign decision commits with Git's own commit signing (see the README).
sign = {_toml_value(default('sign'))}
# The year `lcspr figures` reports by default (the last complete one):
# "april-march" or "calendar".
reporting_year = {_toml_value(default('reporting_year'))}

# Agencies: the ID used in case files = the name shown in documents.
[agencies]
{table(DEFAULT_AGENCIES)}

# Which agencies count as which sector in the workflow's rules.
[sectors]
{table(DEFAULT_SECTORS)}

# Roles that decide.
[roles]
{table(DEFAULT_ROLES)}

# Who holds a role, recorded with each decision it makes (a job title, or a
# name the partnership chooses to put on record; never a child's or family's).
# [holders]
# lig-chair = "Chair of the Learning and Inquiry Group"

# The themes a case may record (case.md `themes`): ID = name. The default is
# the National Panel's common themes; keep the IDs once cases use them.
[themes]
{table(DEFAULT_THEMES)}

[calendar]
# Bank holidays: england, wales, scotland or northern-ireland.
division = {_toml_value(default('division'))}
# Day 0 of the 15-working-day rapid review: "awareness" or "notification".
rapid_review_day0 = {_toml_value(default('rapid_review_day0'))}
# Working days an agency has to return its referral response.
response_working_days = {_toml_value(default('response_working_days'))}
# Working days before publication that the final report goes to the
# National Panel and the Department for Education.
pre_publication_working_days = {_toml_value(default('pre_publication_working_days'))}
# Months from the decision to hold an LCSPR to its publication.
publication_months = {_toml_value(default('publication_months'))}
# Months from the start of action-plan monitoring to its formal review.
action_plan_review_months = {_toml_value(default('action_plan_review_months'))}

# [overrides]
# workflow = "workflow.yaml"   # this partnership's own workflow
# templates = "templates"      # this partnership's own Word templates
"""


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
