"""project link: owner set by admin

Existing links get False: nobody can tell whether an admin named their owner, so owning them
grants personal data only while the owner is on the project's team.

Revision ID: 59503d34e019
Revises: 58ff1b50ce6d
Create Date: 2026-12-01 18:41:00.616849
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "59503d34e019"
down_revision: str | None = "58ff1b50ce6d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("project_link", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner_set_by_admin", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("project_link", schema=None) as batch_op:
        batch_op.drop_column("owner_set_by_admin")
