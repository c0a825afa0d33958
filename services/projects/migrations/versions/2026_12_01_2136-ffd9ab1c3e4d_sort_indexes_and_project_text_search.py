"""sort indexes and project text search

Every documented `?sort=` field gets an index on (its parent filter, the field, the id
tie-breaker), named `ix_sort_<table>_<field>`, so a sorted page and a deep page seek instead of
sorting or scanning the table (issue #16 items 5 and 6). `project.reference` needs none (it is
unique), nor `outcome_map.map_version` (unique per project).

`GET /v1/projects?q=` gets a text index over title, summary and reference (`shared.search`):
an FTS5 trigram table kept by triggers on SQLite, pg_trgm GIN indexes on PostgreSQL; existing
rows are indexed here.

Revision ID: ffd9ab1c3e4d
Revises: 5245a24f6233
Create Date: 2026-12-01 21:36:00
"""

from collections.abc import Sequence

from alembic import op

from shared.search import create_search, drop_search

revision: str = "ffd9ab1c3e4d"
down_revision: str | None = "5245a24f6233"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, columns before the id): the parent filter, then the sort field.
SORT_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("project", ("created_at",)),
    ("project", ("updated_at",)),
    ("project", ("title",)),
    ("project", ("stage",)),
    ("project", ("stage_changed_at",)),
    ("stage_change", ("project_id", "occurred_at")),
    ("received_decision", ("project_id", "received_at")),
    ("team_membership", ("project_id", "subject")),
    ("team_membership", ("project_id", "created_at")),
    ("milestone", ("project_id", "created_at")),
    ("milestone", ("project_id", "title")),
    ("benefit", ("project_id", "created_at")),
    ("benefit", ("project_id", "title")),
    ("benefit_value", ("benefit_id", "as_at")),
    ("outcome_journal_entry", ("project_id", "period_start")),
    ("outcome_journal_entry", ("project_id", "created_at")),
    ("strategy_journal_entry", ("project_id", "period_start")),
    ("strategy_journal_entry", ("project_id", "created_at")),
    ("performance_journal_entry", ("project_id", "period_start")),
    ("performance_journal_entry", ("project_id", "created_at")),
)
# The milestone catalogue is keyed by `code`, its tie-breaker.
CATALOGUE = ("adoption_milestone_type", ("position", "code"))
SEARCHED = ("project", ("title", "summary", "reference"))


def upgrade() -> None:
    for table, columns in SORT_INDEXES:
        op.create_index(f"ix_sort_{table}_{columns[-1]}", table, [*columns, "id"])
    table, columns = CATALOGUE
    op.create_index(f"ix_sort_{table}_{columns[0]}", table, list(columns))
    dialect = op.get_bind().dialect.name
    for statement in create_search(dialect, *SEARCHED):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in drop_search(dialect, *SEARCHED):
        op.execute(statement)
    table, columns = CATALOGUE
    op.drop_index(f"ix_sort_{table}_{columns[0]}", table_name=table)
    for table, columns in reversed(SORT_INDEXES):
        op.drop_index(f"ix_sort_{table}_{columns[-1]}", table_name=table)
