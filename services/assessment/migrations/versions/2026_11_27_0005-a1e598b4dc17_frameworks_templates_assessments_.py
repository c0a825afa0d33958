"""frameworks templates assessments decisions

Revision ID: a1e598b4dc17
Revises: 55140c90abce
Create Date: 2026-11-27 00:05:07.830727
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db
import shared.platform

revision: str = "a1e598b4dc17"
down_revision: str | None = "55140c90abce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _items(*pairs: str) -> list[dict[str, str]]:
    """`"code=Label"` pairs as source items."""
    return [dict(zip(("code", "label"), pair.split("=", 1), strict=True)) for pair in pairs]


# Reference data: the published frameworks templates cite (DOMAIN.md A2.1). Frozen here, as
# migrations must be; a revised edition of a source is a new migration.
framework_source = sa.table(
    "framework_source",
    sa.column("code", sa.String),
    sa.column("title", sa.String),
    sa.column("citation_url", sa.String),
    sa.column("scale", sa.Text),
    sa.column("structure_note", sa.Text),
    sa.column("items", shared.db.JSONDocument),
)
FRAMEWORK_SOURCES: list[dict[str, object]] = [
    {
        "code": "nasss",
        "title": "NASSS framework: non-adoption, abandonment, scale-up, spread and sustainability "
        "(Greenhalgh et al. 2017/2018)",
        "citation_url": "http://doi.org/10.1186/s12916-018-1050-6",
        "scale": "Each domain is rated simple / complicated / complex.",
        "structure_note": "7 domains; NASSS-CAT tools exist in long, project and short versions.",
        "items": _items(
            "condition=Condition or illness",
            "technology=Technology",
            "value_proposition=Value proposition",
            "adopter_system=Adopter system (staff, patients, carers)",
            "organisation=Organisation(s)",
            "wider_system=Wider (institutional and societal) system",
            "embedding_over_time=Embedding and adaptation over time",
        ),
    },
    {
        "code": "re_aim",
        "title": "RE-AIM framework",
        "citation_url": "https://implementationscience.biomedcentral.com/articles/10.1186/s13012-019-0928-9/tables/9",
        "scale": "Counts, proportions and representativeness.",
        "structure_note": "5 dimensions; maintenance is at least 6 months after the last "
        "intervention contact at individual level.",
        "items": _items(
            "reach=Reach",
            "effectiveness=Effectiveness",
            "adoption=Adoption",
            "implementation=Implementation",
            "maintenance=Maintenance",
        ),
    },
    {
        "code": "cfir_2022",
        "title": "Updated Consolidated Framework for Implementation Research (CFIR 2022)",
        "citation_url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC9617234",
        "scale": "Construct ratings from -2 to +2, 0 for neutral or mixed, and missing.",
        "structure_note": "5 domains; 48 constructs and 19 subconstructs.",
        "items": _items(
            "innovation=Innovation",
            "outer_setting=Outer setting",
            "inner_setting=Inner setting",
            "individuals=Individuals",
            "implementation_process=Implementation process",
        ),
    },
    {
        "code": "nice_esf_2022",
        "title": "NICE evidence standards framework for digital health technologies (2022)",
        "citation_url": "https://nice.org.uk/corporate/ecd7/chapter/section-c-evidence-standards-tables",
        "scale": "Each standard applies to certain tiers; met / partly met / not met.",
        "structure_note": "Tiers A, B, C; 21 standards in 5 groups: design factors (9), "
        "describing value (4), demonstrating performance (3), delivering value (2), "
        "deployment considerations (3).",
        "items": _items(
            "tier_a=Tier A: system efficiency (releasing cost or staff time)",
            "tier_b=Tier B: helping people manage their own health and wellness",
            "tier_c=Tier C: treats or diagnoses, guides care, direct health outcomes, or is a "
            "medical device / IVD",
            "design_factors=Design factors (9 standards)",
            "describing_value=Describing value (4 standards)",
            "demonstrating_performance=Demonstrating performance (3 standards)",
            "delivering_value=Delivering value (2 standards)",
            "deployment_considerations=Deployment considerations (3 standards)",
        ),
    },
    {
        "code": "dtac",
        "title": "Digital Technology Assessment Criteria (DTAC), NHS",
        "citation_url": "https://transform.england.nhs.uk/key-tools-and-info/digital-technology-assessment-criteria-dtac/",
        "scale": "Sections 1-4 pass / fail; usability and accessibility a separate conformity rating.",
        "structure_note": "5 core areas; context sections: company information and value "
        "proposition.",
        "items": _items(
            "clinical_safety=Clinical safety",
            "data_protection=Data protection",
            "technical_security=Technical assurance and security",
            "interoperability=Interoperability",
            "usability_accessibility=Usability and accessibility",
        ),
    },
    {
        "code": "five_case",
        "title": "HM Treasury Green Book five case model",
        "citation_url": "https://www.transport.gov.scot/publication/guidance-on-the-development-of-business-cases-march-2016/4-the-five-case-model/",
        "scale": "Business case matures SOC -> OBC -> FBC; stages 0 (strategic assessment) to 5 "
        "(evaluation and feedback).",
        "structure_note": "5 cases.",
        "items": _items(
            "strategic=Strategic case",
            "economic=Economic case",
            "commercial=Commercial case",
            "financial=Financial case",
            "management=Management case",
        ),
    },
    {
        "code": "mast",
        "title": "Model for ASsessment of Telemedicine (MAST)",
        "citation_url": "https://joinup.ec.europa.eu/collection/ehealth/document/eu-mast-manual",
        "scale": "Descriptive; no score.",
        "structure_note": "Preceding considerations; 7 domains; transferability.",
        "items": _items(
            "preceding_considerations=Preceding considerations",
            "health_problem_and_application=Health problem and characteristics of the application",
            "safety=Safety",
            "clinical_effectiveness=Clinical effectiveness",
            "patient_perspectives=Patient perspectives",
            "economic=Economic aspects",
            "organisational=Organisational aspects",
            "socio_cultural_ethical_legal=Socio-cultural, ethical and legal aspects",
            "transferability=Transferability",
        ),
    },
    {
        "code": "nhs_sustainability_model",
        "title": "NHS Sustainability Model (NHS Institute for Innovation and Improvement)",
        "citation_url": "https://implementationscience.biomedcentral.com/articles/10.1186/1748-5908-8-127/tables/1",
        "scale": "Weighted master score and bar chart; team diversity of opinion tracked over time.",
        "structure_note": "10 factors in 3 areas: process (4), staff (4), organisation (2).",
        "items": _items(
            "benefits_beyond_helping_patients=Process: benefits beyond helping patients",
            "credibility_of_benefits=Process: credibility of the benefits",
            "adaptability=Process: adaptability of the improved process",
            "monitoring_progress=Process: effectiveness of the system to monitor progress",
            "staff_involvement_and_training=Staff: involvement and training to sustain the process",
            "staff_attitudes_and_behaviours=Staff: attitudes and behaviours towards sustaining",
            "senior_leadership=Staff: senior leadership engagement",
            "clinical_leadership=Staff: clinical leadership engagement",
            "fit_with_aims_and_culture=Organisation: fit with the organisation's aims and culture",
            "infrastructure=Organisation: infrastructure for sustainability",
        ),
    },
    {
        "code": "core20plus5",
        "title": "Core20PLUS5 (NHS England healthcare inequalities improvement programme)",
        "citation_url": "https://www.england.nhs.uk/about/equality/equality-hub/national-healthcare-inequalities-improvement-programme/core20plus5/",
        "scale": "Alignment tags plus targets (e.g. 75% of cancers diagnosed at stage 1 or 2 by "
        "2028; annual health checks for 60% of people with SMI).",
        "structure_note": "Core20 = most deprived 20% by national IMD; PLUS = locally chosen "
        "groups; 5 adult clinical areas.",
        "items": _items(
            "core20=Core20: most deprived 20% by the national IMD",
            "plus_groups=PLUS: locally chosen population groups",
            "maternity=Maternity",
            "severe_mental_illness=Severe mental illness",
            "chronic_respiratory_disease=Chronic respiratory disease",
            "early_cancer_diagnosis=Early cancer diagnosis",
            "hypertension_case_finding=Hypertension case-finding",
        ),
    },
    {
        "code": "nhs_net_zero",
        "title": "Delivering a net zero NHS",
        "citation_url": "https://www.england.nhs.uk/greenernhs/a-net-zero-nhs/",
        "scale": "Estimated tCO2e change per year (numeric, signed).",
        "structure_note": "Two targets: the NHS Carbon Footprint and Carbon Footprint Plus.",
        "items": _items(
            "carbon_footprint=NHS Carbon Footprint: net zero by 2040, 80% cut by 2028-2032",
            "carbon_footprint_plus=NHS Carbon Footprint Plus: net zero by 2045, 80% cut by "
            "2036-2039",
        ),
    },
    {
        "code": "nesta_soe",
        "title": "Nesta Standards of Evidence",
        "citation_url": "https://www.nesta.org.uk/feature/innovation-methods/standards-evidence/",
        "scale": "Ordinal 1-5: the recommended evidence level for every criterion.",
        "structure_note": "5 levels.",
        "items": _items(
            "level_1=Level 1: an account of impact / theory of change",
            "level_2=Level 2: correlation",
            "level_3=Level 3: causation (comparison or control group)",
            "level_4=Level 4: independent replication (and reasonable cost)",
            "level_5=Level 5: scaled (others can deliver it at scale)",
        ),
    },
    {
        "code": "iiaf_local",
        "title": "CMDI local criteria (Innovation Impact Assessment Framework)",
        "citation_url": "https://researchonline.ljmu.ac.uk/id/eprint/27757",
        "scale": "Set per criterion in the template.",
        "structure_note": "Local criteria of the bespoke IIAF pilot, with the involvement "
        "standards they draw on.",
        "items": _items(
            "strategic_priorities=Alignment with Trust and system strategic priorities",
            "iap2_spectrum=IAP2 spectrum level reached with the public",
            "uk_standards_public_involvement=UK Standards for Public Involvement (2019)",
            "gripp2=GRIPP2 reporting of patient and public involvement",
            "equality_impact=Equality impact assessment",
        ),
    },
]


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "framework_source",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("citation_url", sa.String(length=500), nullable=False),
        sa.Column("scale", sa.Text(), nullable=False),
        sa.Column("structure_note", sa.Text(), nullable=False),
        sa.Column("items", shared.db.JSONDocument(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_framework_source")),
        info={"reference_data": True},
    )
    op.create_table(
        "assessment",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("project_reference", sa.String(length=32), nullable=True),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column(
            "gate",
            sa.Enum(
                "g0_triage",
                "g1_scoping",
                "g2_pilot_approval",
                "g3_post_pilot_review",
                "g4_scale_or_adopt",
                "g5_sustainability_review",
                name="assessment_gate",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "open",
                "scoring",
                "moderation",
                "scored",
                "decided",
                "cancelled",
                name="assessment_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("open_key", sa.String(length=80), nullable=True),
        sa.Column("panel_chair", sa.String(length=200), nullable=False),
        sa.Column("context_snapshot", shared.db.JSONDocument(), nullable=False),
        sa.Column(
            "esf_tier",
            sa.Enum(
                "a",
                "b",
                "c",
                name="assessment_esf_tier",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("uses_piloting_template", sa.Boolean(), nullable=False),
        sa.Column("previous_assessment_id", sa.Uuid(), nullable=True),
        sa.Column("due_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opened_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("scored_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("result", shared.db.JSONDocument(), nullable=True),
        sa.Column("overall_score", sa.Float(), nullable=True),
        sa.Column("confidence", sa.String(length=20), nullable=True),
        sa.Column(
            "recommendation",
            sa.Enum(
                "proceed",
                "proceed_with_conditions",
                "adapt",
                "pause",
                "stop",
                "scale",
                "adopt",
                name="assessment_recommendation",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["previous_assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_previous_assessment_id_assessment"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"], ["framework.id"], name=op.f("fk_assessment_template_id_framework")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint("open_key", name=op.f("uq_assessment_open_key")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_project_id"), ["project_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_assessment_template_id"), ["template_id"], unique=False
        )

    op.create_table(
        "complexity_rating",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column(
            "nasss_domain",
            sa.Enum(
                "condition",
                "technology",
                "value_proposition",
                "adopter_system",
                "organisation",
                "wider_system",
                "embedding_over_time",
                name="nasss_domain",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "rating",
            sa.Enum(
                "simple",
                "complicated",
                "complex",
                name="complexity_level",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_complexity_rating_assessment_id_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complexity_rating")),
        sa.UniqueConstraint(
            "assessment_id",
            "nasss_domain",
            name=op.f("uq_complexity_rating_assessment_id_nasss_domain"),
        ),
    )
    with op.batch_alter_table("complexity_rating", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complexity_rating_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "consensus_rating",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("criterion_code", sa.String(length=80), nullable=False),
        sa.Column("value", shared.db.JSONDocument(), nullable=True),
        sa.Column("unknown", sa.Boolean(), nullable=False),
        sa.Column("evidence_level", sa.Integer(), nullable=True),
        sa.Column(
            "method",
            sa.Enum(
                "median",
                "panel_agreed",
                name="consensus_method",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("dissent_note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_consensus_rating_assessment_id_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_rating")),
        sa.UniqueConstraint(
            "assessment_id",
            "criterion_code",
            name=op.f("uq_consensus_rating_assessment_id_criterion_code"),
        ),
    )
    with op.batch_alter_table("consensus_rating", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consensus_rating_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "decision",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column(
            "gate",
            sa.Enum(
                "g0_triage",
                "g1_scoping",
                "g2_pilot_approval",
                "g3_post_pilot_review",
                "g4_scale_or_adopt",
                "g5_sustainability_review",
                name="decision_gate",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "proceed",
                "proceed_with_conditions",
                "adapt",
                "pause",
                "stop",
                "scale",
                "adopt",
                name="decision_outcome",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "computed_recommendation",
            sa.Enum(
                "proceed",
                "proceed_with_conditions",
                "adapt",
                "pause",
                "stop",
                "scale",
                "adopt",
                name="decision_recommendation",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("forum", sa.String(length=200), nullable=False),
        sa.Column("minutes_ref", sa.String(length=200), nullable=True),
        sa.Column("dissent", shared.db.JSONDocument(), nullable=False),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "recorded",
                "conditions_open",
                "closed",
                "superseded",
                name="decision_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("superseded_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"], name=op.f("fk_decision_assessment_id_assessment")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["decision.id"], name=op.f("fk_decision_supersedes_id_decision")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_decision_supersedes_id")),
    )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_decision_project_id"), ["project_id"], unique=False)

    op.create_table(
        "evidence_item",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "study",
                "evaluation_report",
                "routine_data",
                "audit",
                "journal_ref",
                "de_finding_ref",
                "business_case",
                "dtac_submission",
                "stakeholder_feedback",
                "other",
                name="evidence_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("uri", sa.String(length=1000), nullable=True),
        sa.Column("evidence_level", sa.Integer(), nullable=True),
        sa.Column("evidence_date", sa.Date(), nullable=True),
        sa.Column("ref_id", sa.Uuid(), nullable=True),
        sa.Column("added_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_evidence_item_assessment_id_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_item")),
    )
    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_item_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "panel_member",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("declared_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("has_conflict", sa.Boolean(), nullable=True),
        sa.Column("conflict_description", sa.Text(), nullable=True),
        sa.Column("waiver_reason", sa.Text(), nullable=True),
        sa.Column("waived_by", sa.String(length=200), nullable=True),
        sa.Column("waived_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_panel_member_assessment_id_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_member")),
        sa.UniqueConstraint(
            "assessment_id", "subject", name=op.f("uq_panel_member_assessment_id_subject")
        ),
    )
    with op.batch_alter_table("panel_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_panel_member_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "rating",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("criterion_code", sa.String(length=80), nullable=False),
        sa.Column("assessor", sa.String(length=200), nullable=False),
        sa.Column("value", shared.db.JSONDocument(), nullable=True),
        sa.Column("unknown", sa.Boolean(), nullable=False),
        sa.Column("unknown_reason", sa.Text(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("evidence_ids", shared.db.JSONDocument(), nullable=False),
        sa.Column("evidence_level", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"], name=op.f("fk_rating_assessment_id_assessment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating")),
        sa.UniqueConstraint(
            "assessment_id",
            "criterion_code",
            "assessor",
            name=op.f("uq_rating_assessment_id_criterion_code_assessor"),
        ),
    )
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rating_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "decision_condition",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "met",
                "waived",
                "breached",
                name="condition_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("status_note", sa.Text(), nullable=False),
        sa.Column("closed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_condition_decision_id_decision"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_condition")),
    )
    with op.batch_alter_table("decision_condition", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_condition_decision_id"), ["decision_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_condition_due_date"), ["due_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_condition_project_id"), ["project_id"], unique=False
        )

    # Existing template rows (created before templates had a definition) get an empty one:
    # add the columns nullable, fill them, then make them NOT NULL.
    with op.batch_alter_table("framework", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applies_to", shared.db.JSONDocument(), nullable=True))
        batch_op.add_column(sa.Column("gates_used", shared.db.JSONDocument(), nullable=True))
        batch_op.add_column(sa.Column("scoring_policy", shared.db.JSONDocument(), nullable=True))
        batch_op.add_column(sa.Column("domains", shared.db.JSONDocument(), nullable=True))
        batch_op.add_column(sa.Column("active_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("cloned_from_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("first_used_at", shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("activated_at", shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("retired_at", shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(batch_op.f("uq_framework_active_name"), ["active_name"])
        batch_op.create_foreign_key(
            batch_op.f("fk_framework_cloned_from_id_framework"),
            "framework",
            ["cloned_from_id"],
            ["id"],
        )
    op.execute(
        "UPDATE framework SET applies_to = '{}', gates_used = '[]', scoring_policy = '{}', "
        "domains = '[]' WHERE domains IS NULL"
    )
    # An existing active version claims its name, where it is the only active one.
    op.execute(
        "UPDATE framework SET active_name = name WHERE status = 'active' AND name IN "
        "(SELECT f.name FROM framework f WHERE f.status = 'active' GROUP BY f.name "
        "HAVING COUNT(*) = 1)"
    )
    with op.batch_alter_table("framework", schema=None) as batch_op:
        for column in ("applies_to", "gates_used", "scoring_policy", "domains"):
            batch_op.alter_column(column, existing_type=shared.db.JSONDocument(), nullable=False)

    op.bulk_insert(framework_source, FRAMEWORK_SOURCES)

    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("framework", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_framework_cloned_from_id_framework"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_framework_active_name"), type_="unique")
        batch_op.drop_column("retired_at")
        batch_op.drop_column("activated_at")
        batch_op.drop_column("first_used_at")
        batch_op.drop_column("cloned_from_id")
        batch_op.drop_column("active_name")
        batch_op.drop_column("domains")
        batch_op.drop_column("scoring_policy")
        batch_op.drop_column("gates_used")
        batch_op.drop_column("applies_to")

    with op.batch_alter_table("decision_condition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_condition_project_id"))
        batch_op.drop_index(batch_op.f("ix_decision_condition_due_date"))
        batch_op.drop_index(batch_op.f("ix_decision_condition_decision_id"))

    op.drop_table("decision_condition")
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rating_assessment_id"))

    op.drop_table("rating")
    with op.batch_alter_table("panel_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_member_assessment_id"))

    op.drop_table("panel_member")
    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_item_assessment_id"))

    op.drop_table("evidence_item")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_project_id"))
        batch_op.drop_index(batch_op.f("ix_decision_assessment_id"))

    op.drop_table("decision")
    with op.batch_alter_table("consensus_rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consensus_rating_assessment_id"))

    op.drop_table("consensus_rating")
    with op.batch_alter_table("complexity_rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complexity_rating_assessment_id"))

    op.drop_table("complexity_rating")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_template_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_project_id"))

    op.drop_table("assessment")
    op.drop_table("framework_source")
    # ### end Alembic commands ###
