"""Benefits: rules (progress markers must be the project's; validated figures name a validator)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.benefits import repository
from projects_service.benefits.errors import UnknownProgressMarker, ValidatorRequired
from projects_service.benefits.models import Benefit, BenefitValue, ValueType
from projects_service.benefits.schemas import BenefitCreate, BenefitPatch, BenefitValueCreate
from projects_service.projects.models import Project
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError


async def _check_markers(
    session: AsyncSession, project: Project, ids: Sequence[uuid.UUID]
) -> list[str]:
    unique = list(dict.fromkeys(ids))
    known = await repository.markers_of_project(session, project.id, unique) if unique else set()
    errors = [
        FieldError(
            pointer=f"/progress_marker_ids/{index}",
            location="body",
            detail="Not a marker of this project.",
        )
        for index, marker_id in enumerate(unique)
        if marker_id not in known
    ]
    if errors:
        raise UnknownProgressMarker("Some progress markers are not this project's.", errors=errors)
    return [str(marker_id) for marker_id in unique]


async def create_benefit(
    session: AsyncSession, project: Project, *, data: BenefitCreate
) -> Benefit:
    values = data.model_dump()
    values["progress_marker_ids"] = await _check_markers(session, project, data.progress_marker_ids)
    benefit = Benefit(project_id=project.id, **values)
    session.add(benefit)
    await session.flush()
    return benefit


async def update_benefit(
    session: AsyncSession, project: Project, benefit: Benefit, *, patch: BenefitPatch
) -> Benefit:
    changes = merge_patch_changes(patch, required=tuple(patch.model_fields_set - {"description"}))
    if "progress_marker_ids" in changes:
        changes["progress_marker_ids"] = await _check_markers(
            session, project, changes["progress_marker_ids"]
        )
    apply_changes(benefit, changes)
    await session.flush()
    return benefit


async def add_value(
    session: AsyncSession, benefit: Benefit, *, data: BenefitValueCreate, actor: str
) -> BenefitValue:
    if data.value_type is ValueType.validated and not (data.validated_by or "").strip():
        raise ValidatorRequired(
            "Say who validated the figure.",
            errors=[
                FieldError(
                    pointer="/validated_by",
                    location="body",
                    detail="Required for validated values.",
                )
            ],
        )
    value = BenefitValue(benefit_id=benefit.id, recorded_by=actor, **data.model_dump())
    session.add(value)
    await session.flush()
    return value
