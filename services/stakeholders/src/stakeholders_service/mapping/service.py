"""Assessments are appended, never changed; the map is computed from them as of a date."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from itertools import groupby
from statistics import fmean

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import utcnow
from shared.problems import FieldError
from shared.project_access import ProjectsLookup
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
    GapEntry,
    MapEntry,
    Movement,
    QuadrantGroup,
    StakeholderMap,
    TrendPoint,
    Trends,
)
from stakeholders_service.stakeholders.models import Stakeholder
from stakeholders_service.stakeholders.service import ensure_not_erased
from stakeholders_service.upstream import require_new_project_write

# Clock skew allowance between a client's "now" and ours.
_FUTURE_LEEWAY = dt.timedelta(minutes=5)


async def create_assessment(
    session: AsyncSession,
    *,
    stakeholder: Stakeholder,
    data: AssessmentCreate,
    actor: Principal,
    lookup: ProjectsLookup,
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
    rows = await repository.snapshots_until(session, project_id=project_id, as_of=as_of)
    entries: list[MapEntry] = []
    movements: list[Movement] = []
    unchanged = 0
    for _, group in groupby(rows, key=lambda row: row[0].stakeholder_id):
        history = list(group)
        latest, category = history[0]
        quadrant = _quadrant(latest, threshold)
        entries.append(
            MapEntry(
                stakeholder_id=latest.stakeholder_id,
                category=category,
                assessment_id=latest.id,
                assessed_at=latest.assessed_at,
                power=latest.power,
                interest=latest.interest,
                legitimacy=latest.legitimacy,
                urgency=latest.urgency,
                mendelow_quadrant=quadrant,
                salience_class=_salience(latest, threshold),
                stance=latest.stance,
                current_level=latest.current_level,
                target_level=latest.target_level,
            )
        )
        if len(history) > 1:
            previous = history[1][0]
            before = _quadrant(previous, threshold)
            if before is quadrant:
                unchanged += 1
            else:
                movements.append(
                    Movement(
                        stakeholder_id=latest.stakeholder_id,
                        from_quadrant=before,
                        to_quadrant=quadrant,
                        previous_assessed_at=previous.assessed_at,
                        assessed_at=latest.assessed_at,
                    )
                )
    salience = Counter(entry.salience_class for entry in entries)
    stances = Counter(entry.stance for entry in entries)
    return StakeholderMap(
        project_id=project_id,
        as_of=as_of,
        threshold=threshold,
        stakeholders_assessed=len(entries),
        entries=entries,
        quadrants=[
            QuadrantGroup(
                quadrant=quadrant,
                count=len(
                    ids := [e.stakeholder_id for e in entries if e.mendelow_quadrant is quadrant]
                ),
                stakeholder_ids=ids,
            )
            for quadrant in MendelowQuadrant
        ],
        salience=[ClassCount(value=c.value, count=salience[c]) for c in SalienceClass],
        stance_mix=[ClassCount(value=s.value, count=stances[s]) for s in Stance],
        movements=movements,
        unchanged=unchanged,
        engagement_gap=[
            GapEntry(
                stakeholder_id=e.stakeholder_id,
                current_level=e.current_level,
                target_level=e.target_level,
                gap=engagement_gap(e.current_level, e.target_level),
            )
            for e in entries
            if e.current_level.below(e.target_level)
        ],
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
    rows = await repository.for_trends(
        session, project_id=project_id, stakeholder_id=stakeholder_id, since=since, until=until
    )
    points = []
    for month, group in groupby(rows, key=lambda a: a.assessed_at.strftime("%Y-%m")):
        items = list(group)
        points.append(
            TrendPoint(
                month=month,
                assessments=len(items),
                mean_relationship_quality=round(fmean(a.relationship_quality for a in items), 2),
                mean_trust=round(fmean(a.trust for a in items), 2),
            )
        )
    return Trends(project_id=project_id, stakeholder_id=stakeholder_id, points=points)
