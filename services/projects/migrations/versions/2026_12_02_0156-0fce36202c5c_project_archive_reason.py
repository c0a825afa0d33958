"""Projects: the reason an archived project was archived (`POST /archive` requires one).

Revision ID: 0fce36202c5c
Revises: 63db9ef48085
Create Date: 2026-12-02 01:56:33.105688
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0fce36202c5c"
down_revision: str | None = "63db9ef48085"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archive_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("archive_reason")
