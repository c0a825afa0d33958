"""Milestones: rules (catalogue applicability, one per adoption code, evidence when done), the
lists and the adoption tracker. Functions flush, never commit."""

from __future__ import annotations

from typing import Any, NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.milestones import repository
from projects_service.milestones.errors import (
    AdoptionEvidenceRequired,
    AdoptionMilestoneAlreadyTracked,
    AdoptionMilestoneNotApplicable,
    IllegalMilestoneTransition,
    UnknownAdoptionMilestone,
)
from projects_service.milestones.models import (
    AdoptionMilestoneType,
    Applicability,
    Gate,
    Milestone,
    MilestoneStatus,
)
from projects_service.milestones.schemas import (
    AdoptionMilestoneTypeRead,
    AdoptionTracker,
    AdoptionTrackerRow,
    MilestoneCreate,
    MilestonePatch,
    MilestoneRead,
)
from projects_service.projects.models import InnovationType, Project
from projects_service.sql import today
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError, InvalidInput

CLOSED = frozenset({MilestoneStatus.done, MilestoneStatus.cancelled})


def applies(milestone_type: AdoptionMilestoneType, project: Project) -> bool:
    if milestone_type.applies_to is Applicability.digital:
        return project.is_digital
    if milestone_type.applies_to is Applicability.device:
        return project.innovation_type is InnovationType.medical_device
    return True


async def list_catalogue(
    session: AsyncSession, pagination: Pagination
) -> Page[AdoptionMilestoneTypeRead]:
    rows = await pagination.rows(
        session, repository.catalogue_statement(), id_column=AdoptionMilestoneType.code
    )
    return rows.as_page(AdoptionMilestoneTypeRead)


async def list_milestones(
    session: AsyncSession,
    project: Project,
    pagination: Pagination,
    *,
    status: MilestoneStatus | None,
    gate: Gate | None,
    adoption: bool | None,
) -> Page[MilestoneRead]:
    statement = repository.list_statement(project.id, status=status, gate=gate, adoption=adoption)
    rows = await pagination.rows(
        session, statement, id_column=Milestone.id, updated_column=Milestone.updated_at
    )
    return rows.as_page(MilestoneRead)


async def adoption_tracker(session: AsyncSession, project: Project) -> AdoptionTracker:
    """Each catalogue milestone that applies to this project, with its milestone if tracked."""
    tracked = {
        m.adoption_code: m for m in await repository.adoption_milestones(session, project.id)
    }
    rows = [
        AdoptionTrackerRow(
            milestone_type=AdoptionMilestoneTypeRead.model_validate(milestone_type),
            milestone=MilestoneRead.model_validate(tracked[milestone_type.code])
            if milestone_type.code in tracked
            else None,
        )
        for milestone_type in await repository.catalogue(session)
        if applies(milestone_type, project)
    ]
    done = sum(
        1
        for row in rows
        if row.milestone is not None and row.milestone.status is MilestoneStatus.done
    )
    return AdoptionTracker(project_id=project.id, applicable=len(rows), done=done, rows=rows)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("evidence_uri") is not None:
        values["evidence_uri"] = str(values["evidence_uri"])
    return values


def _check_done(milestone: Milestone) -> None:
    if milestone.status is not MilestoneStatus.done:
        return
    if milestone.adoption_code and not (milestone.evidence_uri or milestone.evidence_note.strip()):
        raise AdoptionEvidenceRequired(
            "Attach the evidence (e.g. the DTAC outcome) before marking it done.",
            errors=[
                FieldError(pointer="/evidence_uri", location="body", detail="Evidence is required.")
            ],
        )
    if milestone.completed_on is None:
        milestone.completed_on = today()


async def create_milestone(
    session: AsyncSession, project: Project, *, data: MilestoneCreate
) -> Milestone:
    values = _plain(data.model_dump())
    if data.adoption_code is not None:
        milestone_type = await repository.milestone_type(session, data.adoption_code)
        pointer = [
            FieldError(pointer="/adoption_code", location="body", detail="See the catalogue.")
        ]
        if milestone_type is None:
            raise UnknownAdoptionMilestone(
                f"No adoption milestone {data.adoption_code!r}.", errors=pointer
            )
        if not applies(milestone_type, project):
            raise AdoptionMilestoneNotApplicable(
                f"{milestone_type.label} applies to {milestone_type.applies_to} projects only.",
                errors=pointer,
            )
        if await repository.by_adoption_code(session, project.id, data.adoption_code) is not None:
            raise AdoptionMilestoneAlreadyTracked(f"{milestone_type.label} is already tracked.")
        values["title"] = data.title or milestone_type.label
    elif data.title is None:
        raise_missing_title()
    milestone = Milestone(project_id=project.id, **values)
    _check_done(milestone)
    repository.add(session, milestone)
    await session.flush()
    return milestone


def raise_missing_title() -> NoReturn:
    raise InvalidInput(
        "A milestone needs a title.",
        errors=[
            FieldError(pointer="/title", location="body", detail="Required without adoption_code.")
        ],
    )


async def update_milestone(
    session: AsyncSession, milestone: Milestone, *, patch: MilestonePatch
) -> Milestone:
    changes = _plain(
        merge_patch_changes(patch, required=("title", "description", "status", "evidence_note"))
    )
    new_status = changes.get("status")
    if milestone.status in CLOSED and new_status is not None and new_status != milestone.status:
        raise IllegalMilestoneTransition(
            f"The milestone is {milestone.status}; create a new one instead."
        )
    apply_changes(milestone, changes)
    _check_done(milestone)
    await session.flush()
    return milestone
