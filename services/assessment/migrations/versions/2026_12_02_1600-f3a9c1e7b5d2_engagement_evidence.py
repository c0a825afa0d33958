"""engagement evidence at the gate (#14 item 5)

An assessment keeps the dated snapshot of its project's engagement evidence taken when it was
opened (`assessment.engagement_evidence`, a JSON document; null for older rows, which were
opened before there was one to take). A template version can state gate rules over it
(`framework.engagement_rules`, a JSON list; empty for older rows).

Revision ID: f3a9c1e7b5d2
Revises: e5b8d2c7a4f1
Create Date: 2026-12-02 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "f3a9c1e7b5d2"
down_revision: str | None = "e5b8d2c7a4f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assessment") as batch:
        batch.add_column(sa.Column("engagement_evidence", shared.db.JSONDocument(), nullable=True))
    with op.batch_alter_table("framework") as batch:
        batch.add_column(
            sa.Column(
                "engagement_rules", shared.db.JSONDocument(), nullable=False, server_default="[]"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("framework") as batch:
        batch.drop_column("engagement_rules")
    with op.batch_alter_table("assessment") as batch:
        batch.drop_column("engagement_evidence")
