"""`make demo`, the panel's ratings: a value for every criterion an assessment asks about, made
from one quality level, so a gate case says "a strong case" and not twenty numbers.

Pure functions over a template as the API returns it (`GET /frameworks/{id}`): which criteria
apply (the template's own `applies_if`), and each assessor's value on the criterion's scale. The
second and third assessors see some criteria a notch higher or lower (chosen by the criterion's
code, so every run rates alike), which gives moderation a spread and, on a larger panel, outliers.
"""

from __future__ import annotations

import hashlib
from typing import Any

Json = dict[str, Any]
RatingValue = int | float | str

# Quality levels that make the engine recommend what a case asks for, on either shipped template
# (tests/test_demo_cases.py checks every case against the scoring engine).
LEVELS = {
    "proceed": 0.85,
    "scale": 0.85,
    "adopt": 0.85,
    "proceed_with_conditions": 0.55,
    "adapt": 0.55,  # with thin evidence (level 1): low confidence turns conditions into adapt
    "stop": 0.25,
}
THIN_EVIDENCE = 1
USUAL_EVIDENCE = 3
GOOD_EVIDENCE = 4  # a case strong enough to proceed also has the better evidence behind it


def applies(criterion: Json, *, gate: str, is_digital: bool, esf_tier: str | None) -> bool:
    """The template's `applies_if`, read the way the assessment service reads it."""
    rule = criterion.get("applies_if") or {}
    if rule.get("is_digital") is not None and rule["is_digital"] is not is_digital:
        return False
    if rule.get("gates") and gate not in rule["gates"]:
        return False
    return not (rule.get("esf_tiers") and esf_tier not in rule["esf_tiers"])


def criteria(template: Json, *, gate: str, is_digital: bool, esf_tier: str | None) -> list[Json]:
    return [
        c
        for domain in template["domains"]
        for c in domain["criteria"]
        if applies(c, gate=gate, is_digital=is_digital, esf_tier=esf_tier)
    ]


def _byte(text: str) -> int:
    return hashlib.sha256(text.encode()).digest()[0]


def _nudge(code: str, assessor: int) -> float:
    """How far this assessor's view of the criterion sits from the case's level: a spread of
    -0.2 to +0.2 over the criteria (the same for every assessor, so the mean follows the level
    rather than the scales' rounding), and for the second and later assessors -0.25, 0 or
    +0.25 more, by the criterion's code."""
    spread = (_byte(code) % 5 - 2) * 0.1
    if assessor == 0:
        return spread
    return spread + (_byte(f"{code}:{assessor}") % 3 - 1) * 0.25


def value(criterion: Json, level: float, *, esf_tier: str | None, gates_pass: bool) -> RatingValue:
    """The value on the criterion's scale for a quality `level` between 0 and 1."""
    q = min(1.0, max(0.0, level))
    scale = criterion["scale"]
    if criterion.get("reverse_scored"):
        q = 1.0 - q
    if scale == "ordinal_0_4":
        return round(q * 4)
    if scale in ("likert_1_5", "evidence_level_1_5"):
        return 1 + round(q * 4)
    if scale == "valence_m2_p2":
        return round(q * 4) - 2
    if scale == "complexity_3":
        return "simple" if q > 0.66 else "complicated" if q > 0.33 else "complex"
    if scale == "met_3":
        return "met" if q > 0.7 else "partly" if q > 0.35 else "not_met"
    if scale == "pass_fail":
        return "pass" if gates_pass else "fail"
    if scale == "esf_tier":
        return esf_tier or "b"
    # numeric: the midpoint of the band the level falls in (bands are ordered by score)
    bands = sorted(criterion.get("bands") or [], key=lambda band: band["score"])
    if not bands:
        return 0
    band = min(bands, key=lambda b: abs(b["score"] - q))
    low, high = band.get("min"), band.get("max")
    if low is None:
        return float(high) - 1
    if high is None:
        return float(low) + 1
    return (float(low) + float(high)) / 2


def panel_ratings(
    template: Json,
    *,
    gate: str,
    is_digital: bool,
    esf_tier: str | None,
    outcome: str,
    assessors: int,
    gates_pass: bool = True,
) -> list[dict[str, Json]]:
    """Per assessor: criterion code → the rating body to PUT (value, evidence, rationale)."""
    level = LEVELS[outcome]
    evidence = {"adapt": THIN_EVIDENCE, "proceed_with_conditions": USUAL_EVIDENCE}.get(
        outcome, GOOD_EVIDENCE if level > 0.5 else USUAL_EVIDENCE
    )
    panel = []
    for assessor in range(assessors):
        bodies = {}
        for criterion in criteria(template, gate=gate, is_digital=is_digital, esf_tier=esf_tier):
            if not criterion["required"]:
                continue  # left unrated (the engine counts it unknown): fewer requests
            rated = value(
                criterion,
                level + _nudge(criterion["code"], assessor),
                esf_tier=esf_tier,
                gates_pass=gates_pass,
            )
            bodies[criterion["code"]] = {
                "value": rated,
                "evidence_level": evidence,
                "rationale": "From the gate paper, local data and the project's journals.",
            }
        panel.append(bodies)
    return panel
