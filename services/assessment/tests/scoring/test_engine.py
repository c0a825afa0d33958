"""The scoring engine against hand-computed cases (DOMAIN.md B8). Every expected number below is
worked out by hand in the comment beside it, so a change in the engine shows up as a diff in
arithmetic a governance board can follow."""

from __future__ import annotations

from typing import Any

import pytest

from assessment_service.frameworks.definition import (
    AssessmentContext,
    Gate,
    Outcome,
    TemplateDefinition,
)
from assessment_service.frameworks.scales import ScaleError, ScaleType, check_value, normalise
from assessment_service.scoring.engine import (
    Confidence,
    ConsensusInput,
    RatingInput,
    complexity_profile,
    median_of,
    moderate,
    score,
)

G2 = AssessmentContext(gate=Gate.g2_pilot_approval, is_digital=False)


def definition(**policy: Any) -> TemplateDefinition:
    """d1 (W=2): c1 ordinal 0-4 (w1), c2 Likert (w3); d2 (W=1): c3 met/partly/not met (w1),
    c4 Likert reverse-scored (w1); d3 (W=1): g1 pass/fail gate (unscored)."""
    return TemplateDefinition.model_validate(
        {
            "scoring_policy": policy,
            "domains": [
                {
                    "code": "d1",
                    "label": "One",
                    "weight": 2,
                    "criteria": [
                        {"code": "c1", "question": "?", "scale": "ordinal_0_4", "weight": 1},
                        {"code": "c2", "question": "?", "scale": "likert_1_5", "weight": 3},
                    ],
                },
                {
                    "code": "d2",
                    "label": "Two",
                    "weight": 1,
                    "criteria": [
                        {"code": "c3", "question": "?", "scale": "met_3"},
                        {
                            "code": "c4",
                            "question": "?",
                            "scale": "likert_1_5",
                            "reverse_scored": True,
                        },
                    ],
                },
                {
                    "code": "d3",
                    "label": "Gates",
                    "weight": 1,
                    "criteria": [
                        {
                            "code": "g1",
                            "question": "?",
                            "scale": "pass_fail",
                            "weight": 0,
                            "is_gate": True,
                            "gate_rule": "must_equal:pass",
                            "min_evidence_level": 3,
                        },
                        {
                            "code": "digital_only",
                            "question": "?",
                            "scale": "ordinal_0_4",
                            "applies_if": {"is_digital": True},
                        },
                    ],
                },
            ],
        }
    )


GOOD = {"c1": 3, "c2": 5, "c3": "partly", "c4": 2, "g1": "pass"}
# s: c1 3/4=0.75; c2 (5-1)/4=1; c3 partly 0.5; c4 reverse 1-(2-1)/4=0.75
# D1 = (1*0.75 + 3*1)/4 = 0.9375; D2 = (0.5+0.75)/2 = 0.625; D3 has no scored criterion
# overall = (2*0.9375 + 1*0.625)/3 = 2.5/3 = 0.8333...


def consensus(values: dict[str, Any], evidence: int = 5) -> list[ConsensusInput]:
    return [
        ConsensusInput(criterion=code, value=value, unknown=value is None, evidence_level=evidence)
        for code, value in values.items()
    ]


def panel(*assessors: dict[str, Any], evidence: int = 5) -> list[RatingInput]:
    return [
        RatingInput(
            assessor=f"a{index}",
            criterion=code,
            value=value,
            unknown=value is None,
            evidence_level=evidence,
        )
        for index, values in enumerate(assessors, start=1)
        for code, value in values.items()
    ]


def run(values: dict[str, Any], *assessors: dict[str, Any], evidence: int = 5, **kw: Any) -> Any:
    definition_ = kw.pop("template", None) or definition()
    context = kw.pop("context", G2)
    return score(
        definition_,
        context,
        ratings=panel(*(assessors or (values, values)), evidence=evidence),
        consensus=consensus(values, evidence),
    )


class TestScaleNormalisation:
    @pytest.mark.parametrize(
        ("scale", "value", "expected"),
        [
            (ScaleType.ordinal_0_4, 0, 0.0),
            (ScaleType.ordinal_0_4, 3, 0.75),
            (ScaleType.likert_1_5, 1, 0.0),
            (ScaleType.likert_1_5, 4, 0.75),
            (ScaleType.valence_m2_p2, -2, 0.0),
            (ScaleType.valence_m2_p2, 0, 0.5),
            (ScaleType.valence_m2_p2, 1, 0.75),
            (ScaleType.complexity_3, "simple", 1.0),
            (ScaleType.complexity_3, "complicated", 0.5),
            (ScaleType.complexity_3, "complex", 0.0),
            (ScaleType.met_3, "met", 1.0),
            (ScaleType.met_3, "partly", 0.5),
            (ScaleType.met_3, "not_met", 0.0),
            (ScaleType.evidence_level_1_5, 3, 0.5),
            (ScaleType.pass_fail, "pass", None),
            (ScaleType.esf_tier, "c", None),
        ],
    )
    def test_value_normalises(self, scale: ScaleType, value: Any, expected: float | None) -> None:
        assert normalise(scale, value) == expected

    def test_reverse_scoring_flips_the_score(self) -> None:
        assert normalise(ScaleType.likert_1_5, 5, reverse=True) == 0.0
        assert normalise(ScaleType.ordinal_0_4, 1, reverse=True) == 0.75

    def test_numeric_scores_by_band(self) -> None:
        from assessment_service.frameworks.scales import NumericBand

        bands = [
            NumericBand(1.0, max=-10),
            NumericBand(0.5, min=-10, max=10),
            NumericBand(0.0, min=10),
        ]
        assert normalise(ScaleType.numeric, -25.5, bands=bands) == 1.0
        assert normalise(ScaleType.numeric, -10, bands=bands) == 0.5  # min is inclusive
        assert normalise(ScaleType.numeric, 10, bands=bands) == 0.0  # max is exclusive


class TestScaleValidation:
    @pytest.mark.parametrize(
        ("scale", "good", "bad"),
        [
            (ScaleType.ordinal_0_4, [0, 4, 2.0], [-1, 5, 2.5, "2", True]),
            (ScaleType.likert_1_5, [1, 5], [0, 6, "five"]),
            (ScaleType.valence_m2_p2, [-2, 2, 0], [-3, 3, "+1"]),
            (ScaleType.complexity_3, ["simple", "complex"], ["easy", 1]),
            (ScaleType.pass_fail, ["pass", "fail"], ["passed", True, 1]),
            (ScaleType.met_3, ["met", "partly", "not_met"], ["not met", 0.5]),
            (ScaleType.evidence_level_1_5, [1, 5], [0, 6]),
            (ScaleType.esf_tier, ["a", "b", "c"], ["d", "A"]),
            (ScaleType.numeric, [-3.5, 0, 12], ["12", float("nan"), float("inf")]),
        ],
    )
    def test_every_scale_accepts_its_values_only(
        self, scale: ScaleType, good: list[Any], bad: list[Any]
    ) -> None:
        for value in good:
            check_value(scale, value)
        for value in bad:
            with pytest.raises(ScaleError, match=str(scale)):
                check_value(scale, value)


class TestScore:
    def test_weighted_domain_and_overall_scores(self) -> None:
        result = run(GOOD)
        domains = {d.code: d.score for d in result.domains}
        assert domains["d1"] == pytest.approx(0.9375)
        assert domains["d2"] == pytest.approx(0.625)
        assert domains["d3"] is None  # only an unscored gate applies
        assert result.overall == pytest.approx(2.5 / 3)
        assert result.not_applicable == ["digital_only"]
        assert result.confidence.coverage == pytest.approx(1.0)
        assert result.confidence.agreement == pytest.approx(1.0)
        assert result.confidence.level is Confidence.high
        assert result.recommendation is Outcome.proceed

    def test_every_input_is_shown(self) -> None:
        result = run(GOOD)
        c4 = next(c for c in result.criteria if c.code == "c4")
        assert (c4.value, c4.normalised, c4.reverse_scored) == (2, 0.75, True)
        assert c4.assessor_values == {"a1": 2, "a2": 2}
        assert result.policy.proceed_threshold == 0.7

    def test_unknowns_drop_out_of_the_mean_and_cut_coverage(self) -> None:
        result = run({**GOOD, "c2": None})
        # D1 = c1 only = 0.75; overall = (2*0.75 + 0.625)/3 = 0.708333
        assert result.overall == pytest.approx(2.125 / 3)
        # effective weights: c1 2*1/4=0.5, c2 2*3/4=1.5, c3 0.5, c4 0.5 (total 3); c2 unknown
        assert result.confidence.coverage == pytest.approx(0.5)
        assert result.confidence.level is Confidence.medium
        # above the proceed threshold, but coverage 0.5 < min_coverage 0.7
        assert result.recommendation is Outcome.proceed_with_conditions

    def test_zero_weight_domain_does_not_count(self) -> None:
        template = definition()
        template.domains[1].weight = 0
        result = run(GOOD, template=template)
        assert result.overall == pytest.approx(0.9375)  # D1 alone
        assert result.confidence.coverage == pytest.approx(1.0)

    def test_all_weights_zero_gives_no_score_and_pause(self) -> None:
        template = definition()
        for domain in template.domains:
            domain.weight = 0
        result = run(GOOD, template=template)
        assert result.overall is None
        assert result.confidence.coverage == pytest.approx(1.0)  # a plain count: all rated
        assert result.recommendation is Outcome.pause

    def test_single_assessor_caps_confidence_at_medium(self) -> None:
        result = run(GOOD, GOOD)
        assert result.confidence.agreement is None
        assert result.confidence.level is Confidence.medium
        assert result.range_min == result.range_max == pytest.approx(2.5 / 3)
        assert result.recommendation is Outcome.proceed
        assert any("fewer than two assessors" in reason for reason in result.reasons)

    def test_disagreement_lowers_agreement_and_shows_the_range(self) -> None:
        high = {**GOOD, "c1": 4, "c2": 5}
        low = {**GOOD, "c1": 0, "c2": 1}
        result = run(GOOD, high, low)
        # spreads: c1 1.0, c2 1.0, c3 0, c4 0 -> mean 0.5 -> agreement 0.5
        assert result.confidence.agreement == pytest.approx(0.5)
        assert result.confidence.level is Confidence.medium
        # a1: D1 = 1 -> (2 + 0.625)/3 = 0.875; a2: D1 = 0 -> 0.625/3 = 0.208333
        assert result.range_max == pytest.approx(2.625 / 3)
        assert result.range_min == pytest.approx(0.625 / 3)

    def test_weak_evidence_means_low_confidence_and_adapt(self) -> None:
        result = run(GOOD, evidence=1)
        assert result.confidence.evidence == 0.0
        assert result.confidence.level is Confidence.low
        assert result.recommendation is Outcome.adapt

    def test_below_the_adapt_threshold_is_stop(self) -> None:
        # c1 1/4=0.25; c2 (2-1)/4=0.25; c3 0; c4 1-(4-1)/4=0.25 -> D1 0.25, D2 0.125
        result = run({"c1": 1, "c2": 2, "c3": "not_met", "c4": 4, "g1": "pass"})
        assert result.overall == pytest.approx((0.5 + 0.125) / 3)
        assert result.recommendation is Outcome.stop

    def test_proceed_at_g4_means_scale(self) -> None:
        context = AssessmentContext(gate=Gate.g4_scale_or_adopt, is_digital=False)
        assert run(GOOD, context=context).recommendation is Outcome.scale


class TestGates:
    def test_a_failed_gate_forces_adapt_whatever_the_score(self) -> None:
        result = run({**GOOD, "g1": "fail"})
        assert result.overall == pytest.approx(2.5 / 3)
        assert [g.criterion for g in result.failed_gates] == ["g1"]
        assert result.recommendation is Outcome.adapt

    def test_a_failed_gate_with_a_weak_score_is_stop(self) -> None:
        result = run({"c1": 0, "c2": 1, "c3": "not_met", "c4": 5, "g1": "fail"})
        assert result.overall == 0.0
        assert result.recommendation is Outcome.stop

    def test_an_unknown_gate_fails_as_not_evidenced(self) -> None:
        result = run({**GOOD, "g1": None})
        assert result.failed_gates[0].reason == "not evidenced (unknown)"
        assert result.recommendation is Outcome.adapt

    def test_a_gate_below_its_minimum_evidence_fails(self) -> None:
        result = run(GOOD, evidence=2)  # g1 needs evidence level 3
        assert "below the required 3" in result.failed_gates[0].reason

    @pytest.mark.parametrize(
        ("rule", "value", "passes"),
        [("min:2", 2, True), ("min:2", 1, False), ("max:1", 2, False), ("one_of:1|3", 3, True)],
    )
    def test_ordinal_gate_rules(self, rule: str, value: int, passes: bool) -> None:
        template = definition()
        gate = template.domains[0].criteria[0]
        gate.is_gate, gate.gate_rule = True, rule
        result = run({**GOOD, "c1": value}, template=template)
        assert ("c1" not in {g.criterion for g in result.failed_gates}) is passes

    def test_digital_only_criteria_apply_to_digital_projects(self) -> None:
        context = AssessmentContext(gate=Gate.g2_pilot_approval, is_digital=True)
        result = run({**GOOD, "digital_only": 4}, context=context)
        assert result.not_applicable == []
        # D3 = digital_only 1.0 -> overall (2*0.9375 + 0.625 + 1)/4
        assert result.overall == pytest.approx(3.5 / 4)


class TestModeration:
    def test_spread_median_and_outliers(self) -> None:
        criterion = definition().domains[0].criteria[0]  # ordinal 0-4
        view = moderate(criterion, {"a": 4, "b": 4, "c": 0, "d": None})
        assert view.median == 4
        assert view.spread == 1.0 and view.high_spread
        assert view.outliers == ["c"]
        assert view.unknown_count == 1

    def test_two_assessors_have_spread_but_no_outliers(self) -> None:
        criterion = definition().domains[0].criteria[0]
        view = moderate(criterion, {"a": 4, "b": 1})
        assert view.spread == 0.75 and view.outliers == []

    def test_median_is_a_value_of_the_scale(self) -> None:
        template = definition()
        assert median_of(template.domains[0].criteria[0], [1, 2, 3, 4]) == 2
        assert median_of(template.domains[1].criteria[0], ["met", "not_met", "partly"]) == "partly"


class TestComplexityProfile:
    @pytest.mark.parametrize(
        ("complex_domains", "risk"),
        [(0, Confidence.low), (2, Confidence.medium), (3, Confidence.high)],
    )
    def test_complex_domains_raise_the_risk_flag(
        self, complex_domains: int, risk: Confidence
    ) -> None:
        names = ["condition", "technology", "value_proposition", "adopter_system"]
        ratings = {n: "complex" if i < complex_domains else "simple" for i, n in enumerate(names)}
        profile = complexity_profile(ratings)
        assert profile is not None
        assert (profile.complex_count, profile.risk) == (complex_domains, risk)
