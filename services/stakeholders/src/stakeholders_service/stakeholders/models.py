"""Stakeholders, their contact details (a table of their own, so they can be erased on their
own) and their links to projects. Every personal field is listed in `__audit_redact__`, so the
audit trail and the change feed record that it changed, never its value."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class StakeholderKind(StrEnum):
    individual = "individual"
    group = "group"
    organisation_unit = "organisation_unit"


class StakeholderCategory(StrEnum):
    staff_clinical = "staff_clinical"
    staff_non_clinical = "staff_non_clinical"
    executive = "executive"
    academic = "academic"
    patient = "patient"
    carer = "carer"
    public = "public"
    community_group = "community_group"
    vcse = "vcse"
    commissioner = "commissioner"
    industry = "industry"
    regulator = "regulator"
    other = "other"


class StakeholderStatus(StrEnum):
    active = "active"
    inactive = "inactive"
    erased = "erased"


class PreferredChannel(StrEnum):
    email = "email"
    phone = "phone"
    post = "post"
    in_person = "in_person"


class RoleInProject(StrEnum):
    boundary_partner_member = "boundary_partner_member"
    beneficiary = "beneficiary"
    sponsor = "sponsor"
    decision_maker = "decision_maker"
    influencer = "influencer"
    public_contributor = "public_contributor"
    advisor = "advisor"
    delivery_partner = "delivery_partner"


class Stakeholder(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """A person, group or organisational unit. After erasure the row stays as a tombstone
    (status `erased`, only kind and category kept) so anonymous counts stay true."""

    __tablename__ = "stakeholder"
    __audit_redact__: ClassVar[frozenset[str]] = frozenset(
        {"display_name", "external_ref", "under_served_group_codes"}
    )

    kind: Mapped[StakeholderKind] = mapped_column(enum_column(StakeholderKind, "stakeholder_kind"))
    display_name: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    category: Mapped[StakeholderCategory] = mapped_column(
        enum_column(StakeholderCategory, "stakeholder_category"), index=True
    )
    is_public_contributor: Mapped[bool] = mapped_column(default=False)
    status: Mapped[StakeholderStatus] = mapped_column(
        enum_column(StakeholderStatus, "stakeholder_status"),
        default=StakeholderStatus.active,
        index=True,
    )
    external_ref: Mapped[str | None] = mapped_column(String(120))
    # Locally configured under-served group codes: potentially special-category data.
    under_served_group_codes: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    created_by: Mapped[str | None] = mapped_column(String(200))
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    contact: Mapped[ContactDetails | None] = relationship(
        lazy="raise", uselist=False, back_populates="stakeholder", passive_deletes=True
    )


class ContactDetails(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "contact_details"
    __audit_redact__: ClassVar[frozenset[str]] = frozenset(
        {"email", "phone", "postal_address", "accessibility_needs"}
    )

    stakeholder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="CASCADE"), unique=True
    )
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    postal_address: Mapped[str | None] = mapped_column(Text)
    preferred_channel: Mapped[PreferredChannel | None] = mapped_column(
        enum_column(PreferredChannel, "preferred_channel")
    )
    accessibility_needs: Mapped[str | None] = mapped_column(Text)

    stakeholder: Mapped[Stakeholder] = relationship(lazy="raise", back_populates="contact")


class ProjectLink(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """A stakeholder's part in a project, and the team member who owns the relationship."""

    __tablename__ = "project_link"
    __table_args__ = (UniqueConstraint("stakeholder_id", "project_id", "role_in_project"),)

    stakeholder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="RESTRICT"), index=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    role_in_project: Mapped[RoleInProject] = mapped_column(
        enum_column(RoleInProject, "role_in_project")
    )
    boundary_partner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # A team member's token subject (staff, not the stakeholder): feeds the key-person metric.
    relationship_owner: Mapped[str] = mapped_column(String(200), index=True)
    # True when an admin named the owner (anyone may be named then); otherwise the owner was an
    # active member of the project's team when named, and owning the relationship grants
    # personal data only while they still are (`access.py`). Links from before this rule: False.
    owner_set_by_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The day the owner's last role on the project ends, when they owned the relationship
    # alone: the link is orphaned and listed for reassignment until a new owner is named.
    orphaned_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    created_by: Mapped[str | None] = mapped_column(String(200))
