"""The project dossier: one project's whole story in two rounds of upstream reads (at most 15
calls, whatever the project's history; each list is one page of up to 200, `truncated` says
when there was more).

1. concurrently: projects `GET /v1/projects/{id}` (404: no such project), `.../team`,
   `.../transitions`, `GET /v1/aggregates/projects/{id}/attainment`, `.../strategy-coverage`,
   `.../practice-profile`, `.../benefits`, `.../adoption-tracker`; assessment
   `GET /v1/decisions?project_id=`, `GET /v1/assessments?project_id=`,
   `GET /v1/evaluation/evaluations?project_id=`; stakeholders
   `POST /v1/aggregates/project-engagement`;
2. the latest evaluation's `GET /v1/evaluation/evaluations/{id}/timeline`.
A contributor's or evaluator's team check (`access.dossier_reader`) is one call more, first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import Counter
from typing import Any

from reporting_service.access import View
from reporting_service.clients.assessment import AssessmentClient
from reporting_service.clients.assessment_schemas import (
    AssessmentPage,
    DecisionPage,
    DecisionSummary,
    Evaluation,
    EvaluationPage,
    TimelinePage,
)
from reporting_service.clients.base import CountItem
from reporting_service.clients.projects import ProjectsClient
from reporting_service.clients.projects_schemas import (
    MembershipPage,
    ProjectDocument,
    ProjectRecord,
    StageChangePage,
)
from reporting_service.clients.stakeholders import StakeholdersClient
from reporting_service.definitions import merged
from reporting_service.dossier.schemas import (
    AssessmentLine,
    Dossier,
    EvaluationTimeline,
    GateDecision,
    StageChange,
    Team,
    TeamMember,
)
from reporting_service.errors import ProjectNotFound
from reporting_service.filters import selects
from reporting_service.scope import Scope
from reporting_service.sections import Composer

EVIDENCE_PACK = "/api/v1/reports/decisions/{}/evidence"
DEFINITIONS = {
    "report.dossier.as_of": "Team, stage history, decisions, assessments, attainment, strategy "
    "coverage, practice profile, engagement and the evaluation timeline are as of `as_of`; the "
    "registry record, the benefits register and the adoption tracker are as they are now.",
}


async def _project(projects: ProjectsClient, project_id: uuid.UUID) -> ProjectRecord:
    found = await projects.project(project_id)
    if found is None:
        raise ProjectNotFound("No such project.")
    return found


async def dossier(
    project_id: uuid.UUID,
    scope: Scope,
    view: View,
    *,
    projects: ProjectsClient,
    assessment: AssessmentClient,
    stakeholders: StakeholdersClient,
) -> Dossier:
    composer = Composer(scope)
    moment = scope.as_of
    run, task = composer.run, asyncio.create_task
    project_t = task(run(("project",), _project(projects, project_id)))
    team_t = task(run(("team",), projects.team(project_id)))
    history_t = task(run(("stage_history",), projects.stage_history(project_id)))
    attainment_t = task(run(("attainment",), projects.attainment_over_time(project_id, moment)))
    strategy_t = task(run(("strategy_coverage",), projects.strategy_coverage(project_id, moment)))
    practice_t = task(run(("practice_profile",), projects.practice_profile(project_id, moment)))
    benefits_t = task(run(("benefits",), projects.benefits(project_id)))
    adoption_t = task(run(("adoption_tracker",), projects.adoption_tracker(project_id)))
    decisions_t = task(run(("decisions",), assessment.decisions(project_id=project_id)))
    assessments_t = task(run(("assessments",), assessment.assessments(project_id=project_id)))
    evaluations_t = task(run(("evaluation",), assessment.evaluations(project_id)))
    engagement_t = task(
        run(
            ("engagement",), stakeholders.project_engagement(project_id, moment, scope.period.from_)
        )
    )
    # Each task records its own upstream failure; anything else (the 404) is raised here.
    await asyncio.gather(
        project_t,
        team_t,
        history_t,
        attainment_t,
        strategy_t,
        practice_t,
        benefits_t,
        adoption_t,
        decisions_t,
        assessments_t,
        evaluations_t,
        engagement_t,
    )
    project, history, evaluations = project_t.result(), history_t.result(), evaluations_t.result()
    team, decisions, assessments = team_t.result(), decisions_t.result(), assessments_t.result()
    attainment, strategy, practice = (
        attainment_t.result(),
        strategy_t.result(),
        practice_t.result(),
    )
    benefits, adoption, engagement = benefits_t.result(), adoption_t.result(), engagement_t.result()
    if project is not None and not selects(scope.filters, project, history, moment):
        raise ProjectNotFound("The project is not among those the filters select.")
    timeline: TimelinePage | None = None
    latest = _latest(evaluations)
    if latest is not None:
        timeline = await composer.run(("evaluation",), assessment.timeline(latest.id, moment))
    composer.finish()
    gate_decisions = _decisions(decisions, moment)
    return Dossier(
        generated_at=scope.generated_at,
        as_of=scope.as_of,
        period=scope.period,
        filters=scope.filters,
        definitions=merged(
            ("projects", _definitions(attainment)),
            ("stakeholders", engagement.definitions if engagement else None),
            extra=DEFINITIONS,
        ),
        partial=bool(composer.missing),
        missing_sections=composer.missing,
        view=view,
        project=project,
        team=None if team is None else _team(team, moment.date(), view),
        stage_history=None if history is None else _history(history, gate_decisions, moment),
        decisions=None if gate_decisions is None else list(gate_decisions.values()),
        assessments=None if assessments is None else _assessments(assessments, moment),
        attainment=attainment,
        strategy_coverage=strategy,
        practice_profile=practice,
        benefits=None if benefits is None else benefits.items,
        adoption_tracker=adoption,
        engagement=engagement,
        evaluation=None
        if evaluations is None or (latest is not None and timeline is None)
        else _evaluation(evaluations, timeline),
        suppressed=[
            f"stakeholders:{item}" for item in (engagement.suppressed if engagement else [])
        ],
    )


def _definitions(document: ProjectDocument | None) -> dict[str, str] | None:
    found: Any = (document.model_extra or {}).get("definitions") if document else None
    return found if isinstance(found, dict) else None


def _team(page: MembershipPage, day: dt.date, view: View) -> Team:
    started = [m for m in page.items if m.start_date is None or m.start_date <= day]
    active = [m for m in started if m.end_date is None or m.end_date >= day]
    roles = Counter(m.role for m in active)
    return Team(
        active=len(active),
        by_role=[CountItem(key=role, count=count) for role, count in sorted(roles.items())],
        members=[
            TeamMember(
                subject=m.subject if view is View.full else None,
                display_name=m.display_name if view is View.full else None,
                role=m.role,
                affiliation=m.affiliation,
                start_date=m.start_date,
                end_date=m.end_date if m.end_date is None or m.end_date <= day else None,
            )
            for m in sorted(started, key=lambda m: (m.start_date or dt.date.min, m.role))
        ],
        truncated=page.next_cursor is not None,
    )


def _gate_decision(d: DecisionSummary) -> GateDecision:
    return GateDecision(
        decision_id=d.id,
        gate=d.gate,
        outcome=d.outcome,
        computed_recommendation=d.computed_recommendation,
        overridden=d.overridden,
        status=d.status,
        forum=d.forum,
        meeting_date=d.meeting_date,
        decided_at=d.decided_at,
        superseded=d.superseded_by_id is not None,
        evidence_pack=EVIDENCE_PACK.format(d.id),
    )


def _decisions(
    page: DecisionPage | None, moment: dt.datetime
) -> dict[uuid.UUID, GateDecision] | None:
    if page is None:
        return None
    kept = sorted((d for d in page.items if d.decided_at <= moment), key=lambda d: d.decided_at)
    return {d.id: _gate_decision(d) for d in kept}


def _history(
    page: StageChangePage,
    decisions: dict[uuid.UUID, GateDecision] | None,
    moment: dt.datetime,
) -> list[StageChange]:
    return [
        StageChange(
            occurred_at=c.occurred_at,
            from_stage=c.from_stage,
            to_stage=c.to_stage,
            kind=c.kind,
            gate=c.gate,
            reason=c.reason,
            decision=(decisions or {}).get(c.decision_id) if c.decision_id else None,
        )
        for c in sorted(page.items, key=lambda c: c.occurred_at)
        if c.occurred_at <= moment
    ]


def _assessments(page: AssessmentPage, moment: dt.datetime) -> list[AssessmentLine]:
    return [
        AssessmentLine(
            assessment_id=a.id,
            gate=a.gate,
            status=a.status,
            overall_score=a.overall_score if a.scored_at and a.scored_at <= moment else None,
            confidence=a.confidence if a.scored_at and a.scored_at <= moment else None,
            recommendation=a.recommendation if a.scored_at and a.scored_at <= moment else None,
            scored_at=a.scored_at if a.scored_at and a.scored_at <= moment else None,
        )
        for a in sorted(page.items, key=lambda a: a.created_at)
        if a.created_at <= moment
    ]


def _latest(page: EvaluationPage | None) -> Evaluation | None:
    if page is None or not page.items:
        return None
    return max(page.items, key=lambda e: (e.start_date or dt.date.min, str(e.id)))


def _evaluation(page: EvaluationPage, timeline: TimelinePage | None) -> EvaluationTimeline | None:
    latest = _latest(page)
    if latest is None or timeline is None:
        return None
    items = sorted(timeline.items, key=lambda i: i.occurred_at)
    return EvaluationTimeline(
        evaluation_id=latest.id,
        status=latest.status,
        purpose=latest.purpose,
        start_date=latest.start_date,
        end_date=latest.end_date,
        items=items,
        truncated=timeline.next_cursor is not None,
        pivots=sum(1 for item in items if item.pivot),
    )
