"""The even-split consensus rule (#14 item 9) on every scale type, and spreads on normalised
scores (item 13). Each expected value is worked out in the comment beside it."""

from __future__ import annotations

from typing import Any

import pytest

from assessment_service.frameworks.definition import Criterion
from assessment_service.frameworks.scales import RatingValue, ScaleType
from assessment_service.scoring.engine import median_of, moderate

BANDS = [
    {"max": 0, "score": 1.0},  # net reduction
    {"min": 0, "max": 10, "score": 0.5},
    {"min": 10, "score": 0.0},
]


def criterion(scale: ScaleType, **extra: Any) -> Criterion:
    return Criterion.model_validate({"code": "c", "question": "?", "scale": scale, **extra})


# (scale, extra, an even split, the less favourable middle value it must give)
EVEN_SPLITS: list[tuple[ScaleType, dict[str, Any], list[RatingValue], RatingValue]] = [
    (ScaleType.ordinal_0_4, {}, [1, 2, 3, 4], 2),  # middles 2, 3 -> 2 scores 0.5 < 0.75
    (ScaleType.likert_1_5, {}, [5, 2], 2),  # 2 scores 0.25 < 5 scores 1
    (ScaleType.likert_1_5, {"reverse_scored": True}, [5, 2], 5),  # reversed: 5 scores 0
    (ScaleType.valence_m2_p2, {}, [-1, 2, 0, 1], 0),  # middles 0, 1 -> 0 (0.5 < 0.75)
    (ScaleType.complexity_3, {}, ["simple", "complex"], "complex"),  # 0 < 1
    (ScaleType.pass_fail, {}, ["pass", "fail"], "fail"),
    (ScaleType.met_3, {}, ["met", "partly"], "partly"),  # was `met` (the lower middle index)
    (ScaleType.met_3, {}, ["met", "met", "not_met", "not_met"], "not_met"),
    (ScaleType.evidence_level_1_5, {}, [3, 4], 3),
    (ScaleType.esf_tier, {}, ["a", "c"], "c"),  # a higher tier asks for more evidence
    (ScaleType.numeric, {"bands": BANDS}, [-5.0, 4.0], 4.0),  # 0.5 < 1.0: the higher value
    (
        ScaleType.numeric,
        {"bands": BANDS, "reverse_scored": True},
        [-5.0, 4.0],
        -5.0,  # reversed: -5 scores 0, 4 scores 0.5
    ),
    (ScaleType.numeric, {"bands": BANDS}, [2.0, 6.0], 4.0),  # one band: the mean, same score
]


@pytest.mark.parametrize(("scale", "extra", "values", "expected"), EVEN_SPLITS)
def test_an_even_split_leans_to_the_less_favourable_value(
    scale: ScaleType, extra: dict[str, Any], values: list[RatingValue], expected: RatingValue
) -> None:
    assert median_of(criterion(scale, **extra), values) == expected
    # The order the panel rated in changes nothing.
    assert median_of(criterion(scale, **extra), list(reversed(values))) == expected


def test_every_scale_type_has_an_even_split_case() -> None:
    assert {case[0] for case in EVEN_SPLITS} == set(ScaleType)


@pytest.mark.parametrize(
    ("scale", "values", "expected"),
    [
        (ScaleType.ordinal_0_4, [0, 4, 3], 3),
        (ScaleType.met_3, ["met", "not_met", "partly"], "partly"),
        (ScaleType.pass_fail, ["pass", "pass", "fail"], "pass"),
        (ScaleType.numeric, [12.0, -3.0, 1.0], 1.0),
    ],
)
def test_an_odd_panel_takes_the_middle_value(
    scale: ScaleType, values: list[RatingValue], expected: RatingValue
) -> None:
    extra = {"bands": BANDS} if scale is ScaleType.numeric else {}
    assert median_of(criterion(scale, **extra), values) == expected


def test_numeric_spread_is_on_band_scores_not_raw_values() -> None:
    numeric = criterion(ScaleType.numeric, bands=BANDS)
    # Raw values 1 and 9 are 8 units apart (capped at 1.0 before); both score 0.5: no spread.
    assert moderate(numeric, {"a": 1.0, "b": 9.0}).spread == 0.0
    # -5 scores 1.0 and 40 scores 0.0: the whole scale apart, as on any other criterion.
    view = moderate(numeric, {"a": -5.0, "b": 40.0})
    assert view.spread == 1.0 and view.high_spread
    # Outliers use the same positions: 40 (0.0) is 0.5 from the median 4 (0.5).
    assert moderate(numeric, {"a": 3.0, "b": 4.0, "c": 40.0}).outliers == ["c"]
    # 8 (0.5) beside 3 and 4 (0.5) is no outlier however far its raw value.
    assert moderate(numeric, {"a": 3.0, "b": 4.0, "c": 9.9}).outliers == []
