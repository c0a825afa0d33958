"""The stakeholders service's rows: organisations, stakeholders with contact details, their
links to real projects, engagements with participation and dated stakeholder assessments,
with audit entries and feed events."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from bench.dataset.common import AREAS, AS_OF, LAST_NAMES, between, person_name, uuid7_at, weighted
from bench.dataset.events import EventLog
from bench.dataset.plan import ProjectPlan, World
from bench.dataset.store import Target, ensure_empty, insert_rows, table_of
from stakeholders_service.db import Base, platform
from stakeholders_service.engagements.models import (
    Engagement,
    EngagementMode,
    EngagementProject,
    EngagementStatus,
    EngagementType,
    Participation,
    ParticipationRole,
)
from stakeholders_service.mapping.models import StakeholderAssessment, Stance
from stakeholders_service.organisations.models import Organisation, OrganisationType
from stakeholders_service.stakeholders.models import (
    ContactDetails,
    PreferredChannel,
    ProjectLink,
    RoleInProject,
    Stakeholder,
    StakeholderCategory,
    StakeholderKind,
    StakeholderStatus,
)
from stakeholders_service.vocabulary import Iap2Level

_CATEGORIES = (
    (StakeholderCategory.staff_clinical, 4),
    (StakeholderCategory.staff_non_clinical, 2),
    (StakeholderCategory.patient, 3),
    (StakeholderCategory.carer, 1),
    (StakeholderCategory.executive, 1),
    (StakeholderCategory.academic, 1),
    (StakeholderCategory.public, 0.7),
    (StakeholderCategory.community_group, 0.7),
    (StakeholderCategory.vcse, 0.6),
    (StakeholderCategory.commissioner, 0.5),
    (StakeholderCategory.industry, 0.5),
    (StakeholderCategory.regulator, 0.2),
)
_ROLES = (
    (RoleInProject.boundary_partner_member, 2),
    (RoleInProject.beneficiary, 2),
    (RoleInProject.influencer, 1.5),
    (RoleInProject.advisor, 1.5),
    (RoleInProject.delivery_partner, 1.5),
    (RoleInProject.public_contributor, 1),
    (RoleInProject.decision_maker, 0.8),
    (RoleInProject.sponsor, 0.5),
)
_PUBLIC = frozenset(
    {StakeholderCategory.patient, StakeholderCategory.carer, StakeholderCategory.public}
)
_UNDER_SERVED = ("core20", "ethnic_minority", "lgbtq", "disabled", "carer", "rural")


def _spread(rng: random.Random, total: int, count: int) -> list[int]:
    """`total` items over `count` owners: an even base plus random remainders."""
    base, extra = divmod(total, count) if count else (0, 0)
    shares = [base] * count
    for index in rng.sample(range(count), extra):
        shares[index] += 1
    return shares


class _Writer:
    def __init__(self, world: World, rng: random.Random) -> None:
        self.world, self.rng, self.log = world, rng, EventLog(rng, Base)
        self.tables: dict[str, list[dict[str, Any]]] = {
            name: []
            for name in (
                "organisation",
                "stakeholder",
                "contact_details",
                "project_link",
                "engagement",
                "engagement_project",
                "participation",
                "stakeholder_assessment",
            )
        }
        self.linked: dict[int, list[tuple[dict[str, Any], dt.datetime]]] = {}

    def add(self, table: str, row: dict[str, Any], *, actor: str | None) -> None:
        self.tables[table].append(row)
        self.log.created(table, row, at=row["created_at"], actor=actor)

    def organisations(self) -> list[dict[str, Any]]:
        rng, count = self.rng, max(5, len(self.world.projects) // 25)
        at = self.world.projects[0].created_at if self.world.projects else AS_OF
        for number in range(count):
            kind = weighted(
                rng,
                (
                    (OrganisationType.nhs_trust, 2),
                    (OrganisationType.primary_care, 3),
                    (OrganisationType.voluntary_community_sector, 2),
                    (OrganisationType.local_authority, 1),
                    (OrganisationType.university, 1),
                    (OrganisationType.industry, 1),
                    (OrganisationType.integrated_care_board, 0.3),
                ),
            )
            nhs = kind in (OrganisationType.nhs_trust, OrganisationType.primary_care)
            row = {
                "id": uuid7_at(at, rng),
                "created_at": at,
                "updated_at": at,
                "version": 1,
                "name": f"{rng.choice(LAST_NAMES)} {str(kind).replace('_', ' ')} {number + 1}",
                "ods_code": f"B{number:05d}" if nhs else None,
                "type": kind,
                "parent_id": None,
                "website": f"https://org-{number + 1}.example.org",
                "created_by": "staff-00001",
            }
            self.add("organisation", row, actor="staff-00001")
        return self.tables["organisation"]

    def stakeholder(self, project: ProjectPlan, organisations: list[dict[str, Any]]) -> None:
        rng = self.rng
        at = between(
            rng, project.created_at, min(AS_OF, project.created_at + dt.timedelta(days=90))
        )
        actor = project.created_by
        kind = weighted(
            rng,
            (
                (StakeholderKind.individual, 0.75),
                (StakeholderKind.group, 0.13),
                (StakeholderKind.organisation_unit, 0.12),
            ),
        )
        category = weighted(rng, _CATEGORIES)
        organisation = rng.choice(organisations)
        name = {
            StakeholderKind.individual: person_name(rng),
            StakeholderKind.group: f"{rng.choice(AREAS).capitalize()} patient panel",
            StakeholderKind.organisation_unit: f"{organisation['name']}: {rng.choice(AREAS)} team",
        }[kind]
        public = category in _PUBLIC
        row = {
            "id": uuid7_at(at, rng),
            "created_at": at,
            "updated_at": at,
            "version": 1,
            "kind": kind,
            "display_name": name,
            "organisation_id": organisation["id"]
            if kind is StakeholderKind.organisation_unit or (not public and rng.random() < 0.3)
            else None,
            "category": category,
            "is_public_contributor": public and rng.random() < 0.3,
            "status": StakeholderStatus.active
            if rng.random() < 0.95
            else StakeholderStatus.inactive,
            "external_ref": None,
            "under_served_group_codes": sorted(rng.sample(_UNDER_SERVED, rng.randint(0, 2)))
            if public
            else [],
            "created_by": actor,
            "erased_at": None,
        }
        self.add("stakeholder", row, actor=actor)
        if kind is StakeholderKind.individual and rng.random() < 0.6:
            first = str(name).split()[0].lower()
            contact = {
                "id": uuid7_at(at, rng),
                "created_at": at,
                "updated_at": at,
                "version": 1,
                "stakeholder_id": row["id"],
                "email": f"{first}.{rng.getrandbits(24):06x}@example.org",
                "phone": f"07700 9{rng.randint(0, 99999):05d}",
                "postal_address": None,
                "preferred_channel": weighted(
                    rng,
                    ((PreferredChannel.email, 6), (PreferredChannel.phone, 3)),
                ),
                "accessibility_needs": "Large print" if rng.random() < 0.05 else None,
            }
            self.add("contact_details", contact, actor=actor)
        self.link(project, row, at)
        if rng.random() < 0.15:
            other = rng.choice(self.world.projects)
            if other is not project:
                self.link(other, row, max(at, other.created_at))

    def link(self, project: ProjectPlan, stakeholder: dict[str, Any], at: dt.datetime) -> None:
        owners = project.members_at(at) or project.team[:1]
        owner = self.rng.choice(owners).staff.subject
        row = {
            "id": uuid7_at(at, self.rng),
            "created_at": at,
            "updated_at": at,
            "version": 1,
            "stakeholder_id": stakeholder["id"],
            "project_id": project.id,
            "role_in_project": weighted(self.rng, _ROLES),
            "boundary_partner_id": None,
            "relationship_owner": owner,
            "created_by": project.created_by,
        }
        self.add("project_link", row, actor=project.created_by)
        self.linked.setdefault(project.index, []).append((stakeholder, at))

    def engagement(self, project: ProjectPlan) -> None:
        rng = self.rng
        held = between(
            rng, project.created_at + dt.timedelta(days=7), AS_OF + dt.timedelta(days=60)
        )
        created = between(rng, project.created_at, min(held, AS_OF) - dt.timedelta(days=1))
        created = max(created, project.created_at)
        facilitator = rng.choice(project.members_at(created) or project.team[:1]).staff.subject
        kind = rng.choice(list(EngagementType))
        row = {
            "id": uuid7_at(created, rng),
            "created_at": created,
            "updated_at": created,
            "version": 1,
            "project_ids": [str(project.id)],
            "title": f"{str(kind).replace('_', ' ').capitalize()}: {project.title}"[:200],
            "type": kind,
            "iap2_level": weighted(
                rng,
                (
                    (Iap2Level.inform, 3),
                    (Iap2Level.consult, 4),
                    (Iap2Level.involve, 3),
                    (Iap2Level.collaborate, 1.5),
                    (Iap2Level.empower, 0.3),
                ),
            ),
            "purpose": "Hear what matters to the people the change affects.",
            "held_at": held,
            "held_month": held.astimezone(dt.UTC).strftime("%Y-%m"),
            "mode": rng.choice(list(EngagementMode)),
            "facilitator": facilitator,
            "status": EngagementStatus.planned,
            "accessibility_adjustments": ["captions"] if rng.random() < 0.2 else [],
            "outputs": None,
            "anonymous_attendee_count": 0,
            "created_by": facilitator,
        }
        self.log.created("engagement", row, at=created, actor=facilitator)
        done = held + dt.timedelta(days=1)
        if done <= AS_OF:
            cancelled = rng.random() < 0.07
            changed: dict[str, tuple[Any, Any]] = {
                "status": (
                    EngagementStatus.planned,
                    EngagementStatus.cancelled if cancelled else EngagementStatus.completed,
                )
            }
            if not cancelled:
                changed["outputs"] = (None, "Notes and actions shared with the project team.")
                changed["anonymous_attendee_count"] = (0, rng.choice((0, 0, 3, 8, 15)))
            row |= {k: after for k, (_, after) in changed.items()}
            row |= {"updated_at": done, "version": 2}
            self.log.updated("engagement", row, changed, at=done, actor=facilitator)
            if not cancelled:
                self.participation(project, row, done)
        self.tables["engagement"].append(row)
        # `project_ids` one row per project, as the service writes it (not audited).
        self.tables["engagement_project"].append(
            {"engagement_id": row["id"], "project_id": project.id}
        )

    def participation(
        self, project: ProjectPlan, engagement: dict[str, Any], at: dt.datetime
    ) -> None:
        known = [s for s, linked_at in self.linked.get(project.index, []) if linked_at <= at]
        unique = list({s["id"]: s for s in known}.values())
        for stakeholder in self.rng.sample(unique, min(len(unique), self.rng.randint(1, 3))):
            row = {
                "id": uuid7_at(at, self.rng),
                "created_at": at,
                "updated_at": at,
                "version": 1,
                "engagement_id": engagement["id"],
                "stakeholder_id": stakeholder["id"],
                "attended": self.rng.random() < 0.9,
                "role": weighted(
                    self.rng,
                    (
                        (ParticipationRole.participant, 8),
                        (ParticipationRole.co_facilitator, 1),
                        (ParticipationRole.observer, 1),
                    ),
                ),
            }
            self.add("participation", row, actor=engagement["facilitator"])

    def assessment(self, project: ProjectPlan) -> None:
        rng = self.rng
        linked = self.linked.get(project.index)
        if not linked:
            return
        stakeholder, linked_at = rng.choice(linked)
        at = between(rng, linked_at, AS_OF)
        by = rng.choice(project.members_at(at) or project.team[:1]).staff.subject
        current = rng.choice(list(Iap2Level)[:4])
        target = rng.choice([level for level in Iap2Level if not level.below(current)])
        row = {
            "id": uuid7_at(at, rng),
            "created_at": at,
            "updated_at": at,
            "version": 1,
            "stakeholder_id": stakeholder["id"],
            "project_id": project.id,
            "assessed_at": at,
            "assessed_by": by,
            "power": rng.randint(1, 5),
            "interest": rng.randint(1, 5),
            "legitimacy": rng.random() < 0.7,
            "urgency": rng.random() < 0.3,
            "stance": weighted(
                rng,
                (
                    (Stance.champion, 1),
                    (Stance.supporter, 3),
                    (Stance.neutral, 3),
                    (Stance.sceptic, 1.5),
                    (Stance.blocker, 0.4),
                ),
            ),
            "relationship_quality": rng.randint(1, 5),
            "trust": rng.randint(1, 5),
            "current_level": current,
            "target_level": target,
            "rationale": "Reviewed at the monthly project meeting.",
        }
        self.add("stakeholder_assessment", row, actor=by)


def write(world: World, target: Target) -> int:
    """Write everything; returns the feed's length."""
    ensure_empty(target, table_of(Stakeholder))
    rng = random.Random(f"stakeholders:{world.scale.seed}")
    writer = _Writer(world, rng)
    organisations = writer.organisations()
    projects, count = world.projects, len(world.projects)
    scale = world.scale
    for project, share in zip(
        projects, _spread(rng, round(scale.stakeholders * count), count), strict=True
    ):
        for _ in range(share):
            writer.stakeholder(project, organisations)
    for project, share in zip(
        projects, _spread(rng, round(scale.engagements * count), count), strict=True
    ):
        for _ in range(share):
            writer.engagement(project)
    shares = _spread(rng, round(scale.stakeholder_assessments * count), count)
    for project, share in zip(projects, shares, strict=True):
        for _ in range(share):
            writer.assessment(project)
    tables = {
        "organisation": Organisation,
        "stakeholder": Stakeholder,
        "contact_details": ContactDetails,
        "project_link": ProjectLink,
        "engagement": Engagement,
        "engagement_project": EngagementProject,
        "participation": Participation,
        "stakeholder_assessment": StakeholderAssessment,
    }
    for name, model in tables.items():
        rows = writer.tables[name]
        if name != "engagement_project":  # index rows have no time of their own
            rows = sorted(rows, key=lambda row: row["created_at"])
        insert_rows(target, table_of(model), rows)
    writer.log.sort()
    insert_rows(target, platform.audit, writer.log.audit_rows())
    insert_rows(target, platform.outbox, writer.log.outbox_rows())
    return len(writer.log)


__all__ = ["Base", "write"]
