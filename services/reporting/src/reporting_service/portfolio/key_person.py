"""Key-person dependency: the projects side (leads, sponsors, evaluators per person; members per
project) and the stakeholders side (relationships each person alone owns) joined by subject.

Only governance and admin callers get subjects from the upstreams, so only for them can one
person's two sides be matched; for a reporter or viewer each side's rows are listed on their
own (the other side's fields null) and nobody is identified."""

from __future__ import annotations

from reporting_service.clients.projects_schemas import KeyPerson as ProjectsKeyPerson, PersonLoad
from reporting_service.clients.stakeholders_schemas import OwnerRow, Ownership
from reporting_service.portfolio.schemas import KeyPerson, KeyPersonRow

KEY_PERSON_DEFINITIONS = {
    "report.key_person.people": "One row per person, matched by subject across the projects "
    "service (projects led, sponsored, evaluated) and the stakeholders service (relationships "
    "they alone own); for callers who see no subjects, each service's rows are listed apart.",
    "report.key_person.flagged": "A person is flagged when their share of project leads is "
    "above the projects service's threshold or their share of sole-owned relationships is "
    "above the stakeholders service's.",
}


def _row(load: PersonLoad | None, owner: OwnerRow | None) -> KeyPersonRow:
    return KeyPersonRow(
        subject=(load.subject if load else None) or (owner.subject if owner else None),
        projects_led=load.projects_led if load else None,
        projects_sponsored=load.projects_sponsored if load else None,
        projects_evaluated=load.projects_evaluated if load else None,
        share_of_leads=load.share_of_leads if load else None,
        relationships_owned=owner.owned if owner else None,
        relationships_sole_owned=owner.sole_owned if owner else None,
        sole_owner_share=owner.share if owner else None,
        flagged=bool(load and load.flagged) or bool(owner and owner.flagged),
    )


def _sort_key(row: KeyPersonRow) -> tuple[bool, int, int, str]:
    return (
        not row.flagged,
        -(row.projects_led or 0),
        -(row.relationships_sole_owned or 0),
        row.subject or "",
    )


def people(loads: list[PersonLoad], owners: list[OwnerRow]) -> list[KeyPersonRow]:
    """Rows matched by subject; rows without a subject stay unmatched."""
    by_subject = {owner.subject: owner for owner in owners if owner.subject is not None}
    rows = []
    for load in loads:
        owner = by_subject.pop(load.subject, None) if load.subject is not None else None
        rows.append(_row(load, owner))
    rows += [_row(None, owner) for owner in owners if owner.subject is None]
    rows += [_row(None, owner) for owner in by_subject.values()]
    return sorted(rows, key=_sort_key)


def key_person(projects: ProjectsKeyPerson | None, ownership: Ownership | None) -> KeyPerson | None:
    if projects is None and ownership is None:
        return None
    return KeyPerson(
        on=projects.on if projects else None,
        lead_share_threshold=projects.threshold if projects else None,
        relationship_share_threshold=ownership.flag_share if ownership else None,
        projects_with_a_lead=projects.projects_with_a_lead if projects else None,
        projects_lead_is_sponsor_is_evaluator=projects.projects_lead_is_sponsor_is_evaluator
        if projects
        else None,
        active_members_distribution=projects.active_members_distribution if projects else [],
        projects=projects.projects if projects else [],
        projects_truncated=projects.projects_truncated if projects else False,
        relationships=ownership.relationships if ownership else None,
        shared_relationships=ownership.shared_relationships if ownership else None,
        people=people(projects.people if projects else [], ownership.people if ownership else []),
        people_truncated=projects.people_truncated if projects else False,
    )
