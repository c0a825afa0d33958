"""Privacy: request and response bodies (consents, requests, erasure, export, retention)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.transitions import Reason, TransitionRequest
from shared.types import InputModel, UtcDateTime
from stakeholders_service.privacy.models import (
    Article9Condition,
    ConsentMethod,
    ConsentPurpose,
    ConsentState,
    Exemption,
    LawfulBasis,
    RequestOutcome,
    RequestStatus,
    RequestType,
)


class ConsentCreate(InputModel):
    purpose: ConsentPurpose
    lawful_basis: LawfulBasis
    article9_condition: Article9Condition | None = Field(
        None, description="Required when the purpose processes special-category data."
    )
    information_version: str = Field(
        min_length=1, max_length=60, description="Privacy notice / information sheet version."
    )
    method: ConsentMethod
    given_at: UtcDateTime | None = Field(None, description="Defaults to now.")
    expires_at: UtcDateTime | None = None


class ConsentTransition(TransitionRequest[ConsentState]):
    """The one move a consent makes: `{"to": "withdrawn"}` (terminal). `given` and `expired` are
    never asked for: a consent is given by recording it and expires by its date."""

    # A consent record keeps no free text, and the audit trail never holds personal data (it
    # outlives erasure), so a reason for withdrawing could be kept nowhere: refused, not dropped.
    reason: None = Field(
        None, description="Not accepted: a consent keeps no free text (no reason is needed)."
    )
    withdrawn_at: UtcDateTime | None = Field(
        None, description="When it was withdrawn; defaults to now."
    )


class ConsentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    stakeholder_id: uuid.UUID
    purpose: ConsentPurpose
    lawful_basis: LawfulBasis
    article9_condition: Article9Condition | None
    information_version: str
    method: ConsentMethod
    given_at: dt.datetime
    expires_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    state: ConsentState
    allowed_transitions: list[ConsentState] = Field(
        description="The states this caller may move the consent to now (`withdrawn` until it "
        "is; the team rule is checked on the move itself)."
    )
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class RequestCreate(InputModel):
    type: RequestType
    received_at: UtcDateTime | None = Field(None, description="Defaults to now.")
    notes: str | None = Field(None, max_length=5000)


class RequestExtend(InputModel):
    reason: str = Field(min_length=1, max_length=2000)


class RequestTransition(TransitionRequest[RequestStatus]):
    """A move of a data subject request: `identity_verified`, then `in_progress`, then
    `completed` (with its `outcome`; an `exemption` unless `actioned`), or `refused` from any
    open status (with the `exemption` relied on). `reason`, when given, is added to the
    request's `notes` (free text about a person's request: redacted from the audit trail,
    cleared by erasure)."""

    reason: Reason | None = Field(
        None,
        description="Why; added to the request's `notes` as a line `<status>: <reason>` "
        "(redacted from the audit trail, cleared by erasure).",
    )
    outcome: RequestOutcome | None = Field(None, description="Required to complete; only then.")
    exemption: Exemption | None = Field(
        None,
        description="Required to refuse, and to complete other than `actioned`; only then.",
    )


class RequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    stakeholder_id: uuid.UUID
    type: RequestType
    received_at: dt.datetime
    identity_verified_at: dt.datetime | None
    due_at: dt.datetime
    extended_at: dt.datetime | None
    extension_reason: str | None
    status: RequestStatus
    outcome: RequestOutcome | None
    exemption: Exemption | None
    notes: str | None
    closed_at: dt.datetime | None
    overdue: bool
    allowed_transitions: list[RequestStatus] = Field(
        description="The statuses the request may move to now (`POST .../transitions`)."
    )
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ErasureCreate(InputModel):
    request_id: uuid.UUID | None = Field(
        None, description="The erasure request this fulfils; it is completed as `actioned`."
    )


class ErasureResult(BaseModel):
    stakeholder_id: uuid.UUID
    erased_at: dt.datetime
    deleted: dict[str, int] = Field(description="Rows deleted or cleared, per record type.")


class SubjectExport(BaseModel):
    """Everything this service holds about one person (access and portability requests)."""

    generated_at: dt.datetime
    stakeholder_id: uuid.UUID
    format: str = "cmdi-stakeholder-export/1"
    stakeholder: dict[str, Any]
    contact_details: dict[str, Any] | None
    project_links: list[dict[str, Any]]
    assessments: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    data_subject_requests: list[dict[str, Any]]
    engagement_plan_items: list[dict[str, Any]]
    participations: list[dict[str, Any]]
    feedback_items: list[dict[str, Any]]
    involvement_roles: list[dict[str, Any]]
    equality_responses: list[dict[str, Any]]


class RetentionRun(BaseModel):
    run_id: uuid.UUID
    ran_at: dt.datetime
    retention_days: dict[str, int]
    erased_stakeholders: int
    deleted: dict[str, int]
    overdue_requests_flagged: int
