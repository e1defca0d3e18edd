"""The methodologies menu's rules that a plain field check cannot express.

Each rule takes the repository, the case (its files as they are on disk) and
the case.md data as it would be after the decision, and returns what is
missing, in words for the secretariat (an empty list when the rule holds).
Workflow files name them with `rule: <name>`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lcspr.mdfile import field_value
from lcspr.records import Case
from lcspr.repository import Repository

if TYPE_CHECKING:  # pragma: no cover
    from lcspr.workflow import Workflow

Rule = Callable[[Repository, Case, dict[str, Any]], list[str]]
RULES: dict[str, Rule] = {}
DESCRIPTIONS: dict[str, str] = {}
#: The case files (besides case.md) each rule reads: case file kinds, as in `Case.files`.
READS: dict[str, tuple[str, ...]] = {}


def rule(name: str, description: str, reads: tuple[str, ...] = ()) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        RULES[name] = func
        DESCRIPTIONS[name] = description
        READS[name] = reads
        return func

    return register


def get(data: dict[str, Any], dotted: str) -> Any:
    """The value at a dotted path (`workshop.lead.role`), or None."""
    return field_value(data, dotted)


def is_set(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def approval_may_exist(workflow: "Workflow", data: dict[str, Any]) -> bool:
    """Whether case.md holds a field that an approving transition writes, so `show`
    reads the history (and loads what reads it) only for a case that may have been approved."""
    fields = {f for t in workflow.transitions if t.approves for f in (*t.sets, *t.stamps)}
    return not fields or any(is_set(get(data, f)) for f in fields)


@rule("notification-before-rapid-review", "A rapid review needs a serious incident notification first.")
def _notification_first(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    notified = get(data, "serious_incident.notified")
    if not is_set(notified):
        return ["a rapid review needs the serious incident notification first: `serious_incident.notified` is not set"]
    done = get(data, "serious_incident.rapid_review")
    if is_set(done) and str(done) < str(notified):
        return [f"`serious_incident.rapid_review` ({done}) is before the notification ({notified})"]
    return []


@rule("health-review-led-by-commissioner", "A Level 1 health review is led by the health commissioner (the ICB).")
def _health_lead(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    config = repo.config
    lead = get(data, "single_agency.lead_agency")
    # An explicit `health_review: false` (a health provider's review of its own practice that the
    # LIG did not make a health review) is the LIG's decision; only when it is not set does
    # a lead from the health sector make it one.
    said = get(data, "single_agency.health_review")
    health = said if isinstance(said, bool) else lead in config.sectors.get("health", [])
    if health and not is_set(lead):
        return [f"a health review is led by the health commissioner: set `single_agency.lead_agency` to {config.health_commissioner}"]
    if health and lead != config.health_commissioner:
        return [
            f"a health review is led by the health commissioner, {config.agency_name(config.health_commissioner)} "
            f"({config.health_commissioner}), not {lead!r}: set `single_agency.lead_agency` to {config.health_commissioner}"
        ]
    return []


@rule("workshop-lead-independent", "A Level 2 workshop lead is a partnership senior manager declared independent of the case.")
def _workshop_lead(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    if get(data, "workshop.lead.independent_of_case") is not True:
        return ["the workshop lead must be declared independent of the case: `workshop.lead.independent_of_case: true`"]
    return []


@rule(
    "practitioners-representatives",
    "While a criminal investigation is ongoing, representatives may be asked to attend a workshop in place of "
    "frontline practitioners: each practitioner attending in person is named (best used with `warn: true`).",
)
def _representatives(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    if data.get("criminal_investigation") is not True:
        return []
    practitioners = get(data, "workshop.practitioners") or []
    return [
        f"`workshop.practitioners[{i}]` ({p.get('role', '?')}) attends as a frontline practitioner while a "
        "criminal investigation is ongoing; a representative may be asked to attend instead "
        "(`representative: true` records one)"
        for i, p in enumerate(practitioners)
        if isinstance(p, dict) and p.get("representative") is not True
    ]


@rule(
    "reviewer-independent",
    "A Level 3 reviewer is independent of the case, from a partnership agency or externally commissioned.",
)
def _reviewer(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    kind = get(data, "reviewer.kind")
    if kind not in ("partnership-agency", "independent"):
        return ["a reviewer is needed: set `reviewer.kind` to partnership-agency or independent"]
    missing = []
    if kind == "partnership-agency" and not is_set(get(data, "reviewer.agency")):
        missing.append("a reviewer from a partnership agency needs `reviewer.agency`")
    if get(data, "reviewer.independent_of_case") is not True:
        missing.append("the reviewer must be declared independent of the case: `reviewer.independent_of_case: true`")
    return missing


@rule("panel-core-agencies", "A Level 3 panel includes at least health, children's services and police.")
def _panel(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    members = {m.get("agency") for m in data.get("panel") or [] if isinstance(m, dict)}
    return [
        f"the panel has no member from {sector.replace('-', ' ')} (one of: {', '.join(agencies)}): add one to `panel`"
        for sector in ("health", "childrens-services", "police")
        if not members & set(agencies := repo.config.sectors.get(sector, [sector]))
    ]


@rule(
    "every-agency-chronology",
    "Every involved agency has returned a referral response with a chronology or a narrative.",
    reads=("response",),
)
def _chronologies(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    responses = case.responses()
    missing = []
    for agency in data.get("agencies_involved") or []:
        response = responses.get(agency)
        if response is None:
            missing.append(f"no referral response from {agency}: add responses/{agency}.md")
        elif not response.data.get("chronology") and not (response.data.get("narrative") and response.body.strip()):
            missing.append(f"responses/{agency}.md has neither a chronology nor a narrative")
    if not data.get("agencies_involved"):
        missing.append("`agencies_involved` is empty: list the agencies asked for a chronology")
    return missing


@rule("practitioner-events", "A Level 3 review holds a multi-agency workshop with practitioners.")
def _events(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    kinds = {e.get("kind") for e in data.get("practitioner_events") or [] if isinstance(e, dict)}
    if "multi-agency-workshop" not in kinds:
        return ["no multi-agency workshop recorded: add one to `practitioner_events`"]
    return []


@rule("national-panel-declined", "A case referred for a national review returns for a local route only if the National Panel declined it.")
def _declined(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    # Read from what the case records, never from a state's name: a partnership may name its states.
    referred = is_set(get(data, "national_review.criteria")) or is_set(get(data, "dates.national_referral"))
    if referred and get(data, "national_review.decision") != "declined":
        return ["the case was referred for a national review and the National Panel has not declined it: "
                "`national_review.decision` must be declined"]
    return []


@rule(
    "rapid-review-decision",
    "A rapid review records what it decided (an LCSPR, no LCSPR, or a national review recommended); "
    "no LCSPR needs the learning and how it is taken forward.",
)
def _rapid_review_decision(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    outcome = get(data, "serious_incident.outcome")
    if not is_set(outcome):
        return ["what the rapid review decided is not recorded: set `serious_incident.outcome` to lcspr, "
                "no-lcspr or national-review-recommended"]
    if outcome == "no-lcspr" and not is_set(get(data, "serious_incident.learning")):
        return ["the rapid review decided no LCSPR: record the learning and how it is taken forward in "
                "`serious_incident.learning`"]
    return []


@rule(
    "rapid-review-answered",
    "A case that had a rapid review closes only once the National Panel's answer to it is recorded.",
)
def _rapid_review_answered(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    if not is_set(get(data, "serious_incident.rapid_review")):
        return []
    if not is_set(get(data, "serious_incident.panel_response.date")):
        return ["the National Panel's answer to the rapid review is not recorded: set "
                "`serious_incident.panel_response.date` (and `.summary`)"]
    return []


@rule("publication-record", "Publication needs the date and URL; not publishing needs the reason and what was published instead.")
def _publication(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    published = get(data, "publication.published")
    needed = ["date", "url"] if published else ["reason_not_published", "improvements_published", "date"]
    return [f"`publication.{name}` is not set" for name in needed if not is_set(get(data, f"publication.{name}"))]


def _not_after(data: dict[str, Any], earlier: str, later: str, what: str) -> list[str]:
    """`earlier` must not fall after `later` when both dates are set (ISO dates compare as text)."""
    first, second = get(data, earlier), get(data, later)
    if is_set(first) and is_set(second) and str(first) > str(second):
        return [f"`{earlier}` ({first}) is after `{later}` ({second}): {what}"]
    return []


@rule("findings-shared-before-closing", "A Level 1 review's findings are shared with the LIG before it closes.")
def _findings_before_closing(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    return _not_after(data, "single_agency.findings_shared", "dates.closed",
                      "the findings are shared with the LIG before the case closes")


@rule("sent-before-publication", "The final report goes to the National Panel and the DfE before it is published.")
def _sent_before_publication(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    return _not_after(data, "pre_publication.sent", "publication.date",
                      "the final report goes to the National Panel and the DfE before publication")


@rule("actions-closed-or-explained",
      "A case closes from action-plan monitoring only when no action is open, unless the LIG records why "
      "(`action_plan.open_actions_reason`).", reads=("actions",))
def _actions_closed(repo: Repository, case: Case, data: dict[str, Any]) -> list[str]:
    from lcspr import actions

    return actions.closed_or_explained(repo, case, data)
