"""Frameworks: tables for versioned framework templates and framework sources."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment_service.db import Base
from assessment_service.frameworks.definition import TemplateDefinition
from shared.changes import Audited
from shared.db import (
    IdMixin,
    JSONDocument,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
)


class FrameworkStatus(StrEnum):
    draft = "draft"
    piloting = "piloting"
    active = "active"
    retired = "retired"


class Framework(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """A versioned framework template (the IIAF and its relatives). Its scoring content is one
    validated document (`TemplateDefinition`): criteria are addressed by their code, which is
    stable because a version that any assessment has used never changes again."""

    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("name", "semver"),)

    name: Mapped[str] = mapped_column(String(120))
    semver: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[FrameworkStatus] = mapped_column(
        enum_column(FrameworkStatus, "framework_status"),
        default=FrameworkStatus.draft,
    )
    applies_to: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    gates_used: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    scoring_policy: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    domains: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    engagement_rules: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDocument, default=list, server_default="[]"
    )
    # Set to `name` while the version is active and NULL otherwise: a unique column, so "one
    # active version per name" holds even when two activations race.
    active_name: Mapped[str | None] = mapped_column(String(120), unique=True)
    cloned_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("framework.id"))
    first_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(200))

    @property
    def in_use(self) -> bool:
        return self.first_used_at is not None

    def definition(self) -> TemplateDefinition:
        return TemplateDefinition.model_validate(
            {
                "applies_to": self.applies_to,
                "gates_used": self.gates_used,
                "scoring_policy": self.scoring_policy,
                "domains": self.domains,
                "engagement_rules": self.engagement_rules,
            }
        )

    def set_definition(self, definition: TemplateDefinition) -> None:
        document = definition.model_dump(mode="json")
        self.applies_to = document["applies_to"]
        self.gates_used = document["gates_used"]
        self.scoring_policy = document["scoring_policy"]
        self.domains = document["domains"]
        self.engagement_rules = document["engagement_rules"]


class FrameworkSource(Base):
    """A published framework the templates cite (NASSS, RE-AIM, CFIR, ...): read-only reference
    data seeded by migration, so it survives test clean-ups (`reference_data`)."""

    __tablename__ = "framework_source"
    __table_args__ = {"info": {"reference_data": True}}

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    citation_url: Mapped[str] = mapped_column(String(500))
    scale: Mapped[str] = mapped_column(Text, default="")
    structure_note: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list[dict[str, str]]] = mapped_column(JSONDocument, default=list)
