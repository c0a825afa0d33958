"""Stakeholders: `project_link.orphaned_on`, the day the owner's last role on the project ended
while they owned the relationship alone (listed for reassignment until a new owner is named).

Revision ID: 7ecaa0996a04
Revises: 4543d90f9242
Create Date: 2026-12-02 02:05:48.088339
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7ecaa0996a04"
down_revision: str | None = "4543d90f9242"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("project_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("orphaned_on", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_project_link_orphaned_on"), ["orphaned_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("project_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_link_orphaned_on"))
        batch_op.drop_column("orphaned_on")
