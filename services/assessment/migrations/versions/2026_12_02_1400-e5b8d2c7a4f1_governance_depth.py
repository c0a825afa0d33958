"""governance depth (#14)

A condition can be `superseded`: the open conditions of a superseded decision follow it (the
CHECK on `decision_condition.status` gains the value). An assessor can recuse once rating has
started (`panel_member.recused_at`, `recused_by`, `recusal_reason`). A decision keeps the
developmental-evaluation items it cites (`decision.citations`, a JSON list; empty for older rows).

Revision ID: e5b8d2c7a4f1
Revises: c4e2a9f1d7b3
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "e5b8d2c7a4f1"
down_revision: str | None = "c4e2a9f1d7b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONDITION_CHECK = "ck_decision_condition_condition_status"
BEFORE = ("open", "met", "waived", "breached")
AFTER = (*BEFORE, "superseded")


def _condition_check(values: Sequence[str]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    with op.batch_alter_table("decision_condition") as batch:
        batch.drop_constraint(batch.f(CONDITION_CHECK), type_="check")
        batch.create_check_constraint(batch.f(CONDITION_CHECK), f"status IN ({listed})")


def upgrade() -> None:
    _condition_check(AFTER)
    with op.batch_alter_table("panel_member") as batch:
        batch.add_column(
            sa.Column("recused_at", shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("recused_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("recusal_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("decision") as batch:
        batch.add_column(
            sa.Column("citations", shared.db.JSONDocument(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("decision") as batch:
        batch.drop_column("citations")
    with op.batch_alter_table("panel_member") as batch:
        batch.drop_column("recusal_reason")
        batch.drop_column("recused_by")
        batch.drop_column("recused_at")
    op.execute("UPDATE decision_condition SET status = 'open' WHERE status = 'superseded'")
    _condition_check(BEFORE)
