"""Computing an evaluation's learning metrics from the aggregate queries."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.metrics import repository
from assessment_service.evaluation.metrics.schemas import (
    AdaptationReviewShare,
    AssumptionsPerVersion,
    EvaluationMetrics,
)
from assessment_service.evaluation.models import AssumptionStatus, DevelopmentalEvaluation
from shared.db import utcnow


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 86_400


def median_days(pairs: Iterable[tuple[dt.datetime, dt.datetime]]) -> float | None:
    days = [_days(first_seen, first_adaptation) for first_seen, first_adaptation in pairs]
    return round(statistics.median(days), 2) if days else None


def review_share(
    reviews: Iterable[tuple[dt.date, dt.datetime | None]], today: dt.date
) -> AdaptationReviewShare:
    """Due: the review date has passed, or the adaptation was reviewed (early reviews count).
    On time: reviewed on or before its review date (UTC day)."""
    due = on_time = 0
    for review_at, reviewed_at in reviews:
        if reviewed_at is None and review_at >= today:
            continue  # not yet due
        due += 1
        if reviewed_at is not None and reviewed_at.astimezone(dt.UTC).date() <= review_at:
            on_time += 1
    return AdaptationReviewShare(
        due=due,
        reviewed_by_review_date=on_time,
        share=round(on_time / due, 4) if due else None,
    )


async def metrics(
    session: AsyncSession, evaluation: DevelopmentalEvaluation, *, now: dt.datetime | None = None
) -> EvaluationMetrics:
    now = now or utcnow()
    today = now.date()
    pairs = await repository.finding_first_adaptations(session, evaluation.id)
    versions = await repository.toc_versions(session, evaluation.id)
    return EvaluationMetrics(
        evaluation_id=evaluation.id,
        generated_at=now,
        as_of_date=today,
        open_questions=await repository.count_open_questions(session, evaluation.id),
        findings_with_adaptation=len(pairs),
        median_days_finding_to_first_adaptation=median_days(pairs),
        adaptations_reviewed=review_share(
            await repository.adaptation_reviews(session, evaluation.id), today
        ),
        assumptions_challenged_per_version=[
            AssumptionsPerVersion(
                version_id=version.id,
                number=version.number,
                assumptions=len(version.assumptions),
                challenged=sum(
                    1 for a in version.assumptions if a.get("status") == AssumptionStatus.challenged
                ),
            )
            for version in versions
        ],
    )
