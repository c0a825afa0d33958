"""The portfolio report: three upstream reads, whatever the size of the portfolio.

1. projects: `GET /v1/aggregates/portfolio` gives the projects-side figures and the ids of the
   projects the filters select (null without filters: every project);
2. then, concurrently, assessment `POST /v1/aggregates/governance` and stakeholders
   `POST /v1/aggregates/engagement` over exactly that set.

When the projects service fails and filters were given, the other two cannot be asked about the
right set, so their sections are missing too (named, with the reason).
"""

from __future__ import annotations

import asyncio

from reporting_service.access import View
from reporting_service.clients.assessment import AssessmentClient
from reporting_service.clients.assessment_schemas import GovernanceAggregate
from reporting_service.clients.projects import ProjectsClient
from reporting_service.clients.projects_schemas import PortfolioAggregate
from reporting_service.clients.stakeholders import StakeholdersClient
from reporting_service.clients.stakeholders_schemas import EngagementAggregate
from reporting_service.definitions import merged
from reporting_service.portfolio.key_person import KEY_PERSON_DEFINITIONS, key_person
from reporting_service.portfolio.schemas import (
    ConditionsFigures,
    EvaluationFigures,
    LatestDecisions,
    Overrides,
    PortfolioCounts,
    PortfolioReport,
)
from reporting_service.scope import Scope
from reporting_service.sections import Composer

PROJECT_SECTIONS = (
    "counts",
    "gate_funnel",
    "days_in_stage",
    "core20plus5",
    "net_zero",
    "benefits",
    "monitoring",
    "key_person.projects",
)
ASSESSMENT_SECTIONS = ("latest_decisions", "conditions", "evaluations", "overrides")
STAKEHOLDER_SECTIONS = ("inclusivity", "engagement_coverage", "key_person.relationships")


async def portfolio(
    scope: Scope,
    view: View,
    *,
    projects: ProjectsClient,
    assessment: AssessmentClient,
    stakeholders: StakeholdersClient,
) -> PortfolioReport:
    composer = Composer(scope)
    governance: GovernanceAggregate | None = None
    engagement: EngagementAggregate | None = None
    if not scope.filters.any:
        # Unfiltered, the other services are asked about every project: nothing to wait for,
        # so the three reads run at once (about a third off the 10,000-project report,
        # bench/REPORTS.md).
        figures, governance, engagement = await asyncio.gather(
            composer.run(PROJECT_SECTIONS, projects.portfolio(scope)),
            composer.run(ASSESSMENT_SECTIONS, assessment.governance(scope, None)),
            composer.run(STAKEHOLDER_SECTIONS, stakeholders.engagement(scope, None)),
        )
        composer.finish()
        return _compose(scope, view, composer, figures, governance, engagement)
    figures = await composer.run(PROJECT_SECTIONS, projects.portfolio(scope))
    if figures is None:
        reason = "the projects the filters select come from the projects service"
        composer.fail(ASSESSMENT_SECTIONS, projects.name, reason)
        composer.fail(STAKEHOLDER_SECTIONS, projects.name, reason)
    else:
        project_ids = figures.project_ids
        governance, engagement = await asyncio.gather(
            composer.run(ASSESSMENT_SECTIONS, assessment.governance(scope, project_ids)),
            composer.run(STAKEHOLDER_SECTIONS, stakeholders.engagement(scope, project_ids)),
        )
    composer.finish()
    return _compose(scope, view, composer, figures, governance, engagement)


def _compose(
    scope: Scope,
    view: View,
    composer: Composer,
    figures: PortfolioAggregate | None,
    governance: GovernanceAggregate | None,
    engagement: EngagementAggregate | None,
) -> PortfolioReport:
    suppressed = [
        f"{service}:{item}"
        for service, answer in (
            ("projects", figures),
            ("assessment", governance),
            ("stakeholders", engagement),
        )
        if answer is not None
        for item in answer.suppressed
    ]
    return PortfolioReport(
        generated_at=scope.generated_at,
        as_of=scope.as_of,
        period=scope.period,
        filters=scope.filters,
        definitions=merged(
            ("projects", figures.definitions if figures else None),
            ("assessment", governance.definitions if governance else None),
            ("stakeholders", engagement.definitions if engagement else None),
            extra=KEY_PERSON_DEFINITIONS,
        ),
        partial=bool(composer.missing),
        missing_sections=composer.missing,
        view=view,
        counts=None
        if figures is None
        else PortfolioCounts(
            projects=figures.projects,
            by_stage=figures.by_stage,
            by_pillar=figures.by_pillar,
            by_directorate=figures.by_directorate,
            by_innovation_type=figures.by_innovation_type,
        ),
        gate_funnel=figures.gate_funnel if figures else None,
        days_in_stage=figures.days_in_stage if figures else None,
        core20plus5=figures.core20plus5 if figures else None,
        net_zero=figures.net_zero if figures else None,
        benefits=figures.benefits if figures else None,
        monitoring=figures.monitoring if figures else None,
        latest_decisions=None
        if governance is None
        else LatestDecisions(
            projects_decided=governance.projects_decided, by_outcome=governance.latest_outcome
        ),
        conditions=None
        if governance is None
        else ConditionsFigures.model_validate(governance.conditions.model_dump()),
        evaluations=None
        if governance is None
        else EvaluationFigures.model_validate(governance.evaluations.model_dump()),
        overrides=None
        if governance is None
        else Overrides(
            decisions_in_period=governance.decisions_in_period,
            against_recommendation=governance.against_recommendation,
            override_rate=governance.override_rate,
            by_gate=governance.by_gate,
        ),
        inclusivity=engagement.inclusivity if engagement else None,
        engagement_coverage=engagement.coverage if engagement else None,
        key_person=key_person(
            figures.key_person if figures else None, engagement.ownership if engagement else None
        ),
        suppressed=suppressed,
    )
