"""Moderation: inter-rater calibration of one criterion (median, spread, outliers) and the
panel median a consensus defaults to. Pure, like the engine."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from assessment_service.frameworks.definition import Criterion
from assessment_service.frameworks.scales import RatingValue, favourability, normalise, position

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
    positions = {a: spread_position(criterion, v) for a, v in known.items()}
    median_value = median_of(criterion, list(known.values()))
    spread = (max(positions.values()) - min(positions.values())) if len(known) >= 2 else None
    outliers: list[str] = []
    if len(known) >= 3 and median_value is not None:
        centre = spread_position(criterion, median_value)
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
    """The panel median, always a value the criterion accepts. An even split leans to the less
    favourable of the two middle values on every scale (docs/domain/governance.md): a split
    panel never lifts a score. On numeric scales two middle values in the same band give their
    mean (the same band, so the same score)."""
    if not values:
        return None
    bands = criterion.numeric_bands()

    def fav(value: RatingValue) -> float:
        return favourability(criterion.scale, value, bands=bands, reverse=criterion.reverse_scored)

    if criterion.scale == "numeric":
        ordered_numbers = sorted(float(v) for v in values)
        middle = len(ordered_numbers) // 2
        if len(ordered_numbers) % 2:
            return ordered_numbers[middle]
        low, high = ordered_numbers[middle - 1], ordered_numbers[middle]
        if not bands or any(b.contains(low) and b.contains(high) for b in bands):
            return (low + high) / 2
        return high if fav(high) < fav(low) else low
    # Ordinal and categorical scales order the same way as favourability, so the lower middle
    # by favourability is the median of an odd panel and the less favourable of an even split.
    ordered = sorted(values, key=lambda v: (fav(v), position(criterion.scale, v)))
    return ordered[(len(ordered) - 1) // 2]


def spread_position(criterion: Criterion, value: RatingValue) -> float:
    """Where a value sits for spreads and outliers, 0-1: its scale position, and on numeric
    scales its band score, so a spread compares across criteria whatever their units."""
    if criterion.scale == "numeric":
        score = normalise(criterion.scale, value, bands=criterion.numeric_bands())
        return 0.0 if score is None else score
    return position(criterion.scale, value)
