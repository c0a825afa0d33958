"""Moderation: inter-rater calibration of one criterion (median, spread, outliers) and the
panel median a consensus defaults to. Pure, like the engine."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from pydantic import BaseModel

from assessment_service.frameworks.definition import Criterion
from assessment_service.frameworks.scales import RatingValue, position

OUTLIER_DISTANCE = 0.5  # half the scale away from the panel's median
HIGH_SPREAD = 0.5  # assessors half a scale or more apart


def bounded(value: float) -> float:
    # Numeric scales have no natural length: a spread on them is capped at the whole scale.
    return min(max(value, 0.0), 1.0)


class CriterionModeration(BaseModel):
    """Inter-rater calibration for one criterion: the panel's values, their median, spread and
    outliers (a rating half a scale or more from the median, with three or more ratings)."""

    criterion: str
    scale: str
    values: dict[str, RatingValue | None]
    unknown_count: int
    median: RatingValue | None
    spread: float | None
    high_spread: bool
    outliers: list[str]


def moderate(criterion: Criterion, values: dict[str, RatingValue | None]) -> CriterionModeration:
    known = {a: v for a, v in values.items() if v is not None}
    positions = {a: position(criterion.scale, v) for a, v in known.items()}
    median_value = median_of(criterion, list(known.values()))
    spread = (max(positions.values()) - min(positions.values())) if len(known) >= 2 else None
    outliers: list[str] = []
    if len(known) >= 3 and median_value is not None:
        centre = position(criterion.scale, median_value)
        outliers = sorted(a for a, p in positions.items() if abs(p - centre) >= OUTLIER_DISTANCE)
    return CriterionModeration(
        criterion=criterion.code,
        scale=criterion.scale,
        values=dict(values),
        unknown_count=len(values) - len(known),
        median=median_value,
        spread=None if spread is None else bounded(spread),
        high_spread=spread is not None and spread >= HIGH_SPREAD,
        outliers=outliers,
    )


def median_of(criterion: Criterion, values: Sequence[RatingValue]) -> RatingValue | None:
    """The panel median: the arithmetic median on numeric scales; on ordinal and categorical
    scales the lower middle value, so the consensus is always a value of the scale."""
    if not values:
        return None
    if criterion.scale == "numeric":
        return float(statistics.median(float(v) for v in values))
    ordered = sorted(values, key=lambda v: position(criterion.scale, v))
    return ordered[(len(ordered) - 1) // 2]
