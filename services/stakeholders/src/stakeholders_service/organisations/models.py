"""Organisations: the organisation table and its types."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.changes import Audited
from shared.db import IdMixin, TimestampMixin, VersionedMixin, enum_column
from stakeholders_service.db import Base


class OrganisationType(StrEnum):
    nhs_trust = "nhs_trust"
    integrated_care_board = "integrated_care_board"
    primary_care = "primary_care"
    university = "university"
    local_authority = "local_authority"
    voluntary_community_sector = "voluntary_community_sector"
    patient_or_community_group = "patient_or_community_group"
    industry = "industry"
    regulator_or_national_body = "regulator_or_national_body"
    other = "other"


class Organisation(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """An organisation or organisational unit. Not personal data."""

    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(String(200), index=True)
    ods_code: Mapped[str | None] = mapped_column(String(10), unique=True)
    type: Mapped[OrganisationType] = mapped_column(
        enum_column(OrganisationType, "organisation_type")
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    website: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str | None] = mapped_column(String(200))
