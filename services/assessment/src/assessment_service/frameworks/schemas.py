"""Frameworks: request and response bodies, and the import/export document."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from assessment_service.frameworks.definition import (
    Applicability,
    Domain,
    EngagementRule,
    Gate,
    ScoringPolicy,
    TemplateDefinition,
)
from assessment_service.frameworks.models import FrameworkStatus
from shared.transitions import TransitionRequest
from shared.types import InputModel, NotBlank, omittable

SemVer = Annotated[
    str, StringConstraints(pattern=r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$", max_length=32)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), NotBlank()
]
DOCUMENT_FORMAT = "cmdi-framework-template/1"


class FrameworkCreate(TemplateDefinition):
    """A new template version (starts as `draft`). Only `name` and `semver` are required, so
    a template can be authored step by step; the rest is the definition."""

    name: Name
    semver: SemVer = Field(description="Semantic version, e.g. `1.0.0`.")
    description: str = Field("", max_length=5000)


class FrameworkDocument(FrameworkCreate):
    """The import/export document: a whole template version as one JSON document."""

    format: Literal["cmdi-framework-template/1"] = Field(description="Document format marker.")


class FrameworkPatch(InputModel):
    """JSON merge patch. `applies_to` and `scoring_policy` merge key by key; `gates_used`,
    `domains` and `engagement_rules` are arrays and, as RFC 7396 says, replace the whole list."""

    description: str | None = Field(None, max_length=5000)
    applies_to: Applicability | None = None
    gates_used: list[Gate] = omittable()
    scoring_policy: ScoringPolicy | None = None
    domains: list[Domain] = omittable(max_length=50)
    engagement_rules: list[EngagementRule] = omittable(max_length=10)


class FrameworkTransition(TransitionRequest[FrameworkStatus]):
    """draft → piloting → active → retired (a draft or piloting version may be retired unused);
    activating retires the active version of the same name. `reason` goes to the audit trail."""


class FrameworkClone(InputModel):
    semver: SemVer | None = Field(
        None, description="Defaults to the next version after the highest."
    )
    bump: Literal["major", "minor", "patch"] = "minor"


class FrameworkSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    semver: str
    description: str
    status: FrameworkStatus
    in_use: bool = Field(description="Used by an assessment: immutable (clone to change).")
    gates_used: list[Gate]
    cloned_from_id: uuid.UUID | None
    first_used_at: dt.datetime | None
    activated_at: dt.datetime | None
    retired_at: dt.datetime | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class FrameworkRead(FrameworkSummary):
    applies_to: Applicability
    scoring_policy: ScoringPolicy
    domains: list[Domain]
    engagement_rules: list[EngagementRule]
    allowed_transitions: list[FrameworkStatus] = Field(
        description="The states you can move this version to now (`POST .../transitions`); "
        "empty for a caller who may not move it.",
    )


class SourceItem(BaseModel):
    code: str
    label: str


class FrameworkSourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    title: str
    citation_url: str
    scale: str
    structure_note: str
    items: list[SourceItem]


def export_document(framework: Any) -> FrameworkDocument:
    return FrameworkDocument.model_validate(
        {
            "format": DOCUMENT_FORMAT,
            "name": framework.name,
            "semver": framework.semver,
            "description": framework.description,
            "applies_to": framework.applies_to,
            "gates_used": framework.gates_used,
            "scoring_policy": framework.scoring_policy,
            "domains": framework.domains,
            "engagement_rules": framework.engagement_rules,
        }
    )
