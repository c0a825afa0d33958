"""nhs innovation record documents

The NHS Innovation Service record each imported project came from (issue #14 item 15): one row
per innovation, unique on the Innovation Service's id and on the project, with the latest record
kept whole as JSON so the fields we do not model are exported back, never dropped.

Revision ID: a7f5dd411d08
Revises: 0fce36202c5c
Create Date: 2026-12-02 01:57:35.281805
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "a7f5dd411d08"
down_revision: str | None = "0fce36202c5c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nhs_record_document",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("innovation_id", sa.Uuid(), nullable=False),
        sa.Column("record_version", sa.String(length=10), nullable=False),
        sa.Column("document", shared.db.JSONDocument(), nullable=False),
        sa.Column("imports", sa.Integer(), nullable=False),
        sa.Column("imported_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_nhs_record_document_project_id_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nhs_record_document")),
        sa.UniqueConstraint("innovation_id", name=op.f("uq_nhs_record_document_innovation_id")),
        sa.UniqueConstraint("project_id", name=op.f("uq_nhs_record_document_project_id")),
    )


def downgrade() -> None:
    op.drop_table("nhs_record_document")
