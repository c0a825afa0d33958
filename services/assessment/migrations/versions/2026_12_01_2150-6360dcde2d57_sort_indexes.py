"""sort indexes

Every documented `?sort=` field gets an index on (its parent filter, the field, the id
tie-breaker), named `ix_sort_<table>_<field>`, so a sorted page and a deep page seek instead of
sorting or scanning the table (issue #16 items 5 and 6). Already covered, so left alone: the
panel by subject and consensus by criterion code (unique per assessment), theory-of-change
versions by number (unique per evaluation), and the findings, adaptations, sessions and log
entries by their dates (`ix_<table>_evaluation_id` is already (evaluation_id, date, id)). The
timeline is a union of those lists, each read through its own index.

Revision ID: 6360dcde2d57
Revises: a1e598b4dc17
Create Date: 2026-12-01 21:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6360dcde2d57"
down_revision: str | None = "a1e598b4dc17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, columns before the id): the parent filter, then the sort field.
SORT_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("framework", ("created_at",)),
    ("framework", ("updated_at",)),
    ("framework", ("name",)),
    ("assessment", ("created_at",)),
    ("assessment", ("updated_at",)),
    ("evidence_item", ("assessment_id", "created_at")),
    ("decision", ("decided_at",)),
    ("decision", ("updated_at",)),
    ("decision_condition", ("due_date",)),
    ("decision_condition", ("updated_at",)),
    ("developmental_evaluation", ("created_at",)),
    ("learning_question", ("evaluation_id", "raised_at")),
    ("learning_question", ("evaluation_id", "created_at")),
    ("learning_log_entry", ("evaluation_id", "created_at")),
    ("learning_brief", ("evaluation_id", "period_start")),
)


def upgrade() -> None:
    for table, columns in SORT_INDEXES:
        op.create_index(f"ix_sort_{table}_{columns[-1]}", table, [*columns, "id"])


def downgrade() -> None:
    for table, columns in reversed(SORT_INDEXES):
        op.drop_index(f"ix_sort_{table}_{columns[-1]}", table_name=table)
