"""The portfolio report's body: one field per section, each null when missing (a partial
report names it in `missing_sections`)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from reporting_service.access import View
from reporting_service.clients.assessment_schemas import GateOverrides, OutcomeCount
from reporting_service.clients.base import CountItem
from reporting_service.clients.projects_schemas import (
    BenefitTotal,
    GateFunnel,
    Monitoring,
    NetZero,
    ProjectKeyPerson,
    StageDuration,
)
from reporting_service.clients.stakeholders_schemas import Coverage, Inclusivity
from reporting_service.scope import ReportEnvelope


class PortfolioCounts(BaseModel):
    projects: int = Field(description="Projects the filters select, as of `as_of`.")
    by_stage: list[CountItem]
    by_pillar: list[CountItem]
    by_directorate: list[CountItem]
    by_innovation_type: list[CountItem]


class LatestDecisions(BaseModel):
    projects_decided: int = Field(description="Projects with a decision as of `as_of`.")
    by_outcome: list[OutcomeCount] = Field(description="Projects by their latest decision.")


class Overrides(BaseModel):
    decisions_in_period: int
    against_recommendation: int
    override_rate: float | None = Field(description="against / decisions; null with none.")
    by_gate: list[GateOverrides]


class ConditionsFigures(BaseModel):
    open: int
    past_due: int = Field(description="Open conditions whose due date has passed at `as_of`.")


class EvaluationFigures(BaseModel):
    active: int = Field(description="Developmental evaluations active in the period.")
    pivots: int = Field(description="Pivots decided in the period.")
    pivots_implemented: int


class KeyPersonRow(BaseModel):
    """One person's load: projects they lead, sponsor and evaluate (projects service) and the
    stakeholder relationships they alone own (stakeholders service), matched by subject. A
    reporter or viewer sees no subjects, so the two sides cannot be matched: each side's rows
    are listed on their own, with the other side's fields null."""

    subject: str | None = Field(description="Governance and admin only.")
    projects_led: int | None
    projects_sponsored: int | None
    projects_evaluated: int | None
    share_of_leads: float | None
    relationships_owned: int | None
    relationships_sole_owned: int | None
    sole_owner_share: float | None = Field(
        description="Share of the relationships where this person is the sole owner."
    )
    flagged: bool = Field(
        description="Share of leads or of sole-owned relationships above its threshold."
    )


class KeyPerson(BaseModel):
    on: dt.date | None = Field(description="Team memberships counted as active on this day.")
    lead_share_threshold: float | None
    relationship_share_threshold: float | None
    projects_with_a_lead: int | None
    projects_lead_is_sponsor_is_evaluator: int | None
    active_members_distribution: list[CountItem]
    projects: list[ProjectKeyPerson] = Field(
        description="Projects at risk: lead = sponsor = evaluator, or few active members."
    )
    projects_truncated: bool
    relationships: int | None
    shared_relationships: int | None
    people: list[KeyPersonRow]
    people_truncated: bool


class PortfolioReport(ReportEnvelope):
    view: View
    counts: PortfolioCounts | None
    latest_decisions: LatestDecisions | None
    gate_funnel: list[GateFunnel] | None
    days_in_stage: list[StageDuration] | None
    core20plus5: list[CountItem] | None
    net_zero: NetZero | None
    benefits: list[BenefitTotal] | None
    monitoring: Monitoring | None = Field(
        description="Overdue outcome journals and monitoring, from each map's monitoring plan."
    )
    conditions: ConditionsFigures | None
    evaluations: EvaluationFigures | None
    overrides: Overrides | None
    inclusivity: Inclusivity | None
    engagement_coverage: Coverage | None
    key_person: KeyPerson | None
    suppressed: list[str] = Field(
        description="Figures withheld for this caller (`<service>:<figure>`): counts of people "
        "below 5 and any figure that would reveal one."
    )
