"""The decision evidence pack: the evidence as it stood when the decision was recorded.

Two rounds of upstream reads, six calls, whatever the project's history:
1. assessment `GET /v1/decisions/{id}`: which project, and when it was decided (404: no such
   decision, or none recorded by `as_of`);
2. concurrently: assessment `GET /v1/aggregates/decisions/{id}/evidence` (the decision, the
   assessment's frozen result, the evaluation items of the period), projects
   `GET /v1/projects/{id}`, `.../transitions` (stage history up to the decision) and
   `.../attainment?as_of=<decided_at>` (markers and their latest ratings then), stakeholders
   `POST /v1/aggregates/project-engagement` at the decision.

The period ends at the decision and starts at `from` (default: a quarter before it), so the
evaluation items and the engagements count over the same period. The decision's later status
(conditions closed, a correction) is as of `as_of`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from reporting_service.access import View
from reporting_service.clients.assessment import AssessmentClient
from reporting_service.clients.assessment_schemas import DecisionEvidence, DecisionSummary
from reporting_service.clients.base import UpstreamFailure
from reporting_service.clients.projects import ProjectsClient
from reporting_service.clients.projects_schemas import (
    ProjectDocument,
    ProjectRecord,
    StageChangePage,
)
from reporting_service.clients.stakeholders import StakeholdersClient
from reporting_service.clients.stakeholders_schemas import ProjectEngagement
from reporting_service.definitions import merged
from reporting_service.errors import DecisionNotFound
from reporting_service.evidence.digest import METHOD, sha256_digest
from reporting_service.evidence.schemas import EvidencePack, ProjectBrief, StageStep
from reporting_service.scope import Period, Scope
from reporting_service.sections import Composer
from reporting_service.settings import Settings

ASSESSMENT_SECTIONS = ("decision", "assessment", "developmental_evaluation")
PROJECT_SECTIONS = ("project", "stage_history", "outcome_markers")
DEFINITIONS = {
    "report.evidence.moment": "Every section is the evidence as it stood when the decision "
    "was recorded (`decided_at`); only the decision's own later status (conditions closed, a "
    "correction) is as of `as_of`.",
    "report.evidence.period": 'Engagements, "you said, we did" and evaluation items count '
    "from `from` (default: a quarter before the decision) to the decision.",
    "report.digest": METHOD,
}


async def _decision(
    assessment: AssessmentClient, decision_id: uuid.UUID, as_of: dt.datetime
) -> DecisionSummary:
    decision = await assessment.decision(decision_id)
    if decision is None or decision.decided_at > as_of:
        raise DecisionNotFound("No decision with this id was recorded by `as_of`.")
    return decision


async def _evidence(
    assessment: AssessmentClient, decision_id: uuid.UUID, as_of: dt.datetime, since: dt.datetime
) -> DecisionEvidence:
    found = await assessment.decision_evidence(decision_id, as_of, since)
    if found is None:
        raise DecisionNotFound("No decision with this id was recorded by `as_of`.")
    return found


async def _project(projects: ProjectsClient, project_id: uuid.UUID) -> ProjectRecord:
    found = await projects.project(project_id)
    if found is None:  # a decision names a project the projects service does not know
        raise UpstreamFailure(projects.name, "it does not know the decision's project")
    return found


async def evidence_pack(
    decision_id: uuid.UUID,
    scope: Scope,
    view: View,
    settings: Settings,
    *,
    projects: ProjectsClient,
    assessment: AssessmentClient,
    stakeholders: StakeholdersClient,
) -> EvidencePack:
    composer = Composer(scope)
    all_sections = (*ASSESSMENT_SECTIONS, *PROJECT_SECTIONS, "engagement")
    decision = await composer.run(all_sections, _decision(assessment, decision_id, scope.as_of))
    evidence: DecisionEvidence | None = None
    project: ProjectRecord | None = None
    history: StageChangePage | None = None
    markers: ProjectDocument | None = None
    engagement: ProjectEngagement | None = None
    period = scope.period
    if decision is not None:
        decided_at = decision.decided_at
        since = scope.requested_from or decided_at - dt.timedelta(days=settings.default_period_days)
        period = Period(from_=min(since, decided_at), to=decided_at)
        project_id = decision.project_id
        evidence, project, history, markers, engagement = await asyncio.gather(
            composer.run(
                ASSESSMENT_SECTIONS,
                _evidence(assessment, decision_id, scope.as_of, period.from_),
            ),
            composer.run(("project",), _project(projects, project_id)),
            composer.run(("stage_history",), projects.stage_history(project_id)),
            composer.run(("outcome_markers",), projects.attainment(project_id, decided_at)),
            composer.run(
                ("engagement",),
                stakeholders.project_engagement(project_id, decided_at, period.from_),
            ),
        )
    composer.finish()
    pack = EvidencePack(
        generated_at=scope.generated_at,
        as_of=scope.as_of,
        period=period,
        filters=scope.filters,
        definitions=merged(
            ("assessment", evidence.definitions if evidence else None),
            ("stakeholders", engagement.definitions if engagement else None),
            extra=DEFINITIONS,
        ),
        partial=bool(composer.missing),
        missing_sections=composer.missing,
        view=view,
        decision_id=decision_id,
        decided_at=decision.decided_at if decision else None,
        decision=evidence.decision if evidence else None,
        assessment=evidence.assessment if evidence else None,
        developmental_evaluation=evidence.evaluation if evidence else None,
        project=_brief(project),
        stage_history=None
        if history is None or decision is None
        else _steps(history, decision, view),
        stage_history_truncated=history is not None and history.next_cursor is not None,
        outcome_markers=markers,
        engagement=engagement,
        suppressed=[
            f"stakeholders:{item}" for item in (engagement.suppressed if engagement else [])
        ],
        digest="",
        digest_method=METHOD,
    )
    pack.digest = sha256_digest(pack.model_dump(mode="json", by_alias=True))
    return pack


def _brief(project: ProjectRecord | None) -> ProjectBrief | None:
    if project is None:
        return None
    return ProjectBrief(
        id=project.id,
        reference=project.reference,
        title=project.title,
        stage=project.stage,
        pillar=project.pillar,
        innovation_type=project.innovation_type,
        directorate=project.directorate,
    )


def _steps(history: StageChangePage, decision: DecisionSummary, view: View) -> list[StageStep]:
    """The stage changes up to the decision, and the move the decision itself made."""
    return [
        StageStep(
            occurred_at=change.occurred_at,
            from_stage=change.from_stage,
            to_stage=change.to_stage,
            kind=change.kind,
            gate=change.gate,
            decision_id=change.decision_id,
            actor=change.actor if view is View.full else None,
            reason=change.reason,
        )
        for change in history.items
        if change.occurred_at <= decision.decided_at or change.decision_id == decision.id
    ]
