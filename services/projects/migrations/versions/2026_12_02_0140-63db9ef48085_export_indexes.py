"""export indexes

Incremental exports (`GET /v1/exports/<dataset>?updated_since=`, issue #12) select the rows
changed after a moment across the whole portfolio: each table they read gets an index on
`updated_at` (named `ix_<table>_updated_at`, declared in the models), and the stage history
one on `occurred_at` (its `as_of` and `updated_since`). `project.updated_at` already has
`ix_sort_project_updated_at` (updated_at, id).

Revision ID: 63db9ef48085
Revises: ffd9ab1c3e4d
Create Date: 2026-12-02 01:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "63db9ef48085"
down_revision: str | None = "ffd9ab1c3e4d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPDATED_AT_TABLES: tuple[str, ...] = (
    "team_membership",
    "milestone",
    "benefit",
    "benefit_value",
    "outcome_map",
    "boundary_partner",
    "progress_marker",
    "marker_rating",
    "outcome_journal_entry",
    "strategy_journal_entry",
    "performance_journal_entry",
    "practice_journal_entry",
)


def upgrade() -> None:
    for table in UPDATED_AT_TABLES:
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"])
    op.create_index("ix_stage_change_occurred_at", "stage_change", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_stage_change_occurred_at", table_name="stage_change")
    for table in reversed(UPDATED_AT_TABLES):
        op.drop_index(f"ix_{table}_updated_at", table_name=table)
