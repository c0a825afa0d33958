"""oauth clients: machine clients (OAuth 2.0 client credentials, #13) and their last use

Revision ID: 1bbf907ccd49
Revises: 5ca6ff6ad7e8
Create Date: 2026-12-02 01:37:56.323181
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db
import shared.platform

revision: str = "1bbf907ccd49"
down_revision: str | None = "5ca6ff6ad7e8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oauth_client",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", shared.db.JSONDocument(), nullable=False),
        sa.Column("expires_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("secret_rotated_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("previous_secret_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "previous_secret_expires_at", shared.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_client")),
    )
    op.create_table(
        "oauth_client_usage",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("last_used_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_client.id"],
            name=op.f("fk_oauth_client_usage_client_id_oauth_client"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_oauth_client_usage")),
    )


def downgrade() -> None:
    op.drop_table("oauth_client_usage")
    op.drop_table("oauth_client")
