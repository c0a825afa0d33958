"""Team: the team membership table and the roles."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import Date, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from projects_service.db import Base
from shared.changes import Audited
from shared.db import IdMixin, TimestampMixin, VersionedMixin, enum_column


class TeamRole(StrEnum):
    project_lead = "project_lead"
    clinical_lead = "clinical_lead"
    executive_sponsor = "executive_sponsor"
    academic_lead = "academic_lead"
    developmental_evaluator = "developmental_evaluator"
    evaluator = "evaluator"
    project_manager = "project_manager"
    analyst = "analyst"
    member = "member"


# Roles whose concentration in one person the key-person metric watches (DOMAIN B9).
LEAD_ROLES = frozenset({TeamRole.project_lead})
SPONSOR_ROLES = frozenset({TeamRole.executive_sponsor})
EVALUATOR_ROLES = frozenset({TeamRole.evaluator, TeamRole.developmental_evaluator})


class Affiliation(StrEnum):
    trust = "trust"
    university = "university"
    other = "other"


class TeamMembership(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """A person's role on a project for a period. Memberships end (`end_date`), never vanish:
    they are the history behind contributor write rights and the key-person metric."""

    __tablename__ = "team_membership"
    __audit_redact__: ClassVar[frozenset[str]] = frozenset({"display_name"})
    __table_args__ = (
        # The membership check other services call (`?subject=&active=`) is one index lookup.
        Index("ix_team_membership_project_subject", "project_id", "subject"),
        Index("ix_team_membership_subject", "subject"),
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_team_membership_updated_at", "updated_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"))
    subject: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200))
    affiliation: Mapped[Affiliation] = mapped_column(enum_column(Affiliation, "affiliation"))
    role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole, "team_role"))
    fte: Mapped[decimal.Decimal | None] = mapped_column(Numeric(4, 2))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
