"""decision meeting date

A decision records the date of the forum's meeting (`meeting_date`), so the board pack can ask
for one meeting's decisions (`GET /v1/decisions?forum=&meeting_date=`, issue #11), served by an
index on (forum, meeting_date, id). Decisions recorded before the column get the UTC date they
were recorded on.

Revision ID: b7d41e2c9a35
Revises: 6360dcde2d57
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d41e2c9a35"
down_revision: str | None = "6360dcde2d57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("decision", sa.Column("meeting_date", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE decision SET meeting_date = (decided_at AT TIME ZONE 'UTC')::date "
            "WHERE meeting_date IS NULL"
        )
    else:  # SQLite keeps the UTC instant as ISO text: its first ten characters are the date
        op.execute("UPDATE decision SET meeting_date = date(decided_at) WHERE meeting_date IS NULL")
    op.create_index("ix_decision_forum_meeting_date", "decision", ["forum", "meeting_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_decision_forum_meeting_date", table_name="decision")
    with op.batch_alter_table("decision") as batch:
        batch.drop_column("meeting_date")
