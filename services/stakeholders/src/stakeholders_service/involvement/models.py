"""Public involvement: PPI roles and the UK Standards for Public Involvement self-assessment."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.changes import Audited
from shared.db import IdMixin, JSONDocument, TimestampMixin, VersionedMixin, enum_column
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
