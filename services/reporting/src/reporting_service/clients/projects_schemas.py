"""The projects service's answers as the reports read them (its OpenAPI is the full contract):
the portfolio aggregate (`GET /v1/aggregates/portfolio`) and the per-project reads a dossier or
an evidence pack repeats."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import Field

from reporting_service.clients.base import CountItem, PassThrough, UpstreamModel


class AggregatePeriod(UpstreamModel):
    period_from: dt.datetime | None = Field(None, alias="from")
    period_to: dt.datetime = Field(alias="to")


class GateFunnel(UpstreamModel):
    gate: str
    entered: int = Field(description="Projects that arrived at a stage this gate decides on.")
    decided: int = Field(description="Projects with an effective decision at this gate.")
    proceeded: int = Field(description="Of those decided, latest outcome lets the project on.")
    stopped: int = Field(description="Of those decided, latest outcome is stop.")
    conversion: float | None = Field(description="proceeded / decided; null when none decided.")


class StageDuration(UpstreamModel):
    stage: str
    stays: int = Field(description="Completed stays in this stage (left within the period).")
    median_days: float | None
    p90_days: float | None
    ongoing: int = Field(description="Projects in this stage at `as_of`.")


class NetZero(UpstreamModel):
    projects: int
    relevant: int = Field(description="Projects marked net-zero relevant.")
    share: float | None = Field(description="relevant / projects; null without projects.")
    tco2e_estimate: float = Field(description="Summed latest estimated tCO2e of carbon benefits.")
    tco2e_benefits: int = Field(description="Carbon benefits in tCO2e with an estimate.")


class BenefitTotal(UpstreamModel):
    kind: str
    unit: str
    benefits: int
    estimated: float | None
    validated: float | None
    actual: float | None


class MonitoringByTool(UpstreamModel):
    tool: str
    items: int
    overdue: int
    projects_overdue: int


class Monitoring(UpstreamModel):
    items: int
    overdue: int
    projects_overdue: int
    overdue_outcome_journals: int
    projects_with_overdue_outcome_journals: int
    by_tool: list[MonitoringByTool]


class ProjectKeyPerson(UpstreamModel):
    project_id: uuid.UUID
    active_members: int | None = Field(description="Distinct active members (null: suppressed).")
    lead_is_sponsor_is_evaluator: bool


class PersonLoad(UpstreamModel):
    subject: str | None = Field(description="Only for governance and admin; null otherwise.")
    projects_led: int
    projects_sponsored: int
    projects_evaluated: int
    share_of_leads: float | None
    flagged: bool


class KeyPerson(UpstreamModel):
    on: dt.date
    threshold: float
    projects_with_a_lead: int
    projects_lead_is_sponsor_is_evaluator: int
    active_members_distribution: list[CountItem]
    projects: list[ProjectKeyPerson]
    projects_truncated: bool
    people_total: int | None
    people: list[PersonLoad]
    people_truncated: bool


class PortfolioAggregate(UpstreamModel):
    as_of: dt.datetime
    project_ids: list[uuid.UUID] | None = Field(
        description="The projects the filters select (null: no filter, all projects)."
    )
    projects: int
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
    suppressed: list[str] = Field(default_factory=list)
    definitions: dict[str, str] = Field(default_factory=dict)


class ProjectRecord(PassThrough):
    """`GET /v1/projects/{id}` (ProjectDocument)."""

    id: uuid.UUID
    reference: str
    title: str
    stage: str
    status: str
    pillar: str
    innovation_type: str
    directorate: str | None = None


class Membership(UpstreamModel):
    subject: str
    display_name: str | None = None
    role: str
    affiliation: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class MembershipPage(UpstreamModel):
    items: list[Membership]
    next_cursor: str | None = None


class StageChange(UpstreamModel):
    occurred_at: dt.datetime
    from_stage: str
    to_stage: str
    kind: str
    action: str
    gate: str | None = None
    decision_id: uuid.UUID | None = None
    actor: str | None = None
    reason: str = ""


class StageChangePage(UpstreamModel):
    items: list[StageChange]
    next_cursor: str | None = None


class ProjectSummary(UpstreamModel):
    id: uuid.UUID
    reference: str
    title: str
    stage: str


class ProjectPage(UpstreamModel):
    items: list[ProjectSummary]
    next_cursor: str | None = None


class Benefit(PassThrough):
    id: uuid.UUID
    kind: str
    status: str


class BenefitPage(UpstreamModel):
    items: list[Benefit]
    next_cursor: str | None = None


class ProjectDocument(PassThrough):
    """A per-project read a report repeats as the projects service gives it (attainment,
    strategy coverage, practice profile, adoption tracker)."""
