"""What a framework template says: domains, criteria, scales, weights, gates, applicability and
the scoring policy. One pydantic document, stored with the template version, imported and
exported as is, and read by the scoring engine. Pure: no I/O.

Shape errors are pydantic's (FastAPI turns them into pointer errors); rules that span fields
(unique codes, a gate rule that fits its scale, bands that do not overlap) are checked by
`definition_errors`, which also answers with JSON pointers.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from assessment_service.frameworks.scales import (
    SCALES,
    NumericBand,
    RatingValue,
    ScaleError,
    ScaleType,
    check_value,
    position,
)
from shared.types import Bool, ColumnRange, Float, InputModel, Int32, NotBlank

Code = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,79}$", min_length=1, max_length=80)
]
SourceRef = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9_]+(:[a-z0-9_.-]+)?$", max_length=120)
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NotBlank()
]
# Nesta standards of evidence, 1-5 (bounds on an optional field go inside the union).
EvidenceLevel = Annotated[Int32, ColumnRange(1, 5)]
Fraction = Annotated[Float, Field(ge=0.0, le=1.0)]
Weight = Annotated[Float, Field(ge=0.0, le=1000.0)]


class Gate(StrEnum):
    """Governance gates G0-G5, each aligned with a business-case stage (DOMAIN.md, G)."""

    g0_triage = "g0_triage"
    g1_scoping = "g1_scoping"
    g2_pilot_approval = "g2_pilot_approval"
    g3_post_pilot_review = "g3_post_pilot_review"
    g4_scale_or_adopt = "g4_scale_or_adopt"
    g5_sustainability_review = "g5_sustainability_review"


class Outcome(StrEnum):
    """Decision outcomes (DOMAIN.md, D); also the engine's recommendations."""

    proceed = "proceed"
    proceed_with_conditions = "proceed_with_conditions"
    adapt = "adapt"
    pause = "pause"
    stop = "stop"
    scale = "scale"
    adopt = "adopt"


class EsfTier(StrEnum):
    a = "a"
    b = "b"
    c = "c"


class Model(InputModel):
    """A request body (or a part of one) of this module."""


class Band(Model):
    """A numeric band: `min` inclusive, `max` exclusive; null means open-ended."""

    min: Float | None = None
    max: Float | None = None
    score: Fraction = Field(description="Normalised score (0-1) of a value in this band.")
    label: str = Field("", max_length=200)

    def numeric(self) -> NumericBand:
        return NumericBand(score=self.score, min=self.min, max=self.max, label=self.label)


class Applicability(Model):
    """When a criterion (or template) applies; every condition given must hold."""

    is_digital: Bool | None = Field(
        None, description="Only for digital (true) or non-digital (false) projects."
    )
    gates: list[Gate] | None = Field(None, description="Only at these gates.")
    esf_tiers: list[EsfTier] | None = Field(None, description="Only for these NICE ESF tiers.")

    def holds(self, context: AssessmentContext) -> bool:
        if self.is_digital is not None and context.is_digital is not self.is_digital:
            return False
        if self.gates is not None and context.gate not in self.gates:
            return False
        return self.esf_tiers is None or context.esf_tier in self.esf_tiers


@dataclass(frozen=True)
class AssessmentContext:
    """What applicability is judged against: the assessment's gate and project snapshot."""

    gate: Gate
    is_digital: bool
    esf_tier: EsfTier | None = None


class EvidenceSource(StrEnum):
    """A snapshot an assessment takes when it is opened, which a criterion can ask for."""

    engagement = "engagement"


class Iap2Level(StrEnum):
    """IAP2 spectrum of public participation, lowest first (the order is the comparison)."""

    inform = "inform"
    consult = "consult"
    involve = "involve"
    collaborate = "collaborate"
    empower = "empower"


IAP2_ORDER: tuple[Iap2Level, ...] = tuple(Iap2Level)


class EngagementRule(Model):
    """A gate rule over the engagement evidence: `public_contributor_at_least` holds when a
    public contributor's current IAP2 level on the project is `level` or above."""

    gate: Gate = Field(description="The gate the rule is checked at.")
    rule: Literal["public_contributor_at_least"]
    level: Iap2Level

    @property
    def name(self) -> str:
        return f"engagement:{self.rule}:{self.level}"


class Criterion(Model):
    code: Code
    question: Label
    guidance: Text = ""
    scale: ScaleType
    unit: str | None = Field(
        None, max_length=60, description="Numeric scales: e.g. `tco2e_per_year`."
    )
    bands: list[Band] = Field(default_factory=list, max_length=20)
    weight: Weight = 1.0
    required: Bool = True
    is_gate: Bool = False
    gate_rule: str | None = Field(
        None,
        max_length=200,
        description="`must_equal:<value>`, `min:<n>`, `max:<n>` or `one_of:<a>|<b>`.",
    )
    min_evidence_level: EvidenceLevel | None = None
    applies_if: Applicability | None = None
    reverse_scored: Bool = Field(False, description="Higher raw value means a worse score.")
    source_refs: list[SourceRef] = Field(default_factory=list, max_length=20)
    evidence: list[EvidenceSource] = Field(
        default_factory=list,
        max_length=1,
        description="Snapshots attached to this criterion as evidence: `engagement` (the "
        "project's engagement evidence taken when the assessment was opened).",
    )

    def numeric_bands(self) -> list[NumericBand]:
        return [band.numeric() for band in self.bands]

    def applies(self, context: AssessmentContext) -> bool:
        return self.applies_if is None or self.applies_if.holds(context)


class Domain(Model):
    code: Code
    label: Label
    description: Text = ""
    weight: Weight = 1.0
    source_refs: list[SourceRef] = Field(default_factory=list, max_length=30)
    criteria: list[Criterion] = Field(default_factory=list, max_length=200)


def _default_gate_outcomes() -> dict[Gate, Outcome]:
    return {Gate.g4_scale_or_adopt: Outcome.scale, Gate.g5_sustainability_review: Outcome.adopt}


class ScoringPolicy(Model):
    aggregation: Literal["weighted_mean"] = "weighted_mean"
    proceed_threshold: Fraction = 0.7
    adapt_threshold: Fraction = 0.5
    min_coverage: Fraction = Field(0.7, description="Below it, the score cannot recommend proceed.")
    min_assessors: Int32 = Field(2, ge=1, le=50)
    confidence_high: Fraction = 0.75
    confidence_medium: Fraction = 0.5
    proceed_outcome_by_gate: dict[Gate, Outcome] = Field(
        default_factory=_default_gate_outcomes,
        description="What `proceed` means at a gate (scale or adopt at G4/G5).",
    )


class TemplateDefinition(Model):
    """The scoring content of a template version."""

    applies_to: Applicability = Field(default_factory=Applicability)
    gates_used: list[Gate] = Field(default_factory=lambda: list(Gate))
    scoring_policy: ScoringPolicy = Field(default_factory=ScoringPolicy)
    domains: list[Domain] = Field(default_factory=list, max_length=50)
    engagement_rules: list[EngagementRule] = Field(
        default_factory=list,
        max_length=10,
        description="Gate rules over the engagement evidence; a failed one is a failed gate.",
    )

    def criteria(self) -> Iterator[tuple[Domain, Criterion]]:
        for domain in self.domains:
            for criterion in domain.criteria:
                yield domain, criterion

    def criterion(self, code: str) -> Criterion | None:
        return next((c for _, c in self.criteria() if c.code == code), None)


# -- gate rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateRule:
    kind: Literal["must_equal", "min", "max", "one_of"]
    values: tuple[RatingValue, ...]

    def passes(self, scale: ScaleType, value: RatingValue) -> bool:
        if self.kind == "must_equal":
            return value == self.values[0]
        if self.kind == "one_of":
            return value in self.values
        here, bound = position(scale, value), position(scale, self.values[0])
        return here >= bound if self.kind == "min" else here <= bound


_RULE = re.compile(r"^(must_equal|min|max|one_of):(.+)$")


def parse_gate_rule(rule: str, criterion: Criterion) -> GateRule:
    """Parse and check a rule against the criterion's scale; `ValueError` says what is wrong."""
    match = _RULE.match(rule.strip())
    if match is None:
        raise ValueError("Use must_equal:<value>, min:<n>, max:<n> or one_of:<a>|<b>.")
    kind, raw = match.group(1), match.group(2)
    scale = SCALES[criterion.scale]
    raws = raw.split("|") if kind == "one_of" else [raw]
    values: list[RatingValue] = []
    for item in raws:
        candidate: RatingValue = item.strip()
        if scale.is_integer or criterion.scale is ScaleType.numeric:
            try:
                candidate = float(item)
            except ValueError as exc:
                raise ValueError(f"{item!r} is not a number on scale {criterion.scale}.") from exc
            if criterion.scale is not ScaleType.numeric and candidate.is_integer():
                candidate = int(candidate)
        try:
            values.append(check_value(criterion.scale, candidate, bands=criterion.numeric_bands()))
        except ScaleError as exc:
            raise ValueError(f"The rule's value: {exc}") from exc
    if kind in ("min", "max") and scale.categories and criterion.scale is ScaleType.pass_fail:
        raise ValueError("pass_fail gates use must_equal:pass.")
    return GateRule(kind=kind, values=tuple(values))  # type: ignore[arg-type]


# -- cross-field validation ----------------------------------------------------------------------


@dataclass(frozen=True)
class DefinitionError:
    pointer: str
    detail: str


def definition_errors(
    definition: TemplateDefinition,
    *,
    known_sources: Collection[str] | None = None,
    prefix: str = "",
) -> list[DefinitionError]:
    """Every rule the document breaks, with pointers relative to `prefix` (e.g. `` for a body)."""
    errors: list[DefinitionError] = []

    def add(pointer: str, detail: str) -> None:
        errors.append(DefinitionError(prefix + pointer, detail))

    policy = definition.scoring_policy
    if policy.adapt_threshold > policy.proceed_threshold:
        add("/scoring_policy/adapt_threshold", "Must not exceed proceed_threshold.")
    if policy.confidence_medium > policy.confidence_high:
        add("/scoring_policy/confidence_medium", "Must not exceed confidence_high.")
    if len(set(definition.gates_used)) != len(definition.gates_used):
        add("/gates_used", "Lists a gate twice.")
    seen_rules: set[str] = set()
    for index, engagement_rule in enumerate(definition.engagement_rules):
        if engagement_rule.gate not in definition.gates_used:
            add(f"/engagement_rules/{index}/gate", "The template is not used at this gate.")
        key = f"{engagement_rule.gate}:{engagement_rule.name}"
        if key in seen_rules:
            add(f"/engagement_rules/{index}", "States the same rule twice at this gate.")
        seen_rules.add(key)

    def check_refs(pointer: str, refs: list[str]) -> None:
        if known_sources is None:
            return
        for index, ref in enumerate(refs):
            if ref not in known_sources:
                add(f"{pointer}/{index}", f"Unknown framework source reference {ref!r}.")

    domain_codes: set[str] = set()
    criterion_codes: set[str] = set()
    for d_index, domain in enumerate(definition.domains):
        base = f"/domains/{d_index}"
        if domain.code in domain_codes:
            add(f"{base}/code", f"Domain code {domain.code!r} is used twice.")
        domain_codes.add(domain.code)
        check_refs(f"{base}/source_refs", domain.source_refs)
        for c_index, criterion in enumerate(domain.criteria):
            errors.extend(_criterion_errors(criterion, f"{prefix}{base}/criteria/{c_index}"))
            if criterion.code in criterion_codes:
                add(
                    f"{base}/criteria/{c_index}/code",
                    f"Criterion code {criterion.code!r} is used twice.",
                )
            criterion_codes.add(criterion.code)
            check_refs(f"{base}/criteria/{c_index}/source_refs", criterion.source_refs)
    return errors


def _criterion_errors(criterion: Criterion, base: str) -> list[DefinitionError]:
    errors: list[DefinitionError] = []
    if criterion.scale is ScaleType.numeric:
        if not criterion.unit:
            errors.append(DefinitionError(f"{base}/unit", "Numeric criteria need a unit."))
        if not criterion.bands:
            errors.append(DefinitionError(f"{base}/bands", "Numeric criteria need score bands."))
        for index, band in enumerate(criterion.bands):
            if band.min is not None and band.max is not None and band.min >= band.max:
                errors.append(DefinitionError(f"{base}/bands/{index}", "min must be below max."))
        ordered = sorted(criterion.bands, key=lambda b: float("-inf") if b.min is None else b.min)
        for lower, upper in itertools.pairwise(ordered):
            lower_end = float("inf") if lower.max is None else lower.max
            upper_start = float("-inf") if upper.min is None else upper.min
            if upper_start < lower_end:
                errors.append(DefinitionError(f"{base}/bands", "Bands overlap."))
                break
    else:
        if criterion.bands:
            errors.append(DefinitionError(f"{base}/bands", "Only numeric criteria have bands."))
        if criterion.unit:
            errors.append(DefinitionError(f"{base}/unit", "Only numeric criteria have a unit."))
    if criterion.is_gate and not criterion.gate_rule:
        errors.append(DefinitionError(f"{base}/gate_rule", "A gate criterion needs a gate rule."))
    if criterion.gate_rule and not criterion.is_gate:
        errors.append(DefinitionError(f"{base}/is_gate", "A gate rule needs is_gate: true."))
    if criterion.gate_rule and criterion.is_gate:
        try:
            parse_gate_rule(criterion.gate_rule, criterion)
        except ValueError as exc:
            errors.append(DefinitionError(f"{base}/gate_rule", str(exc)))
    if not SCALES[criterion.scale].scored and not criterion.is_gate and criterion.weight > 0:
        # pass/fail and ESF tiers carry no score: a weight would silently do nothing.
        errors.append(
            DefinitionError(f"{base}/weight", f"Scale {criterion.scale} is not scored; use 0.")
        )
    return errors


def activation_errors(definition: TemplateDefinition) -> list[DefinitionError]:
    """What a template must have before assessments may use it."""
    errors: list[DefinitionError] = []
    if not definition.domains:
        return [DefinitionError("/domains", "A usable template has at least one domain.")]
    for index, domain in enumerate(definition.domains):
        if not domain.criteria:
            errors.append(DefinitionError(f"/domains/{index}/criteria", "The domain is empty."))
    if not any(domain.weight > 0 for domain in definition.domains):
        errors.append(DefinitionError("/domains", "At least one domain needs a weight above 0."))
    if not definition.gates_used:
        errors.append(DefinitionError("/gates_used", "List the gates this template serves."))
    return errors
