"""NHS innovation records: import (create or update a project, its adoption milestones and the
kept record) and export. Functions flush, never commit."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.milestones import service as milestones_service
from projects_service.milestones.errors import AdoptionMilestoneNotApplicable
from projects_service.milestones.models import MilestoneStatus
from projects_service.milestones.schemas import MilestoneCreate, MilestonePatch
from projects_service.nhs_record import mapping, repository
from projects_service.nhs_record.errors import (
    InconsistentInnovationRecord,
    InnovationImportRace,
)
from projects_service.nhs_record.models import NhsRecordDocument
from projects_service.nhs_record.record import RECORD_VERSION, NhsInnovationRecord
from projects_service.nhs_record.schemas import (
    MilestoneImport,
    MilestoneOutcome,
    NhsRecordImportRead,
)
from projects_service.projects import (
    repository as projects_repository,
    service as projects_service,
)
from projects_service.projects.models import (
    InnovationType,
    LeadPartner,
    Pillar,
    Project,
)
from projects_service.projects.schemas import ProjectCreate, ProjectPatch
from projects_service.team import service as team_service
from projects_service.team.dependencies import RepositoryTeams
from shared.auth import Principal, Role
from shared.db import utcnow
from shared.problems import FieldError
from shared.project_access import PROJECT_WORK

_RANK = {MilestoneStatus.in_progress: 1, MilestoneStatus.done: 2}


def check_consistent(record: NhsInnovationRecord) -> None:
    """The contradictions the published types cannot express, each pointed at (422)."""
    errors: list[FieldError] = []

    def point(pointer: str, detail: str) -> None:
        errors.append(FieldError(pointer=pointer, location="body", detail=detail))

    described = record.INNOVATION_DESCRIPTION
    if (
        described.categories is not None
        and described.mainCategory is not None
        and described.mainCategory not in described.categories
    ):
        point(
            "/INNOVATION_DESCRIPTION/mainCategory", "The main category must be one of categories."
        )
    needs = record.UNDERSTANDING_OF_NEEDS
    named = (needs and needs.keyHealthInequalities) or []
    if len(named) > 1 and "NONE" in named:
        point("/UNDERSTANDING_OF_NEEDS/keyHealthInequalities", "NONE cannot be combined.")
    regulations = record.REGULATIONS_AND_STANDARDS
    seen: Counter[str] = Counter()
    for index, standard in enumerate((regulations and regulations.standards) or []):
        seen[standard.type] += 1
        if seen[standard.type] == 2:
            point(f"/REGULATIONS_AND_STANDARDS/standards/{index}/type", "Listed twice.")
    if errors:
        raise InconsistentInnovationRecord(
            "The innovation record contradicts itself; see `errors`.", errors=errors
        )


@dataclass(frozen=True)
class ImportDefaults:
    """Registry fields a record has no answer for, used when it creates a project."""

    pillar: Pillar
    lead_partner: LeadPartner
    reference_prefix: str


async def import_record(
    session: AsyncSession,
    *,
    record: NhsInnovationRecord,
    innovation_id: uuid.UUID,
    actor: Principal,
    defaults: ImportDefaults,
) -> NhsRecordImportRead:
    """Create the project for an innovation seen for the first time, or update the one linked
    to it; track the adoption milestones the record answers; keep the record whole."""
    check_consistent(record)
    plan = mapping.plan_import(record)
    stored = await repository.by_innovation(session, innovation_id)
    created = stored is None
    if stored is None:
        project = await _create(session, plan, actor, defaults)
        stored = NhsRecordDocument(
            project_id=project.id,
            innovation_id=innovation_id,
            record_version=RECORD_VERSION,
            document=record.document(),
            imported_by=actor.subject,
        )
        repository.add(session, stored)
        try:
            await session.flush()
        except IntegrityError:
            # Both saw no record for this innovation; the other one's project stands.
            raise InnovationImportRace(
                "Another request imported this innovation just now; retry to update it."
            ) from None
    else:
        project = await _update(session, stored.project_id, plan, actor)
        stored.document = record.document()
        stored.record_version = RECORD_VERSION
        stored.imports += 1
        stored.imported_at = utcnow()
        stored.imported_by = actor.subject
    milestones = [await _track(session, project, milestone) for milestone in plan.milestones]
    await session.flush()
    return NhsRecordImportRead(
        innovation_id=innovation_id,
        created=created,
        record_version=stored.record_version,
        imports=stored.imports,
        imported_at=stored.imported_at,
        mapped=plan.pointers,
        milestones=milestones,
        project=projects_service.present(project, actor),
    )


async def _create(
    session: AsyncSession, plan: mapping.ImportPlan, actor: Principal, defaults: ImportDefaults
) -> Project:
    fields = dict(plan.fields)
    fields.setdefault("innovation_type", InnovationType.other)
    data = ProjectCreate(
        pillar=defaults.pillar,
        lead_partner=defaults.lead_partner,
        core20plus5_tags=list(plan.clinical_areas or []),
        **fields,
    )
    project = await projects_service.create_project(
        session, data=data, actor=actor, reference_prefix=defaults.reference_prefix
    )
    if not actor.has_any(Role.governance, Role.admin):
        # As for any project a contributor registers: they join its team, or could not write.
        name = str(actor.claims.get("name") or actor.subject)[:200]
        await team_service.add_founding_member(session, project, subject=actor.subject, name=name)
    return project


async def _update(
    session: AsyncSession, project_id: uuid.UUID, plan: mapping.ImportPlan, actor: Principal
) -> Project:
    project = await projects_repository.get(session, project_id)
    assert project is not None  # the document's foreign key
    await PROJECT_WORK.require(
        actor, [project.id], RepositoryTeams(session), labels={project.id: project.reference}
    )
    changes = dict(plan.fields)
    if plan.clinical_areas is not None:
        changes["core20plus5_tags"] = mapping.merged_tags(
            project.core20plus5_tags, plan.clinical_areas
        )
    return await projects_service.update_project(session, project, patch=ProjectPatch(**changes))


async def _track(
    session: AsyncSession, project: Project, plan: mapping.MilestonePlan
) -> MilestoneImport:
    """Track a milestone the record answers, or move a tracked one on; never back, and never
    a closed one (our tracking is the truth once it exists)."""
    tracked = (await repository.adoption_milestones(session, project.id, (plan.code,))).get(
        plan.code
    )
    outcome = MilestoneOutcome.unchanged
    if tracked is None:
        try:
            tracked = await milestones_service.create_milestone(
                session,
                project,
                data=MilestoneCreate(
                    adoption_code=plan.code, status=plan.status, evidence_note=plan.evidence_note
                ),
            )
        except AdoptionMilestoneNotApplicable:
            return MilestoneImport(
                adoption_code=plan.code,
                status=plan.status,
                outcome=MilestoneOutcome.not_applicable,
                pointer=plan.pointer,
            )
        outcome = MilestoneOutcome.created
    elif tracked.status not in milestones_service.CLOSED and _RANK[plan.status] > _RANK.get(
        tracked.status, 0
    ):
        patch = MilestonePatch(status=plan.status)
        if not tracked.evidence_note.strip():
            patch = MilestonePatch(status=plan.status, evidence_note=plan.evidence_note)
        tracked = await milestones_service.update_milestone(session, tracked, patch=patch)
        outcome = MilestoneOutcome.advanced
    return MilestoneImport(
        adoption_code=plan.code, status=tracked.status, outcome=outcome, pointer=plan.pointer
    )


async def export_record(session: AsyncSession, project: Project) -> dict[str, Any]:
    """The project as an innovation record: the kept record (if it was imported) with our
    registry's current answers overlaid."""
    stored = await repository.by_project(session, project.id)
    tracked = await repository.adoption_milestones(session, project.id, mapping.MILESTONE_CODES)
    view = mapping.RegistryView(
        title=project.title,
        summary=project.summary,
        problem_statement=project.problem_statement,
        innovation_type=project.innovation_type,
        is_digital=project.is_digital,
        net_zero_relevant=project.net_zero_relevant,
        core20plus5_tags=list(project.core20plus5_tags),
        funding_source=project.funding_source,
        milestones={code: milestone.status for code, milestone in tracked.items()},
    )
    return mapping.export_record(stored.document if stored else None, view)
