"""Insights: response bodies of the practitioner reads."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from projects_service.journals.models import Rating
from projects_service.outcome_maps.models import MarkerLevel, Practice
from projects_service.team.models import TeamRole
from shared.pagination import Page


class RatingCounts(BaseModel):
    not_observed: int = 0
    low: int = 0
    medium: int = 0
    high: int = 0
    unrated: int = Field(0, description="Active markers with no rating in scope yet.")


class LevelAttainment(BaseModel):
    level: MarkerLevel
    active_markers: int
    latest_ratings: RatingCounts
    attained: int = Field(description="Markers whose latest rating is medium or high.")
    attainment_share: float | None = Field(
        description="attained / active_markers; null without markers."
    )


class TrendPoint(BaseModel):
    journal_entry_id: uuid.UUID
    period_start: dt.date
    period_end: dt.date
    rated: int
    attained: int
    attainment_share: float | None


class PartnerAttainment(BaseModel):
    boundary_partner_id: uuid.UUID
    lineage_id: uuid.UUID
    name: str
    levels: list[LevelAttainment]
    depth_index: float | None = Field(
        description="Local convention, not an OM standard: level weight (1-3) x rating factor "
        "(0, 1/3, 2/3, 1) "
        "x marker weight, over the maximum. Read it next to the distribution."
    )
    unanticipated_changes: int
    trend: list[TrendPoint]


class Attainment(BaseModel):
    project_id: uuid.UUID
    as_of: dt.datetime
    outcome_map_id: uuid.UUID | None = Field(
        description="The version agreed at `as_of` (null: none yet)."
    )
    map_version: int | None
    partners: list[PartnerAttainment]


class PartnerCoverage(BaseModel):
    boundary_partner_id: uuid.UUID
    lineage_id: uuid.UUID
    name: str
    cells: dict[str, int] = Field(description="Strategy count per cell I1..I3, E1..E3.")
    strategies: int
    last_journal_period_end: dt.date | None
    flags: list[str] = Field(description="`no_strategies`, `no_recent_journal`.")


class StrategyCoverage(BaseModel):
    project_id: uuid.UUID
    as_of: dt.datetime
    outcome_map_id: uuid.UUID | None
    map_version: int | None
    stale_after_days: int
    totals: dict[str, int]
    partners: list[PartnerCoverage]


class PracticeState(BaseModel):
    practice: Practice
    in_use: bool
    key_actions: str


class PracticeVersion(BaseModel):
    outcome_map_id: uuid.UUID
    map_version: int
    agreed_at: dt.datetime
    superseded_at: dt.datetime | None
    in_use: int
    practices: list[PracticeState]


class PracticeRatingInPeriod(BaseModel):
    practice: Practice
    described: bool = Field(description="The entry describes this practice.")
    rating: Rating | None = Field(description="Null: not described, or described unrated.")


class PracticePeriod(BaseModel):
    journal_entry_id: uuid.UUID
    outcome_map_id: uuid.UUID
    period_start: dt.date
    period_end: dt.date
    practices: list[PracticeRatingInPeriod] = Field(description="All eight, in OM order.")


class LatestPracticeRating(BaseModel):
    practice: Practice
    rating: Rating | None = Field(description="The most recent period's rating; null: none yet.")
    period_end: dt.date | None = Field(description="End of the period that rating is from.")


class PracticeProfile(BaseModel):
    project_id: uuid.UUID
    as_of: dt.datetime
    versions: list[PracticeVersion] = Field(
        description="Each agreed version up to `as_of`, oldest first: which practices the map "
        "says are in use."
    )
    periods: list[PracticePeriod] = Field(
        description="Performance journal entries as they stood at `as_of`, oldest period "
        "first: how each practice was rated in that period."
    )
    latest: list[LatestPracticeRating] = Field(
        description="Per practice (OM order), its rating in the latest period that rated it."
    )


class ProjectPerson(BaseModel):
    subject: str
    roles: list[TeamRole]


class ProjectKeyPeople(BaseModel):
    project_id: uuid.UUID
    on: dt.date
    active_members: int = Field(description="Distinct people with an active membership.")
    people: list[ProjectPerson]
    concentrated_people: list[str] = Field(
        description="People holding two or more of: project lead, executive sponsor, evaluator."
    )
    lead_is_sponsor_is_evaluator: bool


class PersonLoad(BaseModel):
    """One person's load across the portfolio (active memberships on active projects)."""

    subject: str
    project_count: int = Field(description="Active projects they are an active member of.")
    led_count: int = Field(description="Of those, projects they lead.")
    sponsored_count: int = Field(description="Of those, projects they sponsor.")
    evaluated_count: int = Field(description="Of those, projects they evaluate.")
    share_of_leads: float | None = Field(description="Projects led / active projects with a lead.")
    flagged: bool = Field(description="share_of_leads above the threshold.")


class PortfolioKeyPeople(Page[PersonLoad]):
    """Key-person risk across the portfolio: a page of people (`items`, by subject; `?limit=`
    at most 200, `?cursor=` for the next), each with counts, not lists of projects (a person's
    projects are on each project's `/key-people` and team). The totals are the portfolio's."""

    on: dt.date
    projects_with_a_lead: int
    threshold: float
