"""export indexes

`updated_since` exports (#12) select rows by `updated_at`: the evaluation tables without a sort
index on it get one (assessment, decision and decision_condition already have theirs), and
`criterion_ratings` / `assessment_results` select assessments by `scored_at`.

Revision ID: c4e2a9f1d7b3
Revises: b7d41e2c9a35
Create Date: 2026-12-02 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c4e2a9f1d7b3"
down_revision: str | None = "b7d41e2c9a35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPORT_INDEXES: tuple[tuple[str, str], ...] = (
    ("learning_log_entry", "updated_at"),
    ("finding", "updated_at"),
    ("adaptation_decision", "updated_at"),
    ("assessment", "scored_at"),
)


def upgrade() -> None:
    for table, column in EXPORT_INDEXES:
        op.create_index(f"ix_export_{table}_{column}", table, [column, "id"])


def downgrade() -> None:
    for table, column in reversed(EXPORT_INDEXES):
        op.drop_index(f"ix_export_{table}_{column}", table_name=table)
