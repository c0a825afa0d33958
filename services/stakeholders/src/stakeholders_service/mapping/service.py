"""Assessments are appended, never changed; the map is computed from them as of a date."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import utcnow
from shared.pagination import Page, Pagination
from shared.problems import FieldError
from stakeholders_service.clients.projects import ProjectQuestions, require_new_project_write
from stakeholders_service.mapping import repository
from stakeholders_service.mapping.errors import AssessedInFuture
from stakeholders_service.mapping.models import StakeholderAssessment, Stance
from stakeholders_service.mapping.rules import (
    MendelowQuadrant,
    SalienceClass,
    engagement_gap,
    mendelow_quadrant,
    salience_class,
)
from stakeholders_service.mapping.schemas import (
    AssessmentCreate,
    AssessmentRead,
    ClassCount,
    GapCount,
    MapEntry,
    MovementCount,
    QuadrantCount,
    StakeholderMap,
    TrendPoint,
    Trends,
)
from stakeholders_service.stakeholders.models import Stakeholder
from stakeholders_service.stakeholders.service import ensure_not_erased

# Clock skew allowance between a client's "now" and ours.
_FUTURE_LEEWAY = dt.timedelta(minutes=5)


async def create_assessment(
    session: AsyncSession,
    *,
    stakeholder: Stakeholder,
    data: AssessmentCreate,
    actor: Principal,
    lookup: ProjectQuestions,
) -> StakeholderAssessment:
    """Only for a project whose team the caller is on (admin and governance: any)."""
    await require_new_project_write(actor, lookup, [data.project_id])
    ensure_not_erased(stakeholder)
    now = utcnow()
    assessed_at = data.assessed_at or now
    if assessed_at.tzinfo is None:
        assessed_at = assessed_at.replace(tzinfo=dt.UTC)
    if assessed_at > now + _FUTURE_LEEWAY:
        raise AssessedInFuture(
            "Date the assessment when it was made.",
            errors=[FieldError(pointer="/assessed_at", location="body", detail="In the future.")],
        )
    assessment = StakeholderAssessment(
        stakeholder_id=stakeholder.id,
        assessed_by=actor.subject,
        **{**data.model_dump(), "assessed_at": assessed_at},
    )
    session.add(assessment)
    await session.flush()
    return assessment


async def list_assessments(
    session: AsyncSession,
    pagination: Pagination,
    *,
    stakeholder: Stakeholder,
    project_id: uuid.UUID | None,
    threshold: int,
) -> Page[AssessmentRead]:
    rows = await pagination.rows(
        session,
        repository.list_statement(stakeholder_id=stakeholder.id, project_id=project_id),
        id_column=StakeholderAssessment.id,
        updated_column=StakeholderAssessment.updated_at,
    )
    return Page[AssessmentRead](
        items=[read(a, threshold=threshold) for a in rows.items], next_cursor=rows.next_cursor
    )


def read(assessment: StakeholderAssessment, *, threshold: int) -> AssessmentRead:
    return AssessmentRead.model_validate(
        {
            **{k: getattr(assessment, k) for k in _COLUMNS},
            "mendelow_quadrant": _quadrant(assessment, threshold),
            "salience_class": _salience(assessment, threshold),
            "engagement_gap": engagement_gap(assessment.current_level, assessment.target_level),
            "threshold": threshold,
        }
    )


_COLUMNS = tuple(
    name
    for name in AssessmentRead.model_fields
    if name not in {"mendelow_quadrant", "salience_class", "engagement_gap", "threshold"}
)


def _quadrant(a: StakeholderAssessment, threshold: int) -> MendelowQuadrant:
    return mendelow_quadrant(power=a.power, interest=a.interest, threshold=threshold)


def _salience(a: StakeholderAssessment, threshold: int) -> SalienceClass:
    return salience_class(
        power=a.power, legitimacy=a.legitimacy, urgency=a.urgency, threshold=threshold
    )


async def stakeholder_map(
    session: AsyncSession, *, project_id: uuid.UUID, as_of: dt.datetime, threshold: int
) -> StakeholderMap:
    """Counted by the database (`repository.map_counts`): a few dozen grouped rows come back,
    however many stakeholders the project has."""
    quadrants: Counter[str] = Counter()
    salience: Counter[str] = Counter()
    stances: Counter[str] = Counter()
    moves: Counter[tuple[str, str]] = Counter()
    gaps: Counter[int] = Counter()
    assessed = unchanged = 0
    for quadrant, salience_value, stance, previous, gap, count in await repository.map_counts(
        session, project_id=project_id, as_of=as_of, threshold=threshold
    ):
        assessed += count
        quadrants[quadrant] += count
        salience[salience_value] += count
        stances[str(stance)] += count
        gaps[int(gap)] += count
        if previous is None:
            continue
        if previous == quadrant:
            unchanged += count
        else:
            moves[(previous, quadrant)] += count
    return StakeholderMap(
        project_id=project_id,
        as_of=as_of,
        threshold=threshold,
        stakeholders_assessed=assessed,
        quadrants=[QuadrantCount(quadrant=q, count=quadrants[q.value]) for q in MendelowQuadrant],
        salience=[ClassCount(value=c.value, count=salience[c.value]) for c in SalienceClass],
        stance_mix=[ClassCount(value=s.value, count=stances[s.value]) for s in Stance],
        movements=[
            MovementCount(
                from_quadrant=MendelowQuadrant(a), to_quadrant=MendelowQuadrant(b), count=n
            )
            for (a, b), n in sorted(moves.items())
        ],
        unchanged=unchanged,
        engagement_gap=[GapCount(gap=gap, count=gaps[gap]) for gap in range(1, 5)],
    )


async def map_entries(
    session: AsyncSession,
    pagination: Pagination,
    *,
    project_id: uuid.UUID,
    as_of: dt.datetime,
    threshold: int,
    quadrant: MendelowQuadrant | None,
    moved: bool | None,
    below_target: bool | None,
) -> Page[MapEntry]:
    """The stakeholders on the map, one page at a time, in stakeholder id order."""
    statement, stakeholder_id = repository.entries_statement(
        project_id=project_id,
        as_of=as_of,
        threshold=threshold,
        quadrant=quadrant,
        moved=moved,
        below_target=below_target,
    )
    rows = await pagination.rows(session, statement, id_column=stakeholder_id, scalars=False)
    return Page[MapEntry](
        items=[MapEntry.model_validate(row._mapping) for row in rows.items],
        next_cursor=rows.next_cursor,
    )


async def trends(
    session: AsyncSession,
    *,
    project_id: uuid.UUID,
    stakeholder_id: uuid.UUID | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> Trends:
    """Mean relationship quality and trust per month: relational legitimacy made visible."""
    rows = await repository.monthly_trend(
        session, project_id=project_id, stakeholder_id=stakeholder_id, since=since, until=until
    )
    points = [
        TrendPoint(
            month=month,
            assessments=count,
            # Sums of integers over a count: the mean `statistics.fmean` would give.
            mean_relationship_quality=round(int(quality) / count, 2),
            mean_trust=round(int(trust) / count, 2),
        )
        for month, count, quality, trust in rows
    ]
    return Trends(project_id=project_id, stakeholder_id=stakeholder_id, points=points)
