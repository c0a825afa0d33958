"""Projects: tables for projects, reference counters, stage history and received decisions."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from projects_service.db import Base
from shared.changes import Audited
from shared.db import (
    IdMixin,
    JSONDocument,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
    utcnow,
)


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


# The main path, in order; `paused` and `stopped` sit beside it.
MAIN_PATH = (
    Stage.idea,
    Stage.scoping,
    Stage.design,
    Stage.pilot,
    Stage.evaluation,
    Stage.scaling,
    Stage.embedding,
    Stage.sustained,
    Stage.closed,
)


class Core20Plus5(StrEnum):
    """NHS England Core20PLUS5: the five adult clinical areas, the population tags, and the
    children and young people's clinical areas as the optional extension set."""

    maternity = "maternity"
    severe_mental_illness = "severe_mental_illness"
    chronic_respiratory_disease = "chronic_respiratory_disease"
    early_cancer_diagnosis = "early_cancer_diagnosis"
    hypertension_case_finding = "hypertension_case_finding"
    core20_deprivation = "core20_deprivation"
    plus_group = "plus_group"
    cyp_asthma = "cyp_asthma"
    cyp_diabetes = "cyp_diabetes"
    cyp_epilepsy = "cyp_epilepsy"
    cyp_oral_health = "cyp_oral_health"
    cyp_mental_health = "cyp_mental_health"


class ProjectStatus(StrEnum):
    active = "active"
    archived = "archived"


class Project(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "project"

    reference: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    problem_statement: Mapped[str] = mapped_column(Text, default="")
    pillar: Mapped[Pillar] = mapped_column(enum_column(Pillar, "pillar"))
    innovation_type: Mapped[InnovationType] = mapped_column(
        enum_column(InnovationType, "innovation_type")
    )
    directorate: Mapped[str | None] = mapped_column(String(120))
    site_code: Mapped[str | None] = mapped_column(String(20), index=True)
    lead_partner: Mapped[LeadPartner] = mapped_column(enum_column(LeadPartner, "lead_partner"))
    stage: Mapped[Stage] = mapped_column(
        enum_column(Stage, "stage"), default=Stage.idea, index=True
    )
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus, "project_status"), default=ProjectStatus.active, index=True
    )
    # Why it was archived (required by `POST /archive`), kept on the row so the audit entry and
    # the `project.archived` event carry it.
    archive_reason: Mapped[str | None] = mapped_column(Text)
    # The stage a paused project returns to on `resume`.
    paused_from: Mapped[Stage | None] = mapped_column(enum_column(Stage, "paused_from_stage"))
    stage_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_digital: Mapped[bool] = mapped_column(default=False)
    funding_source: Mapped[str | None] = mapped_column(String(200))
    budget_gbp: Mapped[decimal.Decimal | None] = mapped_column(Numeric(14, 2))
    core20plus5_tags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    net_zero_relevant: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    planned_end_date: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(200))


class ReferenceCounter(Base):
    """The last reference number issued per year (CMDI-2026-014), updated atomically."""

    __tablename__ = "reference_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class TransitionAction(StrEnum):
    """The stage moves a person asks for (`POST /v1/projects/{id}/transitions`), by the name
    the stage history records in `action`; gate crossings arrive as decisions instead."""

    pause = "pause"
    resume = "resume"
    stop = "stop"
    close = "close"
    end_pilot = "end_pilot"


class StageChangeKind(StrEnum):
    transition = "transition"  # POST /v1/projects/{id}/transitions
    decision = "decision"  # a governance decision from the assessment service


class StageChange(IdMixin, Base):
    """Stage history: one row per change, never updated. The project row's audit entry records
    the same change; this table is what the stage history and days-in-stage reads use."""

    __tablename__ = "stage_change"
    __table_args__ = (
        # Exports read the portfolio's stage history by moment (`as_of`, `updated_since`).
        Index("ix_stage_change_occurred_at", "occurred_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    from_stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage_change_from"))
    to_stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage_change_to"))
    kind: Mapped[StageChangeKind] = mapped_column(enum_column(StageChangeKind, "stage_change_kind"))
    action: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    decision_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    gate: Mapped[str | None] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DecisionEffect(StrEnum):
    applied = "applied"  # the stage changed
    no_change = "no_change"  # a valid decision that keeps the stage (e.g. G3 proceed: await G4)
    rejected = "rejected"  # the decision does not fit the project's current stage


class ReceivedDecision(IdMixin, Base):
    """Every `decision.recorded` event this service consumed, and what it did with it. Unique on
    `decision_id`: a decision redelivered under another event id is still applied once."""

    __tablename__ = "received_decision"

    decision_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    assessment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    gate: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(40))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    effect: Mapped[DecisionEffect] = mapped_column(enum_column(DecisionEffect, "decision_effect"))
    note: Mapped[str] = mapped_column(Text, default="")
    stage_before: Mapped[Stage | None] = mapped_column(enum_column(Stage, "decision_stage_before"))
    stage_after: Mapped[Stage | None] = mapped_column(enum_column(Stage, "decision_stage_after"))
    # The stage the gate decided on: `stage_before`, or for a correction the stage the decision
    # it corrects was taken on (a correction re-plans the gate from there).
    decided_on_stage: Mapped[Stage | None] = mapped_column(
        enum_column(Stage, "decision_decided_on_stage")
    )
    # Set when a later decision corrects this one (`supersedes_id` on the correction).
    superseded_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
