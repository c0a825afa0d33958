"""The stakeholders service's answers as the reports read them (its OpenAPI is the full
contract): the portfolio engagement aggregate and one project's engagement picture. Counts of
people arrive null where the service suppressed them for this caller (listed in `suppressed`)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import Field

from reporting_service.clients.base import PassThrough, UpstreamModel


class LevelCounts(UpstreamModel):
    inform: int = 0
    consult: int = 0
    involve: int = 0
    collaborate: int = 0
    empower: int = 0


class ProjectCoverage(UpstreamModel):
    project_id: uuid.UUID
    engagements: int
    by_iap2_level: LevelCounts
    highest_level: str


class Coverage(UpstreamModel):
    projects_requested: int | None
    projects_with_engagement: int
    share: float | None
    engagements: int
    by_iap2_level: LevelCounts
    projects: list[ProjectCoverage]


class OwnerRow(UpstreamModel):
    subject: str | None = Field(description="Governance and admin only.")
    owned: int | None
    sole_owned: int | None
    share: float | None
    flagged: bool


class Ownership(UpstreamModel):
    flag_share: float
    relationships: int | None
    shared_relationships: int | None
    flagged: int
    people: list[OwnerRow]


class Inclusivity(UpstreamModel):
    projects_requested: int | None
    projects_with_public_involvement: int
    share: float | None


class EngagementAggregate(UpstreamModel):
    """`POST /v1/aggregates/engagement`."""

    as_of: dt.datetime
    coverage: Coverage
    ownership: Ownership
    inclusivity: Inclusivity
    suppressed: list[str] = Field(default_factory=list)
    definitions: dict[str, str] = Field(default_factory=dict)


class ProjectEngagement(PassThrough):
    """`POST /v1/aggregates/project-engagement`: stakeholders by Mendelow quadrant and salience
    class, IAP2 current against target, engagements and "you said, we did" closure in the
    period, involvement roles and UK Standards status (repeated as the service gives it)."""

    project_id: uuid.UUID
    as_of: dt.datetime
    suppressed: list[str] = Field(default_factory=list)
    definitions: dict[str, str] = Field(default_factory=dict)
