"""The scoring engine (DOMAIN.md B8): pure functions from a template definition, an assessment
context and the ratings to a result a governance board can audit. No I/O, no clock, no database:
the same inputs always give the same result, which is why the frozen result of a scored
assessment can be recomputed and checked later.

- Criterion score s_i in 0-1 from the consensus rating (scale normalisation, reverse scoring,
  numeric bands); `unknown` and unscored scales (pass/fail, ESF tier) carry no score.
- Domain D = sum(w_i * s_i) / sum(w_i) over rated criteria; overall = sum(W_d * D_d) / sum(W_d)
  over domains with a score. Zero weights simply drop out; nothing rated gives no score.
- Assessor range: the same aggregation over each assessor's own ratings; min and max.
- Confidence = min(coverage, evidence, agreement), cut at the policy's high/medium thresholds.
  Agreement needs two assessors; with one it is not measured and confidence is capped at medium.
- Gates: every applicable gate criterion must pass its rule with enough evidence; an unknown
  gate fails (not evidenced). A failed gate forces `adapt` (score at least the adapt threshold)
  or `stop`, whatever the score.
- Engagement rules (`engagement_rules`, issue #14 item 5): each rule of the assessment's gate is
  checked against the engagement evidence snapshot the assessment took when it was opened; a
  failed rule (or a snapshot missing) is a failed gate named `engagement:<rule>:<level>`.

`results.py` holds the inputs and outputs, `moderation.py` the calibration of one criterion; both
are re-exported here, so `scoring.engine` stays the one import for callers.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assessment_service.frameworks.definition import (
    IAP2_ORDER,
    AssessmentContext,
    Criterion,
    EngagementRule,
    Iap2Level,
    Outcome,
    ScoringPolicy,
    TemplateDefinition,
    parse_gate_rule,
)
from assessment_service.frameworks.scales import SCALES, RatingValue, normalise
from assessment_service.scoring.moderation import (
    HIGH_SPREAD,
    OUTLIER_DISTANCE,
    CriterionModeration,
    bounded,
    median_of,
    moderate,
    spread_position,
)
from assessment_service.scoring.results import (
    ComplexityProfile,
    ComplexityRating,
    Confidence,
    ConfidenceResult,
    ConsensusInput,
    CriterionResult,
    DomainResult,
    EngagementRuleResult,
    FailedGate,
    NasssDomain,
    RatingInput,
    ScoreResult,
    complexity_profile,
)

__all__ = [
    "HIGH_SPREAD",
    "OUTLIER_DISTANCE",
    "ComplexityProfile",
    "ComplexityRating",
    "Confidence",
    "ConfidenceResult",
    "ConsensusInput",
    "CriterionModeration",
    "CriterionResult",
    "DomainResult",
    "EngagementRuleResult",
    "FailedGate",
    "NasssDomain",
    "RatingInput",
    "ScoreResult",
    "aggregate",
    "complexity_profile",
    "criterion_score",
    "median_of",
    "moderate",
    "score",
]


def criterion_score(criterion: Criterion, value: RatingValue | None, unknown: bool) -> float | None:
    if unknown or value is None:
        return None
    return normalise(
        criterion.scale,
        value,
        bands=criterion.numeric_bands(),
        reverse=criterion.reverse_scored,
    )


def _mean(pairs: Iterable[tuple[float, float | None]]) -> float | None:
    """Weighted mean over (weight, score) pairs whose score is known; None if no weight."""
    known = [(w, s) for w, s in pairs if s is not None]
    total = sum(w for w, _ in known)
    if total <= 0:
        return None
    return sum(w * s for w, s in known) / total


def aggregate(
    definition: TemplateDefinition,
    applicable: Sequence[tuple[str, Criterion]],
    scores: dict[str, float | None],
) -> tuple[list[tuple[str, float | None]], float | None]:
    """Domain scores and the overall score for one set of criterion scores."""
    domain_scores: list[tuple[str, float | None]] = []
    overall_pairs: list[tuple[float, float | None]] = []
    for domain in definition.domains:
        pairs = [
            (criterion.weight, scores.get(criterion.code))
            for code, criterion in applicable
            if code == domain.code
        ]
        score = _mean(pairs)
        domain_scores.append((domain.code, score))
        overall_pairs.append((domain.weight, score))
    return domain_scores, _mean(overall_pairs)


def _coverage(
    definition: TemplateDefinition,
    applicable: Sequence[tuple[str, Criterion]],
    rated: set[str],
) -> float:
    """The weighted share of scored criteria rated rather than unknown, each criterion weighted
    by its effective weight in the overall score (W_d * w_i / sum of w in its domain)."""
    scored = [(d, c) for d, c in applicable if SCALES[c.scale].scored]
    if not scored:
        scored = list(applicable)
    if not scored:
        return 0.0
    domain_weight = {domain.code: domain.weight for domain in definition.domains}
    totals: dict[str, float] = {}
    for d, c in scored:
        totals[d] = totals.get(d, 0.0) + c.weight
    effective = {
        c.code: (domain_weight[d] * c.weight / totals[d]) if totals[d] > 0 else 0.0
        for d, c in scored
    }
    whole = sum(effective.values())
    if whole <= 0:  # every weight zero: fall back to a plain count
        return sum(1 for _, c in scored if c.code in rated) / len(scored)
    return sum(w for code, w in effective.items() if code in rated) / whole


def _level(value: float, policy: ScoringPolicy) -> Confidence:
    if value >= policy.confidence_high:
        return Confidence.high
    if value >= policy.confidence_medium:
        return Confidence.medium
    return Confidence.low


def score(
    definition: TemplateDefinition,
    context: AssessmentContext,
    *,
    ratings: Sequence[RatingInput],
    consensus: Sequence[ConsensusInput],
    complexity: dict[str, str] | None = None,
    engagement: Mapping[str, Any] | None = None,
) -> ScoreResult:
    policy = definition.scoring_policy
    applicable = [(d.code, c) for d, c in definition.criteria() if c.applies(context)]
    not_applicable = [c.code for _, c in definition.criteria() if not c.applies(context)]
    by_code = {c.code: (d, c) for d, c in applicable}
    agreed = {item.criterion: item for item in consensus if item.criterion in by_code}
    assessors = sorted({r.assessor for r in ratings if r.criterion in by_code})
    own: dict[str, dict[str, RatingInput]] = {a: {} for a in assessors}
    for rating in ratings:
        if rating.criterion in by_code:
            own[rating.assessor][rating.criterion] = rating

    criteria: list[CriterionResult] = []
    scores: dict[str, float | None] = {}
    rated: set[str] = set()
    failed: list[FailedGate] = []
    evidence_levels: list[float] = []
    spreads: list[float] = []
    for domain_code, criterion in applicable:
        item = agreed.get(criterion.code)
        unknown = item is None or item.unknown or item.value is None
        value = None if item is None or unknown else item.value
        evidence = item.evidence_level if item is not None else None
        s = criterion_score(criterion, value, unknown)
        scores[criterion.code] = s
        if not unknown:
            rated.add(criterion.code)
            evidence_levels.append(0.0 if evidence is None else (evidence - 1) / 4)
        shortfall = (
            criterion.min_evidence_level is not None
            and not unknown
            and (evidence or 0) < criterion.min_evidence_level
        )
        gate_passed: bool | None = None
        if criterion.is_gate and criterion.gate_rule:
            rule = parse_gate_rule(criterion.gate_rule, criterion)
            if unknown:
                gate_passed = False
                failed.append(
                    FailedGate(criterion=criterion.code, reason="not evidenced (unknown)")
                )
            elif value is not None and not rule.passes(criterion.scale, value):
                gate_passed = False
                failed.append(
                    FailedGate(
                        criterion=criterion.code,
                        reason=f"{value} does not satisfy {criterion.gate_rule}",
                    )
                )
            elif shortfall:
                gate_passed = False
                failed.append(
                    FailedGate(
                        criterion=criterion.code,
                        reason=f"evidence level {evidence} is below the required "
                        f"{criterion.min_evidence_level}",
                    )
                )
            else:
                gate_passed = True
        values = {
            a: _own_value(own[a].get(criterion.code)) for a in assessors if criterion.code in own[a]
        }
        positions = [spread_position(criterion, v) for v in values.values() if v is not None]
        spread = (max(positions) - min(positions)) if len(positions) >= 2 else None
        if spread is not None and SCALES[criterion.scale].scored:
            spreads.append(bounded(spread))
        criteria.append(
            CriterionResult(
                domain=domain_code,
                code=criterion.code,
                scale=criterion.scale,
                weight=criterion.weight,
                required=criterion.required,
                is_gate=criterion.is_gate,
                reverse_scored=criterion.reverse_scored,
                value=value,
                unknown=unknown,
                normalised=s,
                evidence_level=evidence,
                min_evidence_level=criterion.min_evidence_level,
                evidence_shortfall=shortfall,
                gate_passed=gate_passed,
                assessor_values=values,
                spread=None if spread is None else bounded(spread),
            )
        )

    engagement_results = [
        engagement_rule(rule, engagement)
        for rule in definition.engagement_rules
        if rule.gate == context.gate
    ]
    failed += [
        FailedGate(criterion=result.rule, reason=result.reason)
        for result in engagement_results
        if not result.passed
    ]

    domain_scores, overall = aggregate(definition, applicable, scores)
    domain_results = [
        DomainResult(
            code=domain.code,
            label=domain.label,
            weight=domain.weight,
            score=dict(domain_scores)[domain.code],
            rated=sum(1 for d, c in applicable if d == domain.code and c.code in rated),
            applicable=sum(1 for d, _ in applicable if d == domain.code),
        )
        for domain in definition.domains
    ]

    assessor_overall: dict[str, float | None] = {}
    for assessor in assessors:
        mine = {
            code: criterion_score(by_code[code][1], r.value, r.unknown)
            for code, r in own[assessor].items()
        }
        assessor_overall[assessor] = aggregate(definition, applicable, mine)[1]
    known_overall = [v for v in assessor_overall.values() if v is not None]

    coverage = _coverage(definition, applicable, rated)
    evidence_component = statistics.fmean(evidence_levels) if evidence_levels else 0.0
    measured = sum(1 for v in known_overall) >= 2 and bool(spreads)
    agreement = (1.0 - statistics.fmean(spreads)) if measured else None
    components = [coverage, evidence_component] + ([agreement] if agreement is not None else [])
    level = _level(min(components), policy)
    reasons: list[str] = []
    if agreement is None and level is Confidence.high:
        level = Confidence.medium
        reasons.append(
            "Agreement cannot be measured with fewer than two assessors: "
            "confidence capped at medium."
        )

    recommendation = _recommend(
        overall=overall,
        coverage=coverage,
        confidence=level,
        failed=failed,
        policy=policy,
        context=context,
        reasons=reasons,
    )
    return ScoreResult(
        overall=overall,
        domains=domain_results,
        criteria=criteria,
        not_applicable=not_applicable,
        assessor_overall=assessor_overall,
        range_min=min(known_overall) if known_overall else None,
        range_max=max(known_overall) if known_overall else None,
        confidence=ConfidenceResult(
            coverage=coverage, evidence=evidence_component, agreement=agreement, level=level
        ),
        failed_gates=failed,
        engagement_rules=engagement_results,
        recommendation=recommendation,
        reasons=reasons,
        complexity=complexity_profile(complexity or {}),
        policy=policy,
    )


def engagement_rule(
    rule: EngagementRule, snapshot: Mapping[str, Any] | None
) -> EngagementRuleResult:
    """Check one engagement rule against an assessment's snapshot (None: the assessment was
    opened before snapshots were taken, so there is no evidence either)."""

    def result(passed: bool, reason: str, found: str | None = None) -> EngagementRuleResult:
        return EngagementRuleResult(
            rule=rule.name, level=rule.level, found=found, passed=passed, reason=reason
        )

    if snapshot is None or snapshot.get("status") != "captured":
        why = (snapshot or {}).get("reason") or "no snapshot was taken"
        return result(False, f"engagement evidence missing ({why})")
    contributors = snapshot.get("evidence", {}).get("public_contributors", {})
    found = contributors.get("highest_level")
    if found is None:
        return result(
            False, f"no public contributor is assessed on the project; needs {rule.level}"
        )
    if IAP2_ORDER.index(Iap2Level(found)) < IAP2_ORDER.index(rule.level):
        return result(
            False, f"the highest public contributor level is {found}; needs {rule.level}", found
        )
    return result(True, f"a public contributor is at {found} (needs {rule.level})", found)


def _own_value(rating: RatingInput | None) -> RatingValue | None:
    if rating is None or rating.unknown:
        return None
    return rating.value


def _recommend(
    *,
    overall: float | None,
    coverage: float,
    confidence: Confidence,
    failed: Sequence[FailedGate],
    policy: ScoringPolicy,
    context: AssessmentContext,
    reasons: list[str],
) -> Outcome:
    if failed:
        names = ", ".join(gate.criterion for gate in failed)
        if overall is not None and overall >= policy.adapt_threshold:
            reasons.append(
                f"Gate(s) failed ({names}); the score reaches the adapt threshold: adapt."
            )
            return Outcome.adapt
        reasons.append(
            f"Gate(s) failed ({names}) and the score is below the adapt threshold: stop."
        )
        return Outcome.stop
    if overall is None:
        reasons.append("No criterion has a score: pause until the panel can rate.")
        return Outcome.pause
    if overall >= policy.proceed_threshold:
        if confidence is not Confidence.low and coverage >= policy.min_coverage:
            proceed = policy.proceed_outcome_by_gate.get(context.gate, Outcome.proceed)
            reasons.append(
                f"Overall {overall:.2f} reaches the proceed threshold "
                f"{policy.proceed_threshold:.2f} with {confidence} confidence: {proceed}."
            )
            return proceed
        reasons.append(
            f"Overall {overall:.2f} reaches the proceed threshold, but confidence is {confidence} "
            f"and coverage {coverage:.2f} (minimum {policy.min_coverage:.2f})."
        )
    if overall >= policy.adapt_threshold:
        if confidence is Confidence.low:
            reasons.append(f"Overall {overall:.2f} with low confidence: adapt.")
            return Outcome.adapt
        reasons.append(
            f"Overall {overall:.2f} is between the adapt and proceed thresholds: proceed with "
            "conditions."
        )
        return Outcome.proceed_with_conditions
    reasons.append(
        f"Overall {overall:.2f} is below the adapt threshold {policy.adapt_threshold:.2f}: stop."
    )
    return Outcome.stop
