"""Dated stakeholder assessments: snapshots per project, never overwritten (append-only)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.changes import Audited
from shared.db import IdMixin, TimestampMixin, UTCDateTime, VersionedMixin, enum_column
from stakeholders_service.db import Base
from stakeholders_service.vocabulary import Iap2Level


class Stance(StrEnum):
    champion = "champion"
    supporter = "supporter"
    neutral = "neutral"
    sceptic = "sceptic"
    blocker = "blocker"


class StakeholderAssessment(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "stakeholder_assessment"
    __table_args__ = (
        Index("ix_stakeholder_assessment_project_assessed", "project_id", "assessed_at"),
    )
    # Free text written about a person may name or describe them.
    __audit_redact__: ClassVar[frozenset[str]] = frozenset({"rationale"})

    stakeholder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="RESTRICT"), index=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    assessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    assessed_by: Mapped[str] = mapped_column(String(200))
    power: Mapped[int] = mapped_column(SmallInteger)
    interest: Mapped[int] = mapped_column(SmallInteger)
    legitimacy: Mapped[bool] = mapped_column()
    urgency: Mapped[bool] = mapped_column()
    stance: Mapped[Stance] = mapped_column(enum_column(Stance, "stance"))
    relationship_quality: Mapped[int] = mapped_column(SmallInteger)
    trust: Mapped[int] = mapped_column(SmallInteger)
    current_level: Mapped[Iap2Level] = mapped_column(enum_column(Iap2Level, "iap2_current_level"))
    target_level: Mapped[Iap2Level] = mapped_column(enum_column(Iap2Level, "iap2_target_level"))
    rationale: Mapped[str | None] = mapped_column(Text)
