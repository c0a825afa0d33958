"""strategy and performance journals, decision corrections

New tables for the strategy journal (OM step 10) and the performance journal (OM step 11, one
`practice_journal_entry` row per practice described). `received_decision` gains
`decided_on_stage` and `superseded_by_id` for decision corrections; both stay NULL on existing
rows (the service falls back to `stage_before`, which is what a non-correction decided on).

Revision ID: 5245a24f6233
Revises: bc4476f9aa89
Create Date: 2026-11-27 00:33:54.132561
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db
import shared.platform

revision: str = "5245a24f6233"
down_revision: str | None = "bc4476f9aa89"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "performance_journal_entry",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("outcome_map_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("contributors", shared.db.JSONDocument(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "reviewed",
                "amended",
                name="journal_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("submitted_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("amends_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_map_id"],
            ["outcome_map.id"],
            name=op.f("fk_performance_journal_entry_outcome_map_id_outcome_map"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_performance_journal_entry_project_id_project"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_journal_entry")),
    )
    with op.batch_alter_table("performance_journal_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_performance_journal_entry_amends_id"), ["amends_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_performance_journal_entry_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            "ix_performance_journal_project_period", ["project_id", "period_start"], unique=False
        )

    op.create_table(
        "strategy_journal_entry",
        sa.Column("strategy_ids", shared.db.JSONDocument(), nullable=False),
        sa.Column("activities_implemented", sa.Text(), nullable=False),
        sa.Column("effectiveness", sa.Text(), nullable=False),
        sa.Column("outputs", sa.Text(), nullable=False),
        sa.Column("required_follow_up", sa.Text(), nullable=False),
        sa.Column("programme_response", sa.Text(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("outcome_map_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("contributors", shared.db.JSONDocument(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "reviewed",
                "amended",
                name="journal_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("submitted_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("amends_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outcome_map_id"],
            ["outcome_map.id"],
            name=op.f("fk_strategy_journal_entry_outcome_map_id_outcome_map"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_strategy_journal_entry_project_id_project"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_journal_entry")),
    )
    with op.batch_alter_table("strategy_journal_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_strategy_journal_entry_amends_id"), ["amends_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_strategy_journal_entry_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            "ix_strategy_journal_project_period", ["project_id", "period_start"], unique=False
        )

    op.create_table(
        "practice_journal_entry",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column(
            "practice",
            sa.Enum(
                "prospecting_new_ideas_opportunities_resources",
                "seeking_feedback_from_key_informants",
                "obtaining_support_from_next_highest_power",
                "assessing_and_redesigning_products_services_systems_procedures",
                "checking_up_on_those_already_served",
                "sharing_best_wisdom_with_the_world",
                "experimenting_to_remain_innovative",
                "engaging_in_organisational_reflection",
                name="journal_practice",
                native_enum=False,
                create_constraint=True,
                length=80,
            ),
            nullable=False,
        ),
        sa.Column("examples_or_indicators", sa.Text(), nullable=False),
        sa.Column("sources_of_evidence", shared.db.JSONDocument(), nullable=False),
        sa.Column(
            "rating",
            sa.Enum(
                "not_observed",
                "low",
                "medium",
                "high",
                name="practice_rating_value",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["performance_journal_entry.id"],
            name=op.f("fk_practice_journal_entry_entry_id_performance_journal_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_journal_entry")),
        sa.UniqueConstraint(
            "entry_id", "practice", name=op.f("uq_practice_journal_entry_entry_id_practice")
        ),
    )
    with op.batch_alter_table("practice_journal_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practice_journal_entry_entry_id"), ["entry_id"], unique=False
        )

    with op.batch_alter_table("received_decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "decided_on_stage",
                sa.Enum(
                    "idea",
                    "scoping",
                    "design",
                    "pilot",
                    "evaluation",
                    "scaling",
                    "embedding",
                    "sustained",
                    "closed",
                    "paused",
                    "stopped",
                    name="decision_decided_on_stage",
                    native_enum=False,
                    create_constraint=True,
                    length=40,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("superseded_by_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("received_decision", schema=None) as batch_op:
        # SQLite's batch copy keeps the named CHECK of the enum column unless it is dropped too.
        batch_op.drop_constraint(
            batch_op.f("ck_received_decision_decision_decided_on_stage"), type_="check"
        )
        batch_op.drop_column("superseded_by_id")
        batch_op.drop_column("decided_on_stage")

    with op.batch_alter_table("practice_journal_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_journal_entry_entry_id"))

    op.drop_table("practice_journal_entry")
    with op.batch_alter_table("strategy_journal_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_strategy_journal_project_period")
        batch_op.drop_index(batch_op.f("ix_strategy_journal_entry_project_id"))
        batch_op.drop_index(batch_op.f("ix_strategy_journal_entry_amends_id"))

    op.drop_table("strategy_journal_entry")
    with op.batch_alter_table("performance_journal_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_performance_journal_project_period")
        batch_op.drop_index(batch_op.f("ix_performance_journal_entry_project_id"))
        batch_op.drop_index(batch_op.f("ix_performance_journal_entry_amends_id"))

    op.drop_table("performance_journal_entry")
