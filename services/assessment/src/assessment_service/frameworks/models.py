from __future__ import annotations

from enum import StrEnum

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment_service.db import Base
from shared.changes import Audited
from shared.db import IdMixin, TimestampMixin, VersionedMixin, enum_column


class FrameworkStatus(StrEnum):
    draft = "draft"
    piloting = "piloting"
    active = "active"
    retired = "retired"


class Framework(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """A versioned assessment framework template (the IIAF and its relatives)."""

    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("name", "semver"),)

    name: Mapped[str] = mapped_column(String(120))
    semver: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[FrameworkStatus] = mapped_column(
        enum_column(FrameworkStatus, "framework_status"), default=FrameworkStatus.draft,
    )
    created_by: Mapped[str | None] = mapped_column(String(200))
