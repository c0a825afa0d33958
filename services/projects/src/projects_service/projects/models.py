from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from projects_service.db import Base
from shared.changes import Audited
from shared.db import IdMixin, JSONDocument, TimestampMixin, VersionedMixin, enum_column


class Pillar(StrEnum):
    project_innovation = "project_innovation"
    innovation_governance = "innovation_governance"


class InnovationType(StrEnum):
    service_or_pathway_redesign = "service_or_pathway_redesign"
    digital_technology = "digital_technology"
    workforce_or_role = "workforce_or_role"
    organisational_or_management = "organisational_or_management"
    medical_device = "medical_device"
    other = "other"


class LeadPartner(StrEnum):
    trust = "trust"
    university = "university"
    joint = "joint"


class Stage(StrEnum):
    idea = "idea"
    scoping = "scoping"
    design = "design"
    pilot = "pilot"
    evaluation = "evaluation"
    scaling = "scaling"
    embedding = "embedding"
    sustained = "sustained"
    closed = "closed"
    paused = "paused"
    stopped = "stopped"


class ProjectStatus(StrEnum):
    active = "active"
    archived = "archived"


class Project(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "project"

    reference: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    pillar: Mapped[Pillar] = mapped_column(enum_column(Pillar, "pillar"))
    innovation_type: Mapped[InnovationType] = mapped_column(enum_column(InnovationType, "innovation_type"))
    directorate: Mapped[str | None] = mapped_column(String(120))
    lead_partner: Mapped[LeadPartner] = mapped_column(enum_column(LeadPartner, "lead_partner"))
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage"), default=Stage.idea, index=True)
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus, "project_status"), default=ProjectStatus.active, index=True
    )
    is_digital: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    planned_end_date: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(200))


class ReferenceCounter(Base):
    """The last reference number issued per year (CMDI-2026-014), updated atomically."""

    __tablename__ = "reference_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)
