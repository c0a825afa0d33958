"""The NASSS complexity template (Greenhalgh et al.): the seven domains rated simple,
complicated or complex."""

from __future__ import annotations

from assessment_service.frameworks.defaults.parts import Json, criterion

NASSS_NAME = "NASSS complexity"

_NASSS_DOMAINS = [
    (
        "condition",
        "Condition or illness",
        "How complex is the condition (comorbidity, socio-cultural factors)?",
    ),
    (
        "technology",
        "Technology",
        "How complex is the technology (maturity, dependability, supply)?",
    ),
    (
        "value_proposition",
        "Value proposition",
        "How clear and agreed is the value to developer and adopters?",
    ),
    (
        "adopter_system",
        "Adopter system",
        "How much change does it ask of staff, patients and carers?",
    ),
    ("organisation", "Organisation(s)", "How ready and able are the organisations to adopt it?"),
    (
        "wider_system",
        "Wider system",
        "How complex are the regulatory, policy and professional contexts?",
    ),
    (
        "embedding_over_time",
        "Embedding and adaptation over time",
        "How much must it adapt to be sustained?",
    ),
]

NASSS: Json = {
    "format": "cmdi-framework-template/1",
    "name": NASSS_NAME,
    "semver": "1.0.0",
    "description": "NASSS complexity assessment (Greenhalgh et al.): each of the seven domains "
    "rated simple, complicated or complex. Simple scores 1, complex 0: a low score is a high "
    "risk of non-adoption or abandonment.",
    "applies_to": {},
    "gates_used": [
        "g0_triage",
        "g1_scoping",
        "g2_pilot_approval",
        "g3_post_pilot_review",
        "g4_scale_or_adopt",
    ],
    "scoring_policy": {"proceed_threshold": 0.6, "adapt_threshold": 0.35, "min_assessors": 1},
    "domains": [
        {
            "code": code,
            "label": label,
            "weight": 1.0,
            "source_refs": [f"nasss:{code}"],
            "criteria": [
                criterion(
                    f"nasss_{code}",
                    question,
                    "complexity_3",
                    guidance="Simple: straightforward, predictable, few components. Complicated: "
                    "multiple interacting components, but predictable. Complex: dynamic, "
                    "unpredictable, not easily disaggregated.",
                    source_refs=[f"nasss:{code}"],
                )
            ],
        }
        for code, label, question in _NASSS_DOMAINS
    ],
}
