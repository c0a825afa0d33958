"""Consent records and data subject requests (UK GDPR)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.changes import Audited
from shared.db import IdMixin, TimestampMixin, UTCDateTime, VersionedMixin, enum_column
from stakeholders_service.db import Base


class ConsentPurpose(StrEnum):
    contact_for_engagement = "contact_for_engagement"
    attributed_contributions = "attributed_contributions"
    quotes_in_reports = "quotes_in_reports"
    photo_or_recording = "photo_or_recording"
    equality_monitoring_linked = "equality_monitoring_linked"
    share_with_partner_organisation = "share_with_partner_organisation"


# Purposes that process special-category data (Art. 9): an Art. 9 condition is required.
SPECIAL_CATEGORY_PURPOSES = frozenset({ConsentPurpose.equality_monitoring_linked})


class LawfulBasis(StrEnum):
    """UK GDPR Art. 6(1)(a)-(f); extensible (e.g. Art. 6(1)(ea) from the DUA Act 2025)."""

    consent = "consent"
    contract = "contract"
    legal_obligation = "legal_obligation"
    vital_interests = "vital_interests"
    public_task = "public_task"
    legitimate_interests = "legitimate_interests"


class Article9Condition(StrEnum):
    explicit_consent = "explicit_consent"
    health_or_social_care = "health_or_social_care"
    public_health = "public_health"
    archiving_research_statistics = "archiving_research_statistics"
    substantial_public_interest_equality_of_opportunity = (
        "substantial_public_interest_equality_of_opportunity"
    )
    other = "other"


class ConsentMethod(StrEnum):
    written = "written"
    electronic = "electronic"
    verbal_recorded = "verbal_recorded"


class ConsentState(StrEnum):
    given = "given"
    withdrawn = "withdrawn"
    expired = "expired"


class ConsentRecord(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """Append-only: the only change ever made is setting `withdrawn_at` once."""

    __tablename__ = "consent_record"

    stakeholder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_column(ConsentPurpose, "consent_purpose"))
    lawful_basis: Mapped[LawfulBasis] = mapped_column(enum_column(LawfulBasis, "lawful_basis"))
    article9_condition: Mapped[Article9Condition | None] = mapped_column(
        enum_column(Article9Condition, "article9_condition", length=60)
    )
    information_version: Mapped[str] = mapped_column(String(60))
    method: Mapped[ConsentMethod] = mapped_column(enum_column(ConsentMethod, "consent_method"))
    given_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str | None] = mapped_column(String(200))

    def state_at(self, now: dt.datetime) -> ConsentState:
        if self.withdrawn_at is not None and self.withdrawn_at <= now:
            return ConsentState.withdrawn
        if self.expires_at is not None and self.expires_at <= now:
            return ConsentState.expired
        return ConsentState.given


class RequestType(StrEnum):
    access = "access"
    rectification = "rectification"
    erasure = "erasure"
    restriction = "restriction"
    objection = "objection"
    portability = "portability"


class RequestStatus(StrEnum):
    received = "received"
    identity_verified = "identity_verified"
    in_progress = "in_progress"
    completed = "completed"
    refused = "refused"


class RequestOutcome(StrEnum):
    actioned = "actioned"
    partially_actioned = "partially_actioned"
    refused = "refused"


class Exemption(StrEnum):
    legal_obligation = "legal_obligation"
    public_task = "public_task"
    public_health = "public_health"
    archiving_research_statistics = "archiving_research_statistics"
    legal_claims = "legal_claims"
    freedom_of_expression = "freedom_of_expression"


class DataSubjectRequest(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "data_subject_request"
    # Free text about a person's request may itself be personal data.
    __audit_redact__: ClassVar[frozenset[str]] = frozenset({"notes", "extension_reason"})

    # Kept after erasure (the tombstone id): a record that the request was handled.
    stakeholder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="RESTRICT"), index=True
    )
    type: Mapped[RequestType] = mapped_column(enum_column(RequestType, "request_type"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    identity_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    extended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status"), default=RequestStatus.received, index=True
    )
    outcome: Mapped[RequestOutcome | None] = mapped_column(
        enum_column(RequestOutcome, "request_outcome")
    )
    exemption: Mapped[Exemption | None] = mapped_column(enum_column(Exemption, "exemption"))
    notes: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    overdue_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(200))
