"""The scoring engine's vocabulary: its inputs (ratings, consensus) and the result it returns,
the enumerations both use, and the NASSS complexity profile (a risk flag beside the score)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from assessment_service.frameworks.definition import Outcome, ScoringPolicy
from assessment_service.frameworks.scales import RatingValue


class Confidence(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class ComplexityRating(StrEnum):
    simple = "simple"
    complicated = "complicated"
    complex = "complex"


class NasssDomain(StrEnum):
    """The seven NASSS domains (Greenhalgh et al.)."""

    condition = "condition"
    technology = "technology"
    value_proposition = "value_proposition"
    adopter_system = "adopter_system"
    organisation = "organisation"
    wider_system = "wider_system"
    embedding_over_time = "embedding_over_time"


# -- inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingInput:
    assessor: str
    criterion: str
    value: RatingValue | None
    unknown: bool = False
    evidence_level: int | None = None


@dataclass(frozen=True)
class ConsensusInput:
    criterion: str
    value: RatingValue | None
    unknown: bool = False
    evidence_level: int | None = None


# -- outputs -------------------------------------------------------------------------------------


class CriterionResult(BaseModel):
    domain: str
    code: str
    scale: str
    weight: float
    required: bool
    is_gate: bool
    reverse_scored: bool
    value: RatingValue | None = Field(description="The consensus value used.")
    unknown: bool
    normalised: float | None = Field(description="s_i in 0-1; null when unknown or unscored.")
    evidence_level: int | None
    min_evidence_level: int | None
    evidence_shortfall: bool
    gate_passed: bool | None
    assessor_values: dict[str, RatingValue | None] = Field(
        description="Each assessor's own value (null: unknown)."
    )
    spread: float | None = Field(description="Max minus min of the assessors' positions, 0-1.")


class DomainResult(BaseModel):
    code: str
    label: str
    weight: float
    score: float | None
    rated: int
    applicable: int


class FailedGate(BaseModel):
    criterion: str
    reason: str


class EngagementRuleResult(BaseModel):
    """One of the template's `engagement_rules` checked at this gate against the assessment's
    engagement evidence snapshot."""

    rule: str = Field(description="`engagement:<rule>:<level>`, as in `failed_gates`.")
    level: str
    found: str | None = Field(description="The highest public contributor level in the snapshot.")
    passed: bool
    reason: str


class ConfidenceResult(BaseModel):
    coverage: float
    evidence: float
    agreement: float | None = Field(description="Null with fewer than two assessors.")
    level: Confidence


class ComplexityProfile(BaseModel):
    ratings: dict[str, str]
    complex_count: int
    risk: Confidence = Field(description="Risk flag: low (no complex domain) to high (3 or more).")


class ScoreResult(BaseModel):
    overall: float | None
    domains: list[DomainResult]
    criteria: list[CriterionResult]
    not_applicable: list[str] = Field(description="Criteria whose applicability did not hold.")
    assessor_overall: dict[str, float | None]
    range_min: float | None
    range_max: float | None
    confidence: ConfidenceResult
    failed_gates: list[FailedGate]
    # Older stored results have none: the default keeps them readable.
    engagement_rules: list[EngagementRuleResult] = Field(default_factory=list)
    recommendation: Outcome
    reasons: list[str]
    complexity: ComplexityProfile | None
    policy: ScoringPolicy


def complexity_profile(ratings: dict[str, str]) -> ComplexityProfile | None:
    if not ratings:
        return None
    complex_count = sum(1 for rating in ratings.values() if rating == ComplexityRating.complex)
    risk = (
        Confidence.high
        if complex_count >= 3
        else Confidence.medium
        if complex_count >= 1
        else Confidence.low
    )
    return ComplexityProfile(ratings=dict(ratings), complex_count=complex_count, risk=risk)
