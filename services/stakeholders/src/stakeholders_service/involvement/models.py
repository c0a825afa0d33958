"""Public involvement: PPI roles, the UK Standards for Public Involvement self-assessment, and
saved GRIPP2 reports."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import Date, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

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


class InvolvementRoleType(StrEnum):
    advisory_group_member = "advisory_group_member"
    co_designer = "co_designer"
    co_researcher = "co_researcher"
    reviewer = "reviewer"
    lay_governance_member = "lay_governance_member"
    peer_facilitator = "peer_facilitator"


class InvolvementStage(StrEnum):
    priority_setting = "priority_setting"
    design = "design"
    delivery = "delivery"
    evaluation = "evaluation"
    dissemination = "dissemination"
    governance = "governance"


class UkStandard(StrEnum):
    """The six UK Standards for Public Involvement (NIHR and partners, 2019)."""

    inclusive_opportunities = "inclusive_opportunities"
    working_together = "working_together"
    support_and_learning = "support_and_learning"
    communications = "communications"
    impact = "impact"
    governance = "governance"


class StandardLevel(StrEnum):
    """A local scale (not from the standards themselves)."""

    not_started = "not_started"
    developing = "developing"
    established = "established"
    embedded = "embedded"


class AssessmentScope(StrEnum):
    centre = "centre"
    project = "project"


class Gripp2Form(StrEnum):
    short = "short"
    long = "long"


class Gripp2Status(StrEnum):
    draft = "draft"
    final = "final"


class InvolvementRole(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """Whether payment, expenses and training were offered (NIHR guidance), never rates."""

    __tablename__ = "involvement_role"

    stakeholder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="RESTRICT"), index=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    role: Mapped[InvolvementRoleType] = mapped_column(
        enum_column(InvolvementRoleType, "involvement_role_type")
    )
    stages: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    payment_offered: Mapped[bool] = mapped_column(default=False)
    expenses_reimbursed: Mapped[bool] = mapped_column(default=False)
    training_provided: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str | None] = mapped_column(String(200))


class StandardsSelfAssessment(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "standards_self_assessment"

    scope: Mapped[AssessmentScope] = mapped_column(enum_column(AssessmentScope, "standards_scope"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    period: Mapped[str] = mapped_column(String(20))  # e.g. `2026-Q1`
    # [{standard, level, evidence, actions}], one per standard.
    ratings: Mapped[list[dict[str, str]]] = mapped_column(JSONDocument, default=list)
    created_by: Mapped[str | None] = mapped_column(String(200))


class Gripp2Report(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """A saved GRIPP2 report: a draft people edit (each edit bumps `version`), then final (no
    more edits). `inputs` is the data it was generated from, kept as it was then."""

    __tablename__ = "gripp2_report"
    # Narrative text (it may name people, and runs to kilobytes per edit) and the inputs'
    # "you said, we did" quotes: audit and events record that they changed, not the text.
    __audit_redact__: ClassVar[frozenset[str]] = frozenset({"items", "inputs"})

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    form: Mapped[Gripp2Form] = mapped_column(enum_column(Gripp2Form, "gripp2_form"))
    status: Mapped[Gripp2Status] = mapped_column(enum_column(Gripp2Status, "gripp2_status"))
    # [{item, section, topic, prompt, text}], in checklist order.
    items: Mapped[list[dict[str, str]]] = mapped_column(JSONDocument, default=list)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finalised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finalised_by: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(200))
