"""developmental evaluation

Revision ID: 55140c90abce
Revises: 7bf48d6f2691
Create Date: 2026-11-27 00:02:55.348225
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db
import shared.platform

revision: str = "55140c90abce"
down_revision: str | None = "7bf48d6f2691"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Developmental evaluation (DOMAIN.md A2.3): the evaluation, its records and their links.
    op.create_table(
        "developmental_evaluation",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "ongoing_development",
                "adapting_principles_to_new_context",
                "rapid_response_to_crisis",
                "preformative_development_of_potentially_scalable_innovation",
                "major_systems_change_cross_scale",
                name="evaluation_purpose",
                native_enum=False,
                create_constraint=True,
                length=80,
            ),
            nullable=False,
        ),
        sa.Column("evaluators", shared.db.JSONDocument(), nullable=False),
        sa.Column("primary_intended_users", shared.db.JSONDocument(), nullable=False),
        sa.Column("principles_applied", shared.db.JSONDocument(), nullable=False),
        sa.Column(
            "sensemaking_cadence",
            sa.Enum(
                "monthly",
                "quarterly",
                "ad_hoc",
                name="sensemaking_cadence",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "active",
                "concluded",
                name="evaluation_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developmental_evaluation")),
        sa.UniqueConstraint("project_id", name=op.f("uq_developmental_evaluation_project_id")),
    )
    op.create_table(
        "adaptation_decision",
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("decided_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "continue",
                "tweak",
                "pivot",
                "expand",
                "scale_back",
                "stop_component",
                "new_experiment",
                name="adaptation_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("alternatives_considered", sa.Text(), nullable=False),
        sa.Column("decided_by", shared.db.JSONDocument(), nullable=False),
        sa.Column("expected_effect", sa.Text(), nullable=False),
        sa.Column("review_at", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "agreed",
                "implemented",
                "reviewed",
                name="adaptation_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("observed_effect", sa.Text(), nullable=True),
        sa.Column("agreed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("implemented_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome_map_change_ref", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["developmental_evaluation.id"],
            name=op.f("fk_adaptation_decision_evaluation_id_developmental_evaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adaptation_decision")),
    )
    with op.batch_alter_table("adaptation_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adaptation_decision_evaluation_id"),
            ["evaluation_id", "decided_at", "id"],
            unique=False,
        )

    op.create_table(
        "finding",
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "emerging",
                "tested",
                "confirmed",
                "refuted",
                name="finding_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "confidence",
            sa.Enum(
                "low",
                "medium",
                "high",
                name="confidence",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("first_seen_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("implications", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["developmental_evaluation.id"],
            name=op.f("fk_finding_evaluation_id_developmental_evaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finding_evaluation_id"),
            ["evaluation_id", "first_seen_at", "id"],
            unique=False,
        )

    op.create_table(
        "learning_brief",
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("audience", shared.db.JSONDocument(), nullable=False),
        sa.Column("key_messages", shared.db.JSONDocument(), nullable=False),
        sa.Column("uri", sa.String(length=2000), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["developmental_evaluation.id"],
            name=op.f("fk_learning_brief_evaluation_id_developmental_evaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_brief")),
    )
    with op.batch_alter_table("learning_brief", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_brief_evaluation_id"), ["evaluation_id"], unique=False
        )

    op.create_table(
        "learning_log_entry",
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("observed_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "interview",
                "observation",
                "meeting",
                "survey",
                "routine_data",
                "document",
                "om_journal",
                "stakeholder_feedback",
                name="log_source",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("refs", shared.db.JSONDocument(), nullable=False),
        sa.Column("tags", shared.db.JSONDocument(), nullable=False),
        sa.Column("contains_personal_data", sa.Boolean(), nullable=False),
        sa.Column("corrects_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["learning_log_entry.id"],
            name=op.f("fk_learning_log_entry_corrects_id_learning_log_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["developmental_evaluation.id"],
            name=op.f("fk_learning_log_entry_evaluation_id_developmental_evaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_log_entry")),
    )
    with op.batch_alter_table("learning_log_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_log_entry_corrects_id"), ["corrects_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_learning_log_entry_evaluation_id"),
            ["evaluation_id", "observed_at", "id"],
            unique=False,
        )

    op.create_table(
        "learning_question",
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "answered",
                "reframed",
                "retired",
                name="question_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("reframed_from_id", sa.Uuid(), nullable=True),
        sa.Column("raised_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["developmental_evaluation.id"],
            name=op.f("fk_learning_question_evaluation_id_developmental_evaluation"),
        ),
        sa.ForeignKeyConstraint(
            ["reframed_from_id"],
            ["learning_question.id"],
            name=op.f("fk_learning_question_reframed_from_id_learning_question"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_question")),
    )
    with op.batch_alter_table("learning_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_question_evaluation_id"), ["evaluation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_learning_question_reframed_from_id"), ["reframed_from_id"], unique=False
        )

    op.create_table(
        "sensemaking_session",
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("held_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "reflective_practice",
                "sensemaking",
                "retrospective",
                "action_learning",
                name="session_format",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("participants", shared.db.JSONDocument(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("so_what", sa.Text(), nullable=False),
        sa.Column("now_what", sa.Text(), nullable=False),
        sa.Column("actions", shared.db.JSONDocument(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["developmental_evaluation.id"],
            name=op.f("fk_sensemaking_session_evaluation_id_developmental_evaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensemaking_session")),
    )
    with op.batch_alter_table("sensemaking_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sensemaking_session_evaluation_id"),
            ["evaluation_id", "held_at", "id"],
            unique=False,
        )

    op.create_table(
        "theory_of_change_version",
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("assumptions", shared.db.JSONDocument(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["developmental_evaluation.id"],
            name=op.f("fk_theory_of_change_version_evaluation_id_developmental_evaluation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_of_change_version")),
        sa.UniqueConstraint(
            "evaluation_id", "number", name=op.f("uq_theory_of_change_version_evaluation_id_number")
        ),
    )
    op.create_table(
        "adaptation_finding",
        sa.Column("adaptation_id", sa.Uuid(), nullable=False),
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adaptation_id"],
            ["adaptation_decision.id"],
            name=op.f("fk_adaptation_finding_adaptation_id_adaptation_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.id"], name=op.f("fk_adaptation_finding_finding_id_finding")
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adaptation_finding")),
        sa.UniqueConstraint(
            "adaptation_id",
            "finding_id",
            name=op.f("uq_adaptation_finding_adaptation_id_finding_id"),
        ),
    )
    with op.batch_alter_table("adaptation_finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adaptation_finding_finding_id"), ["finding_id"], unique=False
        )

    op.create_table(
        "finding_evidence",
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("log_entry_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.id"], name=op.f("fk_finding_evidence_finding_id_finding")
        ),
        sa.ForeignKeyConstraint(
            ["log_entry_id"],
            ["learning_log_entry.id"],
            name=op.f("fk_finding_evidence_log_entry_id_learning_log_entry"),
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_evidence")),
        sa.UniqueConstraint(
            "finding_id", "log_entry_id", name=op.f("uq_finding_evidence_finding_id_log_entry_id")
        ),
    )
    with op.batch_alter_table("finding_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finding_evidence_log_entry_id"), ["log_entry_id"], unique=False
        )

    op.create_table(
        "learning_question_answer",
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["finding.id"],
            name=op.f("fk_learning_question_answer_finding_id_finding"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["learning_question.id"],
            name=op.f("fk_learning_question_answer_question_id_learning_question"),
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_question_answer")),
        sa.UniqueConstraint(
            "question_id",
            "finding_id",
            name=op.f("uq_learning_question_answer_question_id_finding_id"),
        ),
    )
    with op.batch_alter_table("learning_question_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_question_answer_finding_id"), ["finding_id"], unique=False
        )

    op.create_table(
        "sensemaking_session_entry",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("log_entry_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["log_entry_id"],
            ["learning_log_entry.id"],
            name=op.f("fk_sensemaking_session_entry_log_entry_id_learning_log_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sensemaking_session.id"],
            name=op.f("fk_sensemaking_session_entry_session_id_sensemaking_session"),
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sensemaking_session_entry")),
        sa.UniqueConstraint(
            "session_id",
            "log_entry_id",
            name=op.f("uq_sensemaking_session_entry_session_id_log_entry_id"),
        ),
    )
    with op.batch_alter_table("sensemaking_session_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sensemaking_session_entry_log_entry_id"), ["log_entry_id"], unique=False
        )

    op.create_table(
        "theory_of_change_adaptation",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("adaptation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adaptation_id"],
            ["adaptation_decision.id"],
            name=op.f("fk_theory_of_change_adaptation_adaptation_id_adaptation_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["theory_of_change_version.id"],
            name=op.f("fk_theory_of_change_adaptation_version_id_theory_of_change_version"),
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theory_of_change_adaptation")),
        sa.UniqueConstraint(
            "version_id",
            "adaptation_id",
            name=op.f("uq_theory_of_change_adaptation_version_id_adaptation_id"),
        ),
    )
    with op.batch_alter_table("theory_of_change_adaptation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_theory_of_change_adaptation_adaptation_id"),
            ["adaptation_id"],
            unique=False,
        )


def downgrade() -> None:
    # Developmental evaluation (DOMAIN.md A2.3): the evaluation, its records and their links.

    with op.batch_alter_table("theory_of_change_adaptation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theory_of_change_adaptation_adaptation_id"))

    op.drop_table("theory_of_change_adaptation")
    with op.batch_alter_table("sensemaking_session_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sensemaking_session_entry_log_entry_id"))

    op.drop_table("sensemaking_session_entry")

    with op.batch_alter_table("learning_question_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_question_answer_finding_id"))

    op.drop_table("learning_question_answer")
    with op.batch_alter_table("finding_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_evidence_log_entry_id"))

    op.drop_table("finding_evidence")

    with op.batch_alter_table("adaptation_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adaptation_finding_finding_id"))

    op.drop_table("adaptation_finding")
    op.drop_table("theory_of_change_version")
    with op.batch_alter_table("sensemaking_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sensemaking_session_evaluation_id"))

    op.drop_table("sensemaking_session")
    with op.batch_alter_table("learning_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_question_reframed_from_id"))
        batch_op.drop_index(batch_op.f("ix_learning_question_evaluation_id"))

    op.drop_table("learning_question")
    with op.batch_alter_table("learning_log_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_log_entry_evaluation_id"))
        batch_op.drop_index(batch_op.f("ix_learning_log_entry_corrects_id"))

    op.drop_table("learning_log_entry")
    with op.batch_alter_table("learning_brief", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_brief_evaluation_id"))

    op.drop_table("learning_brief")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_evaluation_id"))

    op.drop_table("finding")

    with op.batch_alter_table("adaptation_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adaptation_decision_evaluation_id"))

    op.drop_table("adaptation_decision")
    op.drop_table("developmental_evaluation")
