"""Benefits: tables for expected benefits and their append-only dated values."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from projects_service.db import Base
from shared.changes import Audited
from shared.db import IdMixin, JSONDocument, TimestampMixin, VersionedMixin, enum_column


class BenefitKind(StrEnum):
    cash_release = "cash_release"
    staff_time = "staff_time"
    bed_days = "bed_days"
    patient_outcome = "patient_outcome"
    carbon = "carbon"
    experience = "experience"


class Confidence(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class BenefitStatus(StrEnum):
    active = "active"
    retired = "retired"


class ValueType(StrEnum):
    estimated = "estimated"
    validated = "validated"
    actual = "actual"


class Benefit(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """An expected benefit in the project's benefits register."""

    __tablename__ = "benefit"
    __table_args__ = (
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_benefit_updated_at", "updated_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    kind: Mapped[BenefitKind] = mapped_column(enum_column(BenefitKind, "benefit_kind"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(40))
    confidence: Mapped[Confidence] = mapped_column(enum_column(Confidence, "benefit_confidence"))
    status: Mapped[BenefitStatus] = mapped_column(
        enum_column(BenefitStatus, "benefit_status"), default=BenefitStatus.active
    )
    # What the benefit rests on: progress markers of this project's outcome maps, and evidence
    # (free references, e.g. an assessment evidence item id or a report URI).
    progress_marker_ids: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    evidence_refs: Mapped[list[str]] = mapped_column(JSONDocument, default=list)


class BenefitValue(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """One dated figure for a benefit. Append-only: a new figure is a new row, so the register
    keeps how estimates, validations and actuals moved over time."""

    __tablename__ = "benefit_value"
    # A staff name (`shared.staff_names`): never in audit or the change feed.
    __audit_redact__: ClassVar[frozenset[str]] = frozenset({"validated_by"})
    __table_args__ = (
        Index("ix_benefit_value_latest", "benefit_id", "value_type", "as_at"),
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_benefit_value_updated_at", "updated_at"),
    )

    benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefit.id"))
    value_type: Mapped[ValueType] = mapped_column(enum_column(ValueType, "benefit_value_type"))
    amount: Mapped[decimal.Decimal] = mapped_column(Numeric(16, 2))
    as_at: Mapped[dt.date] = mapped_column(Date)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    validated_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str | None] = mapped_column(String(200))
