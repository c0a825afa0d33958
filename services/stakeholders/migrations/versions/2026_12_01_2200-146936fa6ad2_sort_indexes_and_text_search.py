"""sort indexes and text search

Every documented `?sort=` field gets an index on (its parent filter, the field, the id
tie-breaker), named `ix_sort_<table>_<field>`, so a sorted page and a deep page seek instead of
sorting or scanning the table (issue #16 items 5 and 6).

`?q=` on stakeholders (display name) and organisations (name, ODS code) gets a text index
(`shared.search`): an FTS5 trigram table kept by triggers on SQLite, pg_trgm GIN indexes on
PostgreSQL; existing rows are indexed here.

Revision ID: 146936fa6ad2
Revises: 873f73aab516
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

from alembic import op

from shared.search import create_search, drop_search

revision: str = "146936fa6ad2"
down_revision: str | None = "873f73aab516"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, columns before the id): the parent filter, then the sort field.
SORT_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("organisation", ("created_at",)),
    ("organisation", ("updated_at",)),
    ("organisation", ("name",)),
    ("stakeholder", ("created_at",)),
    ("stakeholder", ("updated_at",)),
    ("project_link", ("stakeholder_id", "created_at")),
    ("stakeholder_assessment", ("stakeholder_id", "assessed_at")),
    ("stakeholder_assessment", ("stakeholder_id", "created_at")),
    ("consent_record", ("stakeholder_id", "given_at")),
    ("data_subject_request", ("due_at",)),
    ("data_subject_request", ("received_at",)),
    ("engagement", ("held_at",)),
    ("engagement", ("created_at",)),
)
SEARCHED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("stakeholder", ("display_name",)),
    ("organisation", ("name", "ods_code")),
)


def upgrade() -> None:
    for table, columns in SORT_INDEXES:
        op.create_index(f"ix_sort_{table}_{columns[-1]}", table, [*columns, "id"])
    dialect = op.get_bind().dialect.name
    for table, columns in SEARCHED:
        for statement in create_search(dialect, table, columns):
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, columns in reversed(SEARCHED):
        for statement in drop_search(dialect, table, columns):
            op.execute(statement)
    for table, columns in reversed(SORT_INDEXES):
        op.drop_index(f"ix_sort_{table}_{columns[-1]}", table_name=table)
