"""Integrations: the `job_run` platform table, where replicas claim each periodic job's run once
per interval (`shared.coordination.JobRuns`).

Revision ID: 213de7111150
Revises: 1bbf907ccd49
Create Date: 2026-12-02 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "213de7111150"
down_revision: str | None = "1bbf907ccd49"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("runs", sa.BigInteger(), nullable=False),
        sa.Column("last_started_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_run")),
    )


def downgrade() -> None:
    op.drop_table("job_run")
