"""Stakeholders: `project_link (created_at, id)`, the keyset sort index of the portfolio-wide
orphaned-relationships list (`ix_sort_project_link_created_at` is per stakeholder).

Revision ID: b3d1e5f7a9c2
Revises: 7ecaa0996a04
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b3d1e5f7a9c2"
down_revision: str | None = "7ecaa0996a04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_sort_project_link_orphaned_created_at", "project_link", ["created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_sort_project_link_orphaned_created_at", table_name="project_link")
