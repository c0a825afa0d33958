"""The body of an evaluation's learning metrics."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field


class AdaptationReviewShare(BaseModel):
    due: int = Field(description="Adaptations whose review date has passed, or already reviewed.")
    reviewed_by_review_date: int
    share: float | None = Field(description="reviewed_by_review_date / due; null when none due.")


class AssumptionsPerVersion(BaseModel):
    version_id: uuid.UUID
    number: int
    assumptions: int
    challenged: int


class EvaluationMetrics(BaseModel):
    evaluation_id: uuid.UUID
    generated_at: dt.datetime
    as_of_date: dt.date = Field(description="The day review dates are judged against (UTC).")
    open_questions: int
    findings_with_adaptation: int
    median_days_finding_to_first_adaptation: float | None = Field(
        description="Median over findings with at least one linked adaptation of the days from "
        "the finding's first_seen_at to the earliest decided_at of those adaptations."
    )
    adaptations_reviewed: AdaptationReviewShare
    assumptions_challenged_per_version: list[AssumptionsPerVersion]
