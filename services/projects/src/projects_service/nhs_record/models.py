"""NHS innovation records: the record each imported project came from, kept whole."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from projects_service.db import Base
from shared.changes import Audited
from shared.db import IdMixin, JSONDocument, TimestampMixin, UTCDateTime, VersionedMixin, utcnow


class NhsRecordDocument(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """One per imported innovation: the Innovation Service's id, our project, and the latest
    record as it was imported. The fields we map live on the project (and its adoption
    milestones); everything else stays here, so an export gives back what came in."""

    __tablename__ = "nhs_record_document"
    # The record's free text may name people (contacts, supporters), and it runs to kilobytes:
    # audit and the change feed say that it changed; the export reads it.
    __audit_redact__ = frozenset({"document"})

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), unique=True)
    # The innovation's id in the NHS Innovation Service: the key an import creates or updates by.
    innovation_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    record_version: Mapped[str] = mapped_column(String(10))
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    imports: Mapped[int] = mapped_column(Integer, default=1)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(200))
