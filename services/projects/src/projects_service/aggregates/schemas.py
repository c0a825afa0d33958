"""Aggregates: response bodies (the contract the reporting service's projects client reads)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from projects_service.benefits.models import BenefitKind
from projects_service.outcome_maps.models import MarkerLevel, MonitoringTool
from projects_service.projects.models import InnovationType, Pillar, ProjectStatus, Stage
from shared.types import InputModel, UtcDateTime

# The most project ids one scope answer holds: 20,000 ids are about 0.75 MB of JSON, inside
# the services' 1 MiB body limit (the bound the assessment and stakeholders aggregates take).
MAX_PROJECT_IDS = 20_000
# Values per filter: they are bound into the query (never an unbounded list, #16).
MAX_FILTER_VALUES = 100
Directorate = Annotated[str, StringConstraints(min_length=1, max_length=120)]


class CountItem(BaseModel):
    key: str | None = Field(description="The category (null: not recorded, e.g. no directorate).")
    count: int


class Filters(BaseModel):
    """The filters applied (each single-valued; null: not filtered)."""

    directorate: str | None = None
    pillar: Pillar | None = None
    stage: Stage | None = Field(None, description="The stage a project was in at `as_of`.")
    innovation_type: InnovationType | None = None


class Period(BaseModel):
    """The window of the period figures (funnel, days in stage), clamped to `as_of`."""

    model_config = ConfigDict(populate_by_name=True)

    period_from: dt.datetime | None = Field(None, alias="from")
    period_to: dt.datetime = Field(alias="to")


class GateFunnel(BaseModel):
    gate: str
    entered: int = Field(description="Projects that arrived at a stage this gate decides on.")
    decided: int = Field(description="Projects with an effective decision at this gate.")
    proceeded: int = Field(description="Of those decided, latest outcome lets the project on.")
    stopped: int = Field(description="Of those decided, latest outcome is stop.")
    conversion: float | None = Field(description="proceeded / decided; null when none decided.")


class StageDuration(BaseModel):
    stage: Stage
    stays: int = Field(description="Completed stays in this stage (left within the period).")
    median_days: float | None
    p90_days: float | None
    ongoing: int = Field(description="Projects in this stage at `as_of`.")


class NetZero(BaseModel):
    projects: int
    relevant: int = Field(description="Projects marked net-zero relevant.")
    share: float | None = Field(description="relevant / projects; null without projects.")
    tco2e_estimate: float = Field(description="Summed latest estimated tCO2e of carbon benefits.")
    tco2e_benefits: int = Field(description="Carbon benefits in tCO2e with an estimate.")


class BenefitTotal(BaseModel):
    kind: BenefitKind
    unit: str
    benefits: int = Field(description="Active benefits of this kind and unit with any figure.")
    estimated: float | None = Field(description="Sum of each benefit's latest estimated value.")
    validated: float | None
    actual: float | None


class MonitoringByTool(BaseModel):
    tool: MonitoringTool
    items: int = Field(description="Scheduled monitoring-plan items using this tool.")
    overdue: int
    projects_overdue: int


class Monitoring(BaseModel):
    items: int = Field(description="Scheduled items (frequency other than ad hoc, journal tool).")
    overdue: int
    projects_overdue: int
    overdue_outcome_journals: int = Field(description="Overdue items using the outcome journal.")
    projects_with_overdue_outcome_journals: int
    by_tool: list[MonitoringByTool]


class ProjectKeyPerson(BaseModel):
    project_id: uuid.UUID
    active_members: int | None = Field(
        description="Distinct active members (null: suppressed below 5 for reporter/viewer)."
    )
    lead_is_sponsor_is_evaluator: bool


class PersonLoad(BaseModel):
    subject: str | None = Field(description="Only for governance and admin; null otherwise.")
    projects_led: int
    projects_sponsored: int
    projects_evaluated: int
    share_of_leads: float | None = Field(description="projects_led / projects with a lead.")
    flagged: bool = Field(description="share_of_leads above `threshold`.")


class KeyPerson(BaseModel):
    on: dt.date = Field(description="Memberships active on this day (the day of `as_of`).")
    threshold: float
    projects_with_a_lead: int
    projects_lead_is_sponsor_is_evaluator: int
    active_members_distribution: list[CountItem] = Field(
        description="Projects by number of distinct active members (0, 1, 2, 3-4, 5+)."
    )
    projects: list[ProjectKeyPerson] = Field(
        description="Projects at risk (lead = sponsor = evaluator, or under 2 active members), "
        "at most 200."
    )
    projects_truncated: bool
    people_total: int | None = Field(
        description="People holding a lead, sponsor or evaluator role (null: suppressed)."
    )
    people: list[PersonLoad] = Field(description="By projects led (most first), at most 100.")
    people_truncated: bool


class PortfolioAggregate(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    as_of: dt.datetime
    period: Period
    filters: Filters
    project_ids: list[uuid.UUID] | None = Field(
        description="The projects the filters select (null: no filter given, meaning all)."
    )
    projects: int = Field(description="Projects in the set at `as_of`.")
    by_stage: list[CountItem]
    by_pillar: list[CountItem]
    by_directorate: list[CountItem]
    by_innovation_type: list[CountItem]
    gate_funnel: list[GateFunnel]
    days_in_stage: list[StageDuration]
    core20plus5: list[CountItem]
    net_zero: NetZero
    benefits: list[BenefitTotal]
    monitoring: Monitoring
    key_person: KeyPerson
    suppressed: list[str] = Field(
        description="Figures withheld (null) for this caller: counts of people below 5, and any "
        "figure that would reveal one."
    )
    definitions: dict[str, str]


class ProjectScopeQuery(InputModel):
    """Which projects an export of another service covers: the projects exports' filters
    (each a list, any of its values; the lists combined with AND; none given: every project)."""

    directorate: list[Directorate] = Field(
        default_factory=list, max_length=MAX_FILTER_VALUES, description="Exact names."
    )
    stage: list[Stage] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    pillar: list[Pillar] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    status: list[ProjectStatus] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    as_of: UtcDateTime | None = Field(
        None, description="Match the projects as they stood at this instant (not future)."
    )


class ProjectScope(BaseModel):
    project_ids: list[uuid.UUID] = Field(
        description=f"The matching projects, in id order (at most {MAX_PROJECT_IDS})."
    )
    as_of: dt.datetime = Field(description="The instant matched at: `as_of`, or now.")


class LevelPeriod(BaseModel):
    period_start: dt.date
    period_end: dt.date
    markers: int = Field(description="Active markers of this level in the version rated against.")
    rated: int = Field(description="Markers of this level rated in the period's entry.")
    attained: int = Field(description="Of those, rated medium or high.")
    attainment_share: float | None = Field(description="attained / markers; null without markers.")


class PartnerLevelSeries(BaseModel):
    lineage_id: uuid.UUID
    name: str
    level: MarkerLevel
    periods: list[LevelPeriod]


class AttainmentOverTime(BaseModel):
    project_id: uuid.UUID
    as_of: dt.datetime
    series: list[PartnerLevelSeries]
    definitions: dict[str, str]
