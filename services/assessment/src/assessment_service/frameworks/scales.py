"""The rating scales a criterion can use (DOMAIN.md, enumeration SC): which values each accepts
and how a value normalises to 0-1. Pure: no I/O, used by the template validator, the rating
routes and the scoring engine alike, so "valid" and "scored" can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

RatingValue = int | float | str


class ScaleType(StrEnum):
    ordinal_0_4 = "ordinal_0_4"
    likert_1_5 = "likert_1_5"
    valence_m2_p2 = "valence_m2_p2"
    complexity_3 = "complexity_3"
    pass_fail = "pass_fail"  # noqa: S105 - a scale, not a password
    met_3 = "met_3"
    evidence_level_1_5 = "evidence_level_1_5"
    esf_tier = "esf_tier"
    numeric = "numeric"


@dataclass(frozen=True)
class NumericBand:
    """A band of a numeric criterion: `min` inclusive, `max` exclusive, either may be open."""

    score: float
    min: float | None = None
    max: float | None = None
    label: str = ""

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value < self.max)


@dataclass(frozen=True)
class Scale:
    type: ScaleType
    description: str
    # Integer scales: the inclusive range. Categorical scales: the values, in scale order.
    low: int | None = None
    high: int | None = None
    categories: tuple[str, ...] = ()
    # Normalised score per categorical value; empty for integer and numeric scales.
    category_scores: tuple[float, ...] = ()
    # pass/fail and ESF tier classify or gate; they carry no score into the weighted mean.
    scored: bool = True

    @property
    def is_integer(self) -> bool:
        return self.low is not None

    def allowed(self) -> str:
        if self.is_integer:
            return f"an integer from {self.low} to {self.high}"
        if self.categories:
            return "one of " + ", ".join(self.categories)
        return "a finite number inside one of the criterion's bands"


SCALES: dict[ScaleType, Scale] = {
    ScaleType.ordinal_0_4: Scale(ScaleType.ordinal_0_4, "0 none ... 4 strong", low=0, high=4),
    ScaleType.likert_1_5: Scale(ScaleType.likert_1_5, "Likert 1-5", low=1, high=5),
    ScaleType.valence_m2_p2: Scale(
        ScaleType.valence_m2_p2, "CFIR valence -2 ... +2 (0 neutral or mixed)", low=-2, high=2
    ),
    # Already oriented so that `simple` scores best (DOMAIN.md: 1, 0.5, 0; reverse-scored).
    ScaleType.complexity_3: Scale(
        ScaleType.complexity_3,
        "NASSS simple / complicated / complex",
        categories=("simple", "complicated", "complex"),
        category_scores=(1.0, 0.5, 0.0),
    ),
    ScaleType.pass_fail: Scale(
        ScaleType.pass_fail,
        "pass / fail (gates)",
        categories=("pass", "fail"),
        category_scores=(1.0, 0.0),
        scored=False,
    ),
    ScaleType.met_3: Scale(
        ScaleType.met_3,
        "met / partly / not met (NICE ESF)",
        categories=("met", "partly", "not_met"),
        category_scores=(1.0, 0.5, 0.0),
    ),
    ScaleType.evidence_level_1_5: Scale(
        ScaleType.evidence_level_1_5, "Nesta standards of evidence 1-5", low=1, high=5
    ),
    ScaleType.esf_tier: Scale(
        ScaleType.esf_tier,
        "NICE ESF tier a / b / c (classification)",
        categories=("a", "b", "c"),
        category_scores=(0.0, 0.0, 0.0),
        scored=False,
    ),
    ScaleType.numeric: Scale(ScaleType.numeric, "a number with a unit, scored by bands"),
}


class ScaleError(ValueError):
    """A value that the scale does not accept; the message names the scale and what it allows."""


def check_value(
    scale_type: ScaleType, value: RatingValue, *, bands: Sequence[NumericBand] = ()
) -> RatingValue:
    """Return the value in canonical form, or raise `ScaleError`."""
    scale = SCALES[scale_type]
    # JSON `true` arrives as a Python bool, which is an int: never a rating.
    if isinstance(value, bool):
        raise ScaleError(f"Scale {scale_type} takes {scale.allowed()}, not a boolean.")
    if scale.is_integer:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or not (scale.low <= value <= scale.high):  # type: ignore[operator]
            raise ScaleError(f"Scale {scale_type} takes {scale.allowed()}.")
        return value
    if scale.categories:
        if not isinstance(value, str) or value not in scale.categories:
            raise ScaleError(f"Scale {scale_type} takes {scale.allowed()}.")
        return value
    # numeric
    if isinstance(value, str) or not math.isfinite(value):
        raise ScaleError(f"Scale {scale_type} takes a finite number.")
    if bands and not any(band.contains(float(value)) for band in bands):
        raise ScaleError(f"Scale {scale_type}: {value} lies outside every band of this criterion.")
    return value


def position(scale_type: ScaleType, value: RatingValue) -> float:
    """Where a (valid) value sits on its scale, 0-1, in scale order; used for medians and
    spreads, including on scales that carry no score."""
    scale = SCALES[scale_type]
    if scale.is_integer:
        assert scale.low is not None
        assert scale.high is not None
        return (float(value) - scale.low) / (scale.high - scale.low)
    if scale.categories:
        index = scale.categories.index(str(value))
        return index / (len(scale.categories) - 1)
    return float(value)


def normalise(
    scale_type: ScaleType,
    value: RatingValue,
    *,
    bands: Sequence[NumericBand] = (),
    reverse: bool = False,
) -> float | None:
    """The criterion score s in 0-1 (DOMAIN.md B8), or None for scales that carry no score."""
    scale = SCALES[scale_type]
    if not scale.scored:
        return None
    if scale.is_integer:
        score = position(scale_type, value)
    elif scale.categories:
        score = scale.category_scores[scale.categories.index(str(value))]
    else:
        matching = [band.score for band in bands if band.contains(float(value))]
        if not matching:
            raise ScaleError(f"{value} lies outside every band of this criterion.")
        score = matching[0]
    return 1.0 - score if reverse else score


def favourability(
    scale_type: ScaleType,
    value: RatingValue,
    *,
    bands: Sequence[NumericBand] = (),
    reverse: bool = False,
) -> float:
    """How favourable a (valid) value is, 0-1, on every scale, including those that carry no
    score: the criterion score where there is one; `pass` over `fail`; on the ESF tier the lower
    tier, since a higher tier asks for more evidence. An even split leans to the lower of two."""
    scale = SCALES[scale_type]
    if scale_type is ScaleType.esf_tier:
        fav = 1.0 - position(scale_type, value)
    elif scale_type is ScaleType.pass_fail:
        fav = scale.category_scores[scale.categories.index(str(value))]
    else:
        score = normalise(scale_type, value, bands=bands)
        fav = 0.0 if score is None else score
    return 1.0 - fav if reverse else fav
