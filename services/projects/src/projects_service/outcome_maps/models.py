"""Outcome mapping (IDRC): versioned maps and their intentional-design elements."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Mapping
from enum import StrEnum

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from projects_service.db import Base
from shared.changes import Audited
from shared.db import (
    IdMixin,
    JSONDocument,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
)


class MapStatus(StrEnum):
    draft = "draft"
    agreed = "agreed"
    superseded = "superseded"


# The moves a caller asks for (`POST .../outcome-maps/{map_id}/transitions`). `superseded` is
# never asked for: the agreed version becomes superseded when the next version is agreed.
MAP_TRANSITIONS: Mapping[MapStatus, tuple[MapStatus, ...]] = {
    MapStatus.draft: (MapStatus.agreed,),
    MapStatus.agreed: (),
    MapStatus.superseded: (),
}


class MarkerLevel(StrEnum):
    """Ordered: depth of change, not time."""

    expect_to_see = "expect_to_see"
    like_to_see = "like_to_see"
    love_to_see = "love_to_see"


class MarkerState(StrEnum):
    active = "active"
    revised = "revised"
    retired = "retired"


# The moves a caller asks for (`POST .../markers/{marker_id}/transitions`). `revised` is never
# asked for: a marker becomes revised when its successor is created (`revises_id`).
MARKER_TRANSITIONS: Mapping[MarkerState, tuple[MarkerState, ...]] = {
    MarkerState.active: (MarkerState.retired,),
    MarkerState.revised: (),
    MarkerState.retired: (),
}


class RevisionRationale(StrEnum):
    adaptive_management = "adaptive_management"
    change_in_context = "change_in_context"
    new_learning = "new_learning"
    partner_feedback = "partner_feedback"
    unrealistic_or_unclear = "unrealistic_or_unclear"
    other = "other"


class StrategyTarget(StrEnum):
    individual = "individual"
    environment = "environment"


class StrategyType(StrEnum):
    causal = "causal"
    persuasive = "persuasive"
    supportive = "supportive"


def cell_code(target: StrategyTarget, type_: StrategyType) -> str:
    """The strategy-map cell: I1..I3 for individual, E1..E3 for environment."""
    row = "I" if target is StrategyTarget.individual else "E"
    column = {StrategyType.causal: 1, StrategyType.persuasive: 2, StrategyType.supportive: 3}[type_]
    return f"{row}{column}"


class Practice(StrEnum):
    """The eight organisational practices, in OM order."""

    prospecting_new_ideas_opportunities_resources = "prospecting_new_ideas_opportunities_resources"
    seeking_feedback_from_key_informants = "seeking_feedback_from_key_informants"
    obtaining_support_from_next_highest_power = "obtaining_support_from_next_highest_power"
    assessing_and_redesigning_products_services_systems_procedures = (
        "assessing_and_redesigning_products_services_systems_procedures"
    )
    checking_up_on_those_already_served = "checking_up_on_those_already_served"
    sharing_best_wisdom_with_the_world = "sharing_best_wisdom_with_the_world"
    experimenting_to_remain_innovative = "experimenting_to_remain_innovative"
    engaging_in_organisational_reflection = "engaging_in_organisational_reflection"


class PriorityKind(StrEnum):
    boundary_partner = "boundary_partner"
    strategy = "strategy"
    organisational_practice = "organisational_practice"


class Frequency(StrEnum):
    monthly = "monthly"
    quarterly = "quarterly"
    biannual = "biannual"
    annual = "annual"
    ad_hoc = "ad_hoc"


class MonitoringTool(StrEnum):
    outcome_journal = "outcome_journal"
    strategy_journal = "strategy_journal"
    performance_journal = "performance_journal"
    other = "other"


class PromptStatus(StrEnum):
    open = "open"
    addressed = "addressed"  # a later map version was agreed


class OutcomeMap(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "outcome_map"
    __table_args__ = (
        UniqueConstraint("project_id", "map_version"),
        # One agreed and one draft version per project at a time, enforced by the database too.
        Index(
            "uq_outcome_map_one_agreed",
            "project_id",
            unique=True,
            sqlite_where=text("status = 'agreed'"),
            postgresql_where=text("status = 'agreed'"),
        ),
        Index(
            "uq_outcome_map_one_draft",
            "project_id",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_outcome_map_updated_at", "updated_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"))
    map_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[MapStatus] = mapped_column(
        enum_column(MapStatus, "outcome_map_status"), default=MapStatus.draft
    )
    vision: Mapped[str] = mapped_column(Text, default="")
    mission: Mapped[str] = mapped_column(Text, default="")
    agreed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    agreed_in: Mapped[str] = mapped_column(Text, default="")
    agreed_by: Mapped[str | None] = mapped_column(String(200))
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[str | None] = mapped_column(String(200))

    partners: Mapped[list[BoundaryPartner]] = relationship(
        lazy="raise", order_by="BoundaryPartner.position", viewonly=True
    )
    practices: Mapped[list[OrganisationalPractice]] = relationship(
        lazy="raise", order_by="OrganisationalPractice.position", viewonly=True
    )


class BoundaryPartner(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """A group (never a person) the project works with directly and hopes to influence. Its
    outcome challenge is a column: exactly one per partner per map version."""

    __tablename__ = "boundary_partner"
    __table_args__ = (
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_boundary_partner_updated_at", "updated_at"),
    )

    outcome_map_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outcome_map.id"), index=True)
    # The same partner across map versions (the first version's id): attainment follows it.
    lineage_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    cloned_from_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    why_critical: Mapped[str] = mapped_column(Text, default="")
    current_relationship: Mapped[str] = mapped_column(Text, default="")
    outcome_challenge: Mapped[str] = mapped_column(Text, default="")
    stakeholder_refs: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)

    markers: Mapped[list[ProgressMarker]] = relationship(
        lazy="raise",
        # Level names sort alphabetically in their OM order (expect < like < love).
        order_by=lambda: [ProgressMarker.level, ProgressMarker.position],
        viewonly=True,
    )
    strategies: Mapped[list[Strategy]] = relationship(
        lazy="raise", order_by="Strategy.cell_code", viewonly=True
    )


class ProgressMarker(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "progress_marker"
    __table_args__ = (
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_progress_marker_updated_at", "updated_at"),
    )

    boundary_partner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("boundary_partner.id"), index=True
    )
    outcome_map_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outcome_map.id"), index=True)
    lineage_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    # Set when the marker was copied from an agreed version: its wording has been agreed once,
    # so changing it is a revision that needs a rationale.
    cloned_from_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    level: Mapped[MarkerLevel] = mapped_column(enum_column(MarkerLevel, "marker_level"))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[MarkerState] = mapped_column(
        enum_column(MarkerState, "marker_state"), default=MarkerState.active
    )
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    revises_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    rationale_category: Mapped[RevisionRationale | None] = mapped_column(
        enum_column(RevisionRationale, "revision_rationale")
    )
    rationale_note: Mapped[str] = mapped_column(Text, default="")


class Strategy(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "strategy"

    boundary_partner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("boundary_partner.id"), index=True
    )
    outcome_map_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outcome_map.id"), index=True)
    target: Mapped[StrategyTarget] = mapped_column(enum_column(StrategyTarget, "strategy_target"))
    type: Mapped[StrategyType] = mapped_column(enum_column(StrategyType, "strategy_type"))
    cell_code: Mapped[str] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(Text)
    planned_activities: Mapped[str] = mapped_column(Text, default="")


class OrganisationalPractice(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """One of the eight practices for a map version: created with the map, one row each."""

    __tablename__ = "organisational_practice"
    __table_args__ = (UniqueConstraint("outcome_map_id", "practice"),)

    outcome_map_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outcome_map.id"))
    practice: Mapped[Practice] = mapped_column(enum_column(Practice, "practice", length=80))
    position: Mapped[int] = mapped_column(Integer)
    key_actions: Mapped[str] = mapped_column(Text, default="")
    in_use: Mapped[bool] = mapped_column(default=False)


class MonitoringPlanItem(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """OM step 8: what is monitored, by whom, how often, with which tool."""

    __tablename__ = "monitoring_plan_item"

    outcome_map_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outcome_map.id"), index=True)
    priority_kind: Mapped[PriorityKind] = mapped_column(enum_column(PriorityKind, "priority_kind"))
    # A boundary partner or strategy id of this map, or a practice name.
    priority_ref: Mapped[str] = mapped_column(String(100))
    who_uses_info: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    when_needed: Mapped[str] = mapped_column(Text, default="")
    who_collects: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency, "monitoring_frequency"))
    collection_method: Mapped[str] = mapped_column(Text, default="")
    tool: Mapped[MonitoringTool] = mapped_column(enum_column(MonitoringTool, "monitoring_tool"))


class EvaluationPlanItem(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """OM step 12."""

    __tablename__ = "evaluation_plan_item"

    outcome_map_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outcome_map.id"), index=True)
    evaluation_issue: Mapped[str] = mapped_column(Text)
    users_and_use: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    information_sources: Mapped[str] = mapped_column(Text, default="")
    methods: Mapped[str] = mapped_column(Text, default="")
    conducted_by: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    cost_gbp: Mapped[decimal.Decimal | None] = mapped_column(Numeric(14, 2))


class RevisionPrompt(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """A pivot implemented in developmental evaluation prompts (never forces) a new outcome-map
    version; it is addressed when a later version is agreed."""

    __tablename__ = "outcome_map_revision_prompt"

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    adaptation_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    evaluation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    summary: Mapped[str] = mapped_column(Text, default="")
    implemented_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[PromptStatus] = mapped_column(
        enum_column(PromptStatus, "prompt_status"), default=PromptStatus.open
    )
    addressed_by_map_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
