"""Engagement plans, engagement activities, participation and "you said, we did" feedback."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, validates

from shared.changes import Audited
from shared.db import (
    IdMixin,
    JSONDocument,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
)
from stakeholders_service.db import Base
from stakeholders_service.stakeholders.models import StakeholderCategory
from stakeholders_service.vocabulary import Iap2Level


class EngagementType(StrEnum):
    meeting = "meeting"
    workshop = "workshop"
    co_design_session = "co_design_session"
    interview = "interview"
    focus_group = "focus_group"
    survey = "survey"
    steering_group = "steering_group"
    public_event = "public_event"
    newsletter = "newsletter"
    one_to_one = "one_to_one"


class EngagementMode(StrEnum):
    in_person = "in_person"
    online = "online"
    hybrid = "hybrid"


class EngagementStatus(StrEnum):
    planned = "planned"
    completed = "completed"
    cancelled = "cancelled"


class ParticipationRole(StrEnum):
    participant = "participant"
    co_facilitator = "co_facilitator"
    observer = "observer"


class FeedbackStatus(StrEnum):
    open = "open"
    considered = "considered"
    acted_on = "acted_on"
    not_acted_with_reason = "not_acted_with_reason"
    out_of_scope = "out_of_scope"
    closed = "closed"


class PlanFrequency(StrEnum):
    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"
    biannual = "biannual"
    annual = "annual"
    ad_hoc = "ad_hoc"


class EngagementPlanItem(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """Who the project means to engage (one stakeholder or a category segment), and how."""

    __tablename__ = "engagement_plan_item"
    # The owner is a staff name (`shared.staff_names`): never in audit or the change feed.
    __audit_redact__: ClassVar[frozenset[str]] = frozenset({"owner"})

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    stakeholder_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="RESTRICT")
    )
    segment: Mapped[StakeholderCategory | None] = mapped_column(
        enum_column(StakeholderCategory, "plan_segment")
    )
    target_level: Mapped[Iap2Level] = mapped_column(enum_column(Iap2Level, "plan_target_level"))
    objectives: Mapped[str] = mapped_column(Text, default="")
    methods: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    frequency: Mapped[PlanFrequency] = mapped_column(enum_column(PlanFrequency, "plan_frequency"))
    owner: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(200))


class Engagement(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """An engagement activity. `project_ids` is set once, at creation (no write changes it),
    and mirrored row by row in `engagement_project`, which the per-project reads join on."""

    __tablename__ = "engagement"
    __table_args__ = (
        # The summary's grouped pass over all engagements reads only this index, in its order
        # (no sort, no per-row function: `held_month` is why the column exists).
        Index(
            "ix_engagement_summary",
            "iap2_level",
            "type",
            "held_month",
            "status",
            "anonymous_attendee_count",
        ),
    )
    # The facilitator is a staff name (`shared.staff_names`): never in audit or the change feed.
    __audit_redact__: ClassVar[frozenset[str]] = frozenset({"facilitator"})

    project_ids: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    title: Mapped[str] = mapped_column(String(200))
    type: Mapped[EngagementType] = mapped_column(enum_column(EngagementType, "engagement_type"))
    iap2_level: Mapped[Iap2Level] = mapped_column(
        enum_column(Iap2Level, "engagement_iap2_level"), index=True
    )
    purpose: Mapped[str] = mapped_column(Text, default="")
    held_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # `YYYY-MM` of `held_at` in UTC, set with it (`_held_month`): the month the summary groups
    # by, as a plain indexed column, since neither database can index that for both.
    held_month: Mapped[str] = mapped_column(String(7))
    mode: Mapped[EngagementMode] = mapped_column(enum_column(EngagementMode, "engagement_mode"))
    facilitator: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[EngagementStatus] = mapped_column(
        enum_column(EngagementStatus, "engagement_status"),
        default=EngagementStatus.planned,
        index=True,
    )
    accessibility_adjustments: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    outputs: Mapped[str | None] = mapped_column(Text)
    anonymous_attendee_count: Mapped[int] = mapped_column(Integer, default=0)
    # Why it was completed or cancelled (`POST /transitions`), kept in the audit trail with it.
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200))

    @validates("held_at")
    def _held_month(self, _: str, held_at: dt.datetime) -> dt.datetime:
        if held_at.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware values")
        self.held_month = held_at.astimezone(dt.UTC).strftime("%Y-%m")
        return held_at


class EngagementProject(Base):
    """One row per (engagement, project): `Engagement.project_ids` as a table, so per-project
    aggregates are an indexed join instead of reading every engagement's JSON list. Written with
    the engagement, never changed (its `project_ids` are fixed at creation); not audited, since
    it repeats what the engagement's own audit entry records."""

    __tablename__ = "engagement_project"
    __table_args__ = (
        # project → engagements, covering: the per-project reads never touch the heap for it.
        Index("ix_engagement_project_project_id_engagement_id", "project_id", "engagement_id"),
    )

    engagement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)


class Participation(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "participation"
    __table_args__ = (UniqueConstraint("engagement_id", "stakeholder_id"),)

    engagement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True
    )
    stakeholder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="RESTRICT"), index=True
    )
    attended: Mapped[bool] = mapped_column(default=True)
    role: Mapped[ParticipationRole] = mapped_column(
        enum_column(ParticipationRole, "participation_role")
    )


class FeedbackItem(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """ "You said" (`content`) and "we did" (`response`)."""

    __tablename__ = "feedback_item"
    # What a named person said may identify them.
    __audit_redact__: ClassVar[frozenset[str]] = frozenset({"content"})

    engagement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True
    )
    raised_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="RESTRICT"), index=True
    )
    theme: Mapped[str] = mapped_column(String(120))
    content: Mapped[str] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    status: Mapped[FeedbackStatus] = mapped_column(
        enum_column(FeedbackStatus, "feedback_status"), default=FeedbackStatus.open
    )
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
