"""Assessments: opening, listing, reading and moving an assessment, its history and result."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from assessment_service.assessments.dependencies import PREFIX, AssessmentDep, Governance, Panelist
from assessment_service.assessments.errors import (
    AssessmentNotFound,
    AssessmentNotScored,
    ConsensusIncomplete,
    GateNotOpenForStage,
    NoActiveTemplate,
    NoRatingsYet,
    NotEnoughSubmissions,
    NotPanelChair,
    OpenAssessmentExists,
    ProjectNotAssessable,
    ProjectNotFoundUpstream,
    TemplateNotApplicable,
    TemplateNotUsable,
)
from assessment_service.assessments.models import Assessment, AssessmentStatus
from assessment_service.assessments.schemas import (
    AssessmentCreate,
    AssessmentRead,
    AssessmentResult,
    AssessmentSummary,
    AssessmentTransition,
    ProjectHistory,
)
from assessment_service.assessments.service import assessments as service, workflow
from assessment_service.clients.projects import UPSTREAM_PROBLEMS, ProjectsClientDep
from assessment_service.clients.stakeholders import StakeholdersClientDep
from assessment_service.frameworks.definition import Gate
from assessment_service.lifecycle import with_transitions
from shared.auth import Principal, PrincipalDep
from shared.db import SessionDep
from shared.etag import (
    PreconditionFailed,
    check_if_match,
    conditional_get,
    mark_created,
    mark_version,
)
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import InvalidInput, problem_responses
from shared.transitions import GateRequiresDecision, IllegalTransition

router = APIRouter(prefix=PREFIX, tags=["assessments"])

AssessmentPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {"created_at": Assessment.created_at, "updated_at": Assessment.updated_at}
        )
    ),
]


def _read(assessment: Assessment, actor: Principal) -> AssessmentRead:
    allowed = workflow.allowed_transitions(assessment, actor)
    return with_transitions(AssessmentRead, assessment, allowed)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        ProjectNotFoundUpstream,
        ProjectNotAssessable,
        GateNotOpenForStage,
        TemplateNotUsable,
        TemplateNotApplicable,
        NoActiveTemplate,
        OpenAssessmentExists,
        *UPSTREAM_PROBLEMS,
    ),
)
async def create_assessment(
    data: AssessmentCreate,
    session: SessionDep,
    actor: Governance,
    projects: ProjectsClientDep,
    stakeholders: StakeholdersClientDep,
    response: Response,
) -> AssessmentRead:
    """Open a draft assessment of a project at a gate. The project is checked with the projects
    service and its stage and `is_digital` are pinned in the context snapshot; the template
    version is pinned (and becomes immutable). The project's engagement evidence is taken from
    the stakeholders service as a dated snapshot (`engagement_evidence`), over the time since
    the previous assessment (its whole history without one); if that service cannot answer,
    the assessment still opens and its snapshot says it is missing."""
    assessment = await service.create_assessment(
        session, projects, data=data, actor=actor, stakeholders=stakeholders
    )
    mark_created(response, f"{PREFIX}/{assessment.id}", assessment.version)
    return _read(assessment, actor)


@router.get("", responses=problem_responses())
async def list_assessments(
    session: SessionDep,
    _: PrincipalDep,
    pagination: AssessmentPagination,
    project_id: uuid.UUID | None = None,
    gate: Gate | None = None,
    status_: Annotated[AssessmentStatus | None, Query(alias="status")] = None,
) -> Page[AssessmentSummary]:
    return await service.list_assessments(
        session, pagination, project_id=project_id, gate=gate, status=status_
    )


@router.get("/history", responses=problem_responses())
async def get_project_history(
    session: SessionDep, _: PrincipalDep, project_id: uuid.UUID
) -> ProjectHistory:
    """A project's assessments across gates, with decisions and score trends between
    re-assessments at the same gate."""
    return await service.project_history(session, project_id)


@router.get("/{assessment_id}", responses=problem_responses(AssessmentNotFound, 304))
async def get_assessment(
    assessment: AssessmentDep, actor: PrincipalDep, request: Request, response: Response
) -> AssessmentRead:
    conditional_get(request, response, assessment.version)
    return _read(assessment, actor)


@router.post(
    "/{assessment_id}/transitions",
    responses=problem_responses(
        AssessmentNotFound,
        NotPanelChair,
        IllegalTransition,
        GateRequiresDecision,
        TemplateNotUsable,
        NoRatingsYet,
        NotEnoughSubmissions,
        ConsensusIncomplete,
        InvalidInput,
        PreconditionFailed,
    ),
)
async def transition_assessment(
    assessment: AssessmentDep,
    data: AssessmentTransition,
    session: SessionDep,
    actor: Panelist,
    request: Request,
    response: Response,
) -> AssessmentRead:
    """Move the workflow on (chair or governance): 200 with the assessment as it now is. Moving
    to `scored` freezes the score. A move with no edge from here is 409 `illegal-transition`;
    `decided` is 409 `gate-requires-decision` (record a decision instead)."""
    check_if_match(request, assessment.version)
    assessment = await workflow.transition(
        session, assessment, to=data.to, reason=data.reason, actor=actor
    )
    mark_version(response, assessment.version)
    return _read(assessment, actor)


@router.get(
    "/{assessment_id}/result",
    responses=problem_responses(AssessmentNotFound, AssessmentNotScored),
)
async def get_result(assessment: AssessmentDep, _: PrincipalDep) -> AssessmentResult:
    """The frozen score with every input and the template version it used."""
    return workflow.frozen_result(assessment)
