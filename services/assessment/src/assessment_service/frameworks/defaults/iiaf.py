"""The default CMDI IIAF template: nine domains assembled from published frameworks, DTAC
sections 1-4 as gates for digital projects from pilot approval on. One import document."""

from __future__ import annotations

from assessment_service.frameworks.defaults.parts import Json, criterion

IIAF_NAME = "CMDI IIAF"
_LATER_GATES = [
    "g2_pilot_approval",
    "g3_post_pilot_review",
    "g4_scale_or_adopt",
    "g5_sustainability_review",
]
_POST_PILOT = ["g3_post_pilot_review", "g4_scale_or_adopt", "g5_sustainability_review"]


def _dtac_gate(code: str, area: str) -> Json:
    return criterion(
        f"dtac_{code}",
        f"DTAC {area}: has the technology passed this section?",
        "pass_fail",
        guidance="Assessed from the supplier's DTAC submission and the Trust's review of it.",
        weight=0,
        is_gate=True,
        gate_rule="must_equal:pass",
        applies_if={"is_digital": True, "gates": _LATER_GATES},
        source_refs=[f"dtac:{code}"],
    )


IIAF: Json = {
    "format": "cmdi-framework-template/1",
    "name": IIAF_NAME,
    "semver": "1.0.0",
    "description": "Innovation Impact Assessment Framework, default pilot version: nine domains "
    "assembled from published frameworks, DTAC sections 1-4 as gates for digital projects "
    "from pilot approval on. The NASSS complexity profile is recorded beside the score.",
    "applies_to": {},
    "gates_used": [
        "g0_triage",
        "g1_scoping",
        "g2_pilot_approval",
        "g3_post_pilot_review",
        "g4_scale_or_adopt",
        "g5_sustainability_review",
    ],
    "scoring_policy": {
        "aggregation": "weighted_mean",
        "proceed_threshold": 0.7,
        "adapt_threshold": 0.5,
        "min_coverage": 0.7,
        "min_assessors": 2,
        "confidence_high": 0.75,
        "confidence_medium": 0.5,
        "proceed_outcome_by_gate": {
            "g4_scale_or_adopt": "scale",
            "g5_sustainability_review": "adopt",
        },
    },
    "domains": [
        {
            "code": "strategic_fit",
            "label": "Strategic fit and need",
            "weight": 1.0,
            "source_refs": ["five_case:strategic", "core20plus5"],
            "criteria": [
                criterion(
                    "sf_need",
                    "How clearly is the problem, and the need for our population, evidenced?",
                    "ordinal_0_4",
                    guidance="0 none; 2 anecdotal or local audit; "
                    "4 routine data and a needs analysis.",
                    source_refs=["five_case:strategic"],
                ),
                criterion(
                    "sf_priorities",
                    "How well does it fit Trust and system strategic priorities?",
                    "likert_1_5",
                    source_refs=["iiaf_local:strategic_priorities"],
                ),
                criterion(
                    "sf_core20plus5",
                    "Does it address a Core20PLUS5 population or clinical area?",
                    "met_3",
                    weight=0.5,
                    required=False,
                    source_refs=["core20plus5"],
                ),
            ],
        },
        {
            "code": "value_outcomes",
            "label": "Value and outcomes",
            "weight": 1.5,
            "source_refs": [
                "re_aim:effectiveness",
                "nasss:value_proposition",
                "five_case:economic",
            ],
            "criteria": [
                criterion(
                    "vo_effectiveness",
                    "How strong is the expected or observed effect on patient outcomes?",
                    "ordinal_0_4",
                    weight=2.0,
                    min_evidence_level=2,
                    source_refs=["re_aim:effectiveness"],
                ),
                criterion(
                    "vo_value_proposition",
                    "How clear is the value proposition for patients, staff and the system?",
                    "likert_1_5",
                    source_refs=["nasss:value_proposition"],
                ),
                criterion(
                    "vo_value_for_money",
                    "Does the economic case show value for money?",
                    "ordinal_0_4",
                    source_refs=["five_case:economic"],
                ),
            ],
        },
        {
            "code": "evidence_safety",
            "label": "Evidence and safety",
            "weight": 1.5,
            "source_refs": ["nesta_soe", "nice_esf_2022", "dtac"],
            "criteria": [
                criterion(
                    "es_evidence_level",
                    "Which Nesta standard of evidence does the innovation reach?",
                    "evidence_level_1_5",
                    source_refs=["nesta_soe"],
                ),
                criterion(
                    "es_esf_tier",
                    "NICE ESF tier of the technology (classification, not scored).",
                    "esf_tier",
                    weight=0,
                    required=False,
                    applies_if={"is_digital": True},
                    source_refs=["nice_esf_2022"],
                ),
                criterion(
                    "es_esf_standards",
                    "Are the NICE ESF standards for its tier met?",
                    "met_3",
                    applies_if={"is_digital": True},
                    source_refs=[
                        "nice_esf_2022:design_factors",
                        "nice_esf_2022:demonstrating_performance",
                    ],
                ),
                _dtac_gate("clinical_safety", "section 1, clinical safety (DCB0129/DCB0160)"),
                _dtac_gate("data_protection", "section 2, data protection"),
                _dtac_gate("technical_security", "section 3, technical assurance and security"),
                _dtac_gate("interoperability", "section 4, interoperability"),
                criterion(
                    "dtac_usability_accessibility",
                    "DTAC usability and accessibility conformity.",
                    "met_3",
                    weight=0.5,
                    applies_if={"is_digital": True, "gates": _LATER_GATES},
                    source_refs=["dtac:usability_accessibility"],
                ),
            ],
        },
        {
            "code": "reach_equity",
            "label": "Reach and equity",
            "weight": 1.0,
            "source_refs": ["re_aim:reach", "core20plus5:core20"],
            "criteria": [
                criterion(
                    "re_reach",
                    "What share of the eligible population does it reach, and how representative?",
                    "ordinal_0_4",
                    source_refs=["re_aim:reach"],
                ),
                criterion(
                    "re_core20",
                    "How well does it reach the Core20 and PLUS groups?",
                    "likert_1_5",
                    source_refs=["core20plus5:core20", "core20plus5:plus_groups"],
                ),
                criterion(
                    "re_equality_impact",
                    "Has an equality impact assessment been completed and acted on?",
                    "met_3",
                    source_refs=["iiaf_local:equality_impact"],
                ),
            ],
        },
        {
            "code": "adoption_readiness",
            "label": "Adoption and implementation readiness",
            "weight": 1.0,
            "source_refs": [
                "cfir_2022:inner_setting",
                "cfir_2022:individuals",
                "nasss:adopter_system",
                "nasss:organisation",
                "re_aim:adoption",
                "re_aim:implementation",
            ],
            "criteria": [
                criterion(
                    "ar_inner_setting",
                    "CFIR inner setting: culture, readiness and resources for it.",
                    "valence_m2_p2",
                    source_refs=["cfir_2022:inner_setting"],
                ),
                criterion(
                    "ar_individuals",
                    "CFIR individuals: champions, capability and motivation.",
                    "valence_m2_p2",
                    source_refs=["cfir_2022:individuals"],
                ),
                criterion(
                    "ar_adoption",
                    "How far have the intended staff and settings adopted it?",
                    "ordinal_0_4",
                    applies_if={"gates": _POST_PILOT},
                    source_refs=["re_aim:adoption", "nasss:adopter_system"],
                ),
                criterion(
                    "ar_fidelity",
                    "Was it implemented as intended, with adaptations recorded?",
                    "ordinal_0_4",
                    applies_if={"gates": _POST_PILOT},
                    source_refs=["re_aim:implementation"],
                ),
            ],
        },
        {
            "code": "financial_commercial",
            "label": "Financial and commercial",
            "weight": 1.0,
            "source_refs": ["five_case:financial", "five_case:commercial", "cfir_2022:innovation"],
            "criteria": [
                criterion(
                    "fc_affordability",
                    "Is it affordable, with a funding route (financial case)?",
                    "likert_1_5",
                    source_refs=["five_case:financial"],
                ),
                criterion(
                    "fc_commercial",
                    "Is there a viable commercial and procurement route?",
                    "likert_1_5",
                    required=False,
                    source_refs=["five_case:commercial"],
                ),
                criterion(
                    "fc_cost_burden",
                    "How heavy are the implementation cost and the burden on services?",
                    "likert_1_5",
                    guidance="5 = very heavy. Reverse-scored: a heavier burden lowers the score.",
                    reverse_scored=True,
                    source_refs=["cfir_2022:innovation"],
                ),
            ],
        },
        {
            "code": "sustainability_scalability",
            "label": "Sustainability and scalability",
            "weight": 1.0,
            "source_refs": [
                "nhs_sustainability_model",
                "re_aim:maintenance",
                "nasss:embedding_over_time",
            ],
            "criteria": [
                criterion(
                    "ss_sustainability_model",
                    "NHS Sustainability Model: how well placed is it across the 10 factors?",
                    "ordinal_0_4",
                    source_refs=["nhs_sustainability_model"],
                ),
                criterion(
                    "ss_maintenance",
                    "Is the effect maintained six months or more after the intervention?",
                    "ordinal_0_4",
                    applies_if={"gates": _POST_PILOT},
                    source_refs=["re_aim:maintenance"],
                ),
                criterion(
                    "ss_scalability",
                    "Could it spread to further sites or services?",
                    "likert_1_5",
                    source_refs=["nasss:embedding_over_time"],
                ),
            ],
        },
        {
            "code": "environmental",
            "label": "Environmental sustainability",
            "weight": 0.5,
            "source_refs": ["nhs_net_zero"],
            "criteria": [
                criterion(
                    "env_tco2e",
                    "Estimated change in emissions per year (negative is a reduction).",
                    "numeric",
                    unit="tco2e_per_year",
                    bands=[
                        {"max": -10, "score": 1.0, "label": "large reduction"},
                        {"min": -10, "max": -1, "score": 0.75, "label": "reduction"},
                        {"min": -1, "max": 1, "score": 0.5, "label": "neutral"},
                        {"min": 1, "max": 10, "score": 0.25, "label": "increase"},
                        {"min": 10, "score": 0.0, "label": "large increase"},
                    ],
                    source_refs=["nhs_net_zero:carbon_footprint"],
                ),
            ],
        },
        {
            "code": "involvement",
            "label": "Stakeholder and public involvement",
            "weight": 1.0,
            "source_refs": [
                "iiaf_local:iap2_spectrum",
                "iiaf_local:uk_standards_public_involvement",
            ],
            "criteria": [
                criterion(
                    "inv_iap2",
                    "IAP2 level reached with public contributors, against the level planned.",
                    "ordinal_0_4",
                    guidance="0 none; 1 inform; 2 consult; 3 involve; 4 collaborate or empower.",
                    source_refs=["iiaf_local:iap2_spectrum"],
                ),
                criterion(
                    "inv_uk_standards",
                    "Coverage of the UK Standards for Public Involvement.",
                    "met_3",
                    source_refs=["iiaf_local:uk_standards_public_involvement"],
                ),
                criterion(
                    "inv_gripp2",
                    "Is involvement reported to GRIPP2 (short form)?",
                    "met_3",
                    required=False,
                    applies_if={"gates": _POST_PILOT},
                    source_refs=["iiaf_local:gripp2"],
                ),
            ],
        },
    ],
}
