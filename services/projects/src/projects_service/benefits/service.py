"""Benefits: rules (progress markers must be the project's; validated figures name a validator),
the lists and the portfolio summary. Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.benefits import repository
from projects_service.benefits.errors import UnknownProgressMarker, ValidatorRequired
from projects_service.benefits.models import (
    Benefit,
    BenefitKind,
    BenefitStatus,
    BenefitValue,
    ValueType,
)
from projects_service.benefits.schemas import (
    BenefitCreate,
    BenefitPatch,
    BenefitRead,
    BenefitsSummary,
    BenefitTotal,
    BenefitValueCreate,
    BenefitValueRead,
)
from projects_service.projects.models import Project
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError


async def portfolio_summary(
    session: AsyncSession, *, as_of: dt.date, filters: dict[str, Any]
) -> BenefitsSummary:
    """Benefit totals over active projects, each benefit's latest figure of each type."""
    rows = await repository.portfolio_totals(session, as_of=as_of, filters=filters)
    return BenefitsSummary(
        as_of=as_of,
        totals=[
            BenefitTotal(
                kind=row.kind,
                unit=row.unit,
                confidence=row.confidence,
                value_type=row.value_type,
                total=row.total,
                benefits=row.benefits,
            )
            for row in rows
        ],
    )


async def list_benefits(
    session: AsyncSession,
    project: Project,
    pagination: Pagination,
    *,
    kind: BenefitKind | None,
    status: BenefitStatus | None,
) -> Page[BenefitRead]:
    rows = await pagination.rows(
        session,
        repository.list_statement(project.id, kind=kind, status=status),
        id_column=Benefit.id,
        updated_column=Benefit.updated_at,
    )
    return rows.as_page(BenefitRead)


async def list_values(
    session: AsyncSession, benefit: Benefit, pagination: Pagination
) -> Page[BenefitValueRead]:
    rows = await pagination.rows(
        session,
        repository.values_statement(benefit.id),
        id_column=BenefitValue.id,
        updated_column=BenefitValue.updated_at,
    )
    return rows.as_page(BenefitValueRead)


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
    repository.add(session, benefit)
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
    repository.add(session, value)
    await session.flush()
    return value
