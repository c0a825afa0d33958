"""The evidence read's own queries: what a decision's pack needs beyond the loads the decisions,
assessments and evaluation repositories already have (those are reused, not copied). The
learning items come from the evaluation timeline's UNION (`evaluation.timeline.repository`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.decisions.models import Decision
from assessment_service.evaluation.models import TheoryOfChangeVersion, TimelineKind
from assessment_service.evaluation.timeline.repository import TIMELINE, timeline


async def successor(
    session: AsyncSession, decision_id: uuid.UUID, *, as_of: dt.datetime
) -> Decision | None:
    """The correction that superseded the decision, if recorded by `as_of`."""
    return await session.scalar(
        select(Decision).where(Decision.supersedes_id == decision_id, Decision.decided_at <= as_of)
    )


async def previous_decided_at(session: AsyncSession, decision: Decision) -> dt.datetime | None:
    """When the project's previous decision on another assessment was recorded."""
    return await session.scalar(
        select(func.max(Decision.decided_at)).where(
            Decision.project_id == decision.project_id,
            Decision.assessment_id != decision.assessment_id,
            Decision.decided_at < decision.decided_at,
        )
    )


async def learning_items(
    session: AsyncSession,
    evaluation_id: uuid.UUID,
    *,
    kinds: Sequence[TimelineKind],
    occurred_from: dt.datetime | None,
    until: dt.datetime,
    limit: int,
) -> tuple[Sequence[Any], int]:
    """Up to `limit` of the newest timeline rows that happened and were recorded by `until` (and
    at or after `occurred_from`), newest first, and how many pivots there are among all of
    them."""
    statement = timeline(
        evaluation_id, kinds=kinds, occurred_from=occurred_from, occurred_to=None, as_of=until
    )
    rows = (
        await session.execute(
            statement.order_by(TIMELINE.c.occurred_at.desc(), TIMELINE.c.id.desc()).limit(limit)
        )
    ).all()
    every = statement.subquery()
    pivots = await session.scalar(
        select(func.count()).select_from(every).where(every.c.pivot.is_(True))
    )
    return rows, int(pivots or 0)


async def theory_of_change_at(
    session: AsyncSession, evaluation_id: uuid.UUID, *, at: dt.datetime
) -> TheoryOfChangeVersion | None:
    """The latest theory-of-change version recorded by `at`."""
    return await session.scalar(
        select(TheoryOfChangeVersion)
        .where(
            TheoryOfChangeVersion.evaluation_id == evaluation_id,
            TheoryOfChangeVersion.created_at <= at,
        )
        .order_by(TheoryOfChangeVersion.number.desc())
        .limit(1)
    )
