"""Aggregates: the request bodies and the answers of `/v1/aggregates/...` (issue #11).

Counts of people (participants, public contributors, relationships per owner) are `null` for a
caller who gets the suppressed view, and the figure's name is listed in `suppressed`; every
answer repeats `as_of` and a `definitions` dict (figure → one sentence) for the report."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from shared.suppression import Distribution
from shared.types import Float, InputModel, UtcDateTime
from stakeholders_service.engagements.models import EngagementType
from stakeholders_service.involvement.models import StandardLevel, UkStandard
from stakeholders_service.mapping.rules import MendelowQuadrant, SalienceClass
from stakeholders_service.vocabulary import Iap2Level

# 20,000 ids are about 0.75 MB of JSON, inside the services' 1 MiB body limit.
MAX_PROJECT_IDS = 20_000
DEFAULT_OWNER_FLAG_SHARE = 0.25


class _Period(InputModel):
    as_of: UtcDateTime | None = Field(
        None, description="The moment the figures are taken at; defaults to now. Not after now."
    )
    period_from: UtcDateTime | None = Field(
        None,
        alias="from",
        description="Start of the period (inclusive); null: from the beginning.",
    )


class EngagementQuery(_Period):
    """`POST /v1/aggregates/engagement`: a safe, idempotent read (POST for the id set)."""

    period_to: UtcDateTime | None = Field(
        None,
        alias="to",
        description="End of the period (inclusive); null or after `as_of`: `as_of`.",
    )
    project_ids: list[uuid.UUID] | None = Field(
        None,
        max_length=MAX_PROJECT_IDS,
        description="The projects to aggregate over; null: every project.",
    )
    owner_flag_share: Float | None = Field(
        None,
        ge=0,
        le=1,
        description=f"Flag a person whose sole-owned share of the relationships is above this; "
        f"default {DEFAULT_OWNER_FLAG_SHARE}.",
    )


class ProjectEngagementQuery(_Period):
    """`POST /v1/aggregates/project-engagement`: one project, the period `from`..`as_of`."""

    project_id: uuid.UUID


class Period(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    period_from: dt.datetime | None = Field(alias="from")
    period_to: dt.datetime = Field(alias="to")


class LevelCounts(BaseModel):
    """A count per IAP2 level."""

    inform: int = 0
    consult: int = 0
    involve: int = 0
    collaborate: int = 0
    empower: int = 0


class ProjectCoverage(BaseModel):
    project_id: uuid.UUID
    engagements: int
    by_iap2_level: LevelCounts
    highest_level: Iap2Level


class Coverage(BaseModel):
    projects_requested: int | None = Field(description="Distinct ids asked about; null: all.")
    projects_with_engagement: int
    share: float | None = Field(description="Of `projects_requested`; null when all are asked.")
    engagements: int = Field(description="Distinct engagements (one touching two projects: 1).")
    by_iap2_level: LevelCounts
    projects: list[ProjectCoverage] = Field(
        description="Every project with an engagement in the period, by project id."
    )


class OwnerRow(BaseModel):
    subject: str | None = Field(description="Governance, admin and service callers only.")
    owned: int | None = Field(description="Relationships with a link they own; null below 5.")
    sole_owned: int | None = Field(description="Relationships they alone own; null when hidden.")
    share: float | None = Field(description="`sole_owned / relationships`; null when hidden.")
    flagged: bool = Field(description="`share` above `flag_share` (shown even when hidden).")


class Ownership(BaseModel):
    flag_share: float
    relationships: int | None = Field(
        description="Stakeholders linked to a project of the set; null below 5 when hidden."
    )
    shared_relationships: int | None = Field(description="Those with more than one owner.")
    flagged: int = Field(description="People flagged.")
    people: list[OwnerRow] = Field(description="Most sole-owned first.")


class Inclusivity(BaseModel):
    projects_requested: int | None
    projects_with_public_involvement: int
    share: float | None = Field(description="Of `projects_requested`; null when all are asked.")


class EngagementAggregate(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    as_of: dt.datetime
    period: Period
    coverage: Coverage
    ownership: Ownership
    inclusivity: Inclusivity
    suppressed: list[str] = Field(description="Figures hidden from this caller (JSON pointers).")
    definitions: dict[str, str]


class QuadrantCount(BaseModel):
    quadrant: MendelowQuadrant
    count: int


class SalienceCount(BaseModel):
    salience_class: SalienceClass
    count: int


class Iap2Row(BaseModel):
    level: Iap2Level
    current: int = Field(description="Stakeholders whose latest snapshot is at this level.")
    target: int = Field(description="Stakeholders whose latest snapshot targets this level.")


class GapCount(BaseModel):
    gap: int = Field(description="IAP2 levels below target (1-4).")
    count: int


class Relationships(BaseModel):
    """Relationship quality and trust (1-5) of the latest snapshots, and their trend against
    each stakeholder's snapshot before (#14 item 5); counts of people, so suppressed."""

    relationship_quality: Distribution = Field(description="Stakeholders per rating, 1 to 5.")
    trust: Distribution = Field(description="Stakeholders per rating, 1 to 5.")
    relationship_quality_trend: Distribution = Field(
        description="Stakeholders with an earlier snapshot: improving, steady, worsening."
    )
    trust_trend: Distribution = Field(
        description="Stakeholders with an earlier snapshot: improving, steady, worsening."
    )


class StakeholderPicture(BaseModel):
    threshold: int = Field(description="Power/interest at or above this count as high.")
    assessed: int = Field(description="Stakeholders with a snapshot of the project by `as_of`.")
    mendelow: list[QuadrantCount] = Field(description="All four quadrants.")
    salience: list[SalienceCount] = Field(description="All eight classes.")
    iap2: list[Iap2Row] = Field(description="All five levels, in IAP2 order.")
    below_target: int
    engagement_gap: list[GapCount] = Field(description="Gaps 1 to 4.")
    relationships: Relationships


class TypeCount(BaseModel):
    type: EngagementType
    count: int


class Engagements(BaseModel):
    total: int
    completed: int
    by_iap2_level: LevelCounts
    by_type: list[TypeCount] = Field(description="Types with at least one engagement.")
    attended_participants: int | None
    anonymous_attendees: int | None


class Feedback(BaseModel):
    items: int
    responded: int
    closed: int
    closure_rate: float | None
    median_days_to_response: float | None


class Involvement(BaseModel):
    contributors: int | None
    by_role: Distribution
    by_stage: Distribution


class StandardRow(BaseModel):
    standard: UkStandard
    level: StandardLevel | None


class Standards(BaseModel):
    period: str | None = Field(description="The latest self-assessment's period; null if none.")
    recorded_at: dt.datetime | None
    ratings: list[StandardRow] = Field(description="All six standards.")


class PublicContributors(BaseModel):
    assessed: int | None = Field(
        description="Public contributors with a snapshot of the project by `as_of`; null below 5."
    )
    highest_level: Iap2Level | None = Field(
        description="The highest current IAP2 level among them; null when there is none."
    )


class ProjectEngagement(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    project_id: uuid.UUID
    as_of: dt.datetime
    period: Period
    stakeholders: StakeholderPicture
    engagements: Engagements
    feedback: Feedback
    involvement: Involvement
    public_contributors: PublicContributors
    standards: Standards
    suppressed: list[str]
    definitions: dict[str, str]
