"""The stakeholders service as this service sees it: one project's engagement evidence at a date
(`POST /v1/aggregates/project-engagement`), which an assessment snapshots when it is opened.

Token rule: as `clients/projects.py` (the caller's token is forwarded; the one opening an
assessment is governance or an admin, who see every count). Error mapping differs on purpose:
the evidence is a record beside the assessment, not a precondition of opening it, so
`engagement_evidence(...)` never raises for the upstream: an unreachable, failing, refusing or
malformed answer comes back as `EvidenceMissing` with the reason, and the assessment records
that its snapshot is missing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.http import BadGateway, ServiceClient, UpstreamTimeout, UpstreamUnavailable

Iap2 = Literal["inform", "consult", "involve", "collaborate", "empower"]
IAP2_ORDER: tuple[Iap2, ...] = ("inform", "consult", "involve", "collaborate", "empower")


class PublicContributors(BaseModel):
    model_config = ConfigDict(extra="ignore")

    assessed: int | None
    highest_level: Iap2 | None


class EngagementEvidence(BaseModel):
    """The figures of `ProjectEngagement` an assessment keeps (the definitions are left out:
    they are the stakeholders service's to publish). Sections other than the public
    contributors are kept as they were answered, for the evidence pack to show."""

    model_config = ConfigDict(extra="ignore")

    project_id: uuid.UUID
    as_of: dt.datetime
    period: dict[str, Any]
    stakeholders: dict[str, Any]
    engagements: dict[str, Any]
    feedback: dict[str, Any]
    involvement: dict[str, Any]
    public_contributors: PublicContributors
    suppressed: list[str]


@dataclass(frozen=True)
class EvidenceMissing:
    reason: str


class StakeholdersClient:
    """The stakeholders service, typed."""

    def __init__(self, client: ServiceClient, *, as_service: bool = False) -> None:
        self.client = client
        self.as_service = as_service

    async def engagement_evidence(
        self, project_id: uuid.UUID, *, period_from: dt.datetime | None
    ) -> EngagementEvidence | EvidenceMissing:
        """The project's engagement picture now, over `period_from`..now (None: its whole
        history), or why it could not be had."""
        body: dict[str, Any] = {"project_id": str(project_id)}
        if period_from is not None:
            body["from"] = period_from.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        try:
            response = await self.client.request(
                "POST",
                "/v1/aggregates/project-engagement",
                json=body,
                as_service=self.as_service,
            )
        except (UpstreamUnavailable, UpstreamTimeout, BadGateway) as exc:
            return EvidenceMissing(exc.detail or "The stakeholders service could not be reached.")
        if response.status_code != 200:
            return EvidenceMissing(f"The stakeholders service answered {response.status_code}.")
        try:
            return EngagementEvidence.model_validate_json(response.content)
        except ValidationError:
            return EvidenceMissing("The stakeholders service answered with an unexpected body.")


async def stakeholders_client(request: Request) -> StakeholdersClient:
    """The client for a request: the caller's token is forwarded."""
    return StakeholdersClient(request.app.state.clients["stakeholders"])


StakeholdersClientDep = Annotated[StakeholdersClient, Depends(stakeholders_client)]
