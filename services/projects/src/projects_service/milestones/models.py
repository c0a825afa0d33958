"""Milestones: tables for milestones and the adoption milestone catalogue."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from projects_service.db import Base
from shared.changes import Audited
from shared.db import IdMixin, TimestampMixin, VersionedMixin, enum_column


class MilestoneStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    missed = "missed"
    cancelled = "cancelled"


class Gate(StrEnum):
    g0_triage = "g0_triage"
    g1_scoping = "g1_scoping"
    g2_pilot_approval = "g2_pilot_approval"
    g3_post_pilot_review = "g3_post_pilot_review"
    g4_scale_or_adopt = "g4_scale_or_adopt"
    g5_sustainability_review = "g5_sustainability_review"


class Applicability(StrEnum):
    all = "all"
    digital = "digital"  # only projects with `is_digital`
    device = "device"  # only `medical_device` innovations


class AdoptionMilestoneType(Base):
    """The catalogue of NHS adoption milestones (reference data seeded by migration)."""

    __tablename__ = "adoption_milestone_type"
    __table_args__ = {"info": {"reference_data": True}}

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    applies_to: Mapped[Applicability] = mapped_column(enum_column(Applicability, "applicability"))
    evidence_hint: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


class Milestone(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "milestone"
    __table_args__ = (
        # A project tracks each catalogue milestone at most once (NULLs stay distinct).
        Index("uq_milestone_project_adoption", "project_id", "adoption_code", unique=True),
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_milestone_updated_at", "updated_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[MilestoneStatus] = mapped_column(
        enum_column(MilestoneStatus, "milestone_status"), default=MilestoneStatus.planned
    )
    gate: Mapped[Gate | None] = mapped_column(enum_column(Gate, "milestone_gate"))
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    adoption_code: Mapped[str | None] = mapped_column(ForeignKey("adoption_milestone_type.code"))
    evidence_uri: Mapped[str | None] = mapped_column(String(2000))
    evidence_note: Mapped[str] = mapped_column(Text, default="")
