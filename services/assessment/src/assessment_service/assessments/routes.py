"""Assessments: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from assessment_service.assessments import repository, service
from assessment_service.assessments.dependencies import AssessmentDep
from assessment_service.assessments.errors import (
    AssessmentNotFound,
    AssessmentNotScored,
    ConflictOfInterestUnresolved,
    ConsensusIncomplete,
    CriterionNotApplicable,
    GateNotOpenForStage,
    IllegalAssessmentTransition,
    InvalidRating,
    NoActiveTemplate,
    NoRatingsYet,
    NotEnoughSubmissions,
    NotOnPanel,
    NotPanelChair,
    OpenAssessmentExists,
    ProjectNotAssessable,
    ProjectNotFoundUpstream,
    RatingsSubmitted,
    RequiredCriteriaUnrated,
    ScoreOutOfScale,
    TemplateNotApplicable,
    TemplateNotUsable,
    UnknownCriterion,
    WrongAssessmentStatus,
)
from assessment_service.assessments.models import (
    Assessment,
    AssessmentStatus,
    ComplexityEntry,
    ConsensusRating,
    EvidenceItem,
    PanelMember,
)
from assessment_service.assessments.projects_client import ProjectsClientDep
from assessment_service.assessments.schemas import (
    AssessmentCreate,
    AssessmentRead,
    AssessmentResult,
    AssessmentSummary,
    AssessmentTransition,
    ComplexityItem,
    ComplexityRead,
    ComplexityWrite,
    ConsensusRead,
    ConsensusWrite,
    DeclarationWrite,
    EvidenceCreate,
    EvidenceRead,
    ModerationView,
    PanelMemberRead,
    ProjectHistory,
    RatingRead,
    RatingsView,
    RatingWrite,
    WaiverWrite,
)
from assessment_service.frameworks.definition import Gate
from assessment_service.scoring.engine import Confidence, complexity_profile
from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, etag_for
from shared.http import BadGateway, UpstreamTimeout, UpstreamUnavailable
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import InvalidInput, problem_responses

router = APIRouter(prefix="/v1/assessments", tags=["assessments"])

Governance = Annotated[Principal, Depends(require_roles(Role.governance))]
# Who may write to an assessment at all; the service then checks panel membership or chair.
Panelist = Annotated[
    Principal, Depends(require_roles(Role.governance, Role.evaluator, Role.contributor))
]
AssessmentPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {"created_at": Assessment.created_at, "updated_at": Assessment.updated_at}
        )
    ),
]
# The sub-lists of one assessment keep their natural order (the panel by subject, evidence as
# added, consensus by criterion) as the default `?sort=`, so a page boundary never reorders them.
PanelPagination = Annotated[
    Pagination,
    Depends(pagination_dependency({"subject": PanelMember.subject}, default_sort="subject")),
]
EvidencePagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency({"created_at": EvidenceItem.created_at}, default_sort="created_at")
    ),
]
ConsensusPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {"criterion_code": ConsensusRating.criterion_code}, default_sort="criterion_code"
        )
    ),
]


def _read(response: Response, assessment: Assessment) -> AssessmentRead:
    response.headers["ETag"] = etag_for(assessment.version)
    return AssessmentRead.model_validate(assessment)


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
        UpstreamUnavailable,
        UpstreamTimeout,
        BadGateway,
    ),
)
async def create_assessment(
    data: AssessmentCreate,
    session: SessionDep,
    actor: Governance,
    projects: ProjectsClientDep,
    response: Response,
) -> AssessmentRead:
    """Open a draft assessment of a project at a gate. The project is checked with the projects
    service and its stage and `is_digital` are pinned in the context snapshot; the template
    version is pinned (and becomes immutable)."""
    assessment = await service.create_assessment(session, projects, data=data, actor=actor)
    response.headers["Location"] = f"{router.prefix}/{assessment.id}"
    return _read(response, assessment)


@router.get("", responses=problem_responses())
async def list_assessments(
    session: SessionDep,
    _: PrincipalDep,
    pagination: AssessmentPagination,
    project_id: uuid.UUID | None = None,
    gate: Gate | None = None,
    status_: Annotated[AssessmentStatus | None, Query(alias="status")] = None,
) -> Page[AssessmentSummary]:
    statement = repository.list_statement(project_id=project_id, gate=gate, status=status_)
    rows = await pagination.rows(
        session, statement, id_column=Assessment.id, updated_column=Assessment.updated_at
    )
    return rows.as_page(AssessmentSummary)


@router.get("/history", responses=problem_responses())
async def get_project_history(
    session: SessionDep, _: PrincipalDep, project_id: uuid.UUID
) -> ProjectHistory:
    """A project's assessments across gates, with decisions and score trends between
    re-assessments at the same gate."""
    return await service.project_history(session, project_id)


@router.get("/{assessment_id}", responses=problem_responses(AssessmentNotFound, 304))
async def get_assessment(
    assessment: AssessmentDep, _: PrincipalDep, request: Request, response: Response
) -> AssessmentRead:
    conditional_get(request, response, assessment.version)
    return AssessmentRead.model_validate(assessment)


@router.post(
    "/{assessment_id}/transitions",
    responses=problem_responses(
        AssessmentNotFound,
        NotPanelChair,
        IllegalAssessmentTransition,
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
    """Move the workflow on (chair or governance). Moving to `scored` freezes the score."""
    check_if_match(request, assessment.version)
    assessment = await service.transition(
        session, assessment, to=AssessmentStatus(data.to), reason=data.reason, actor=actor
    )
    return _read(response, assessment)


# -- panel ---------------------------------------------------------------------------------------


@router.get("/{assessment_id}/panel", responses=problem_responses(AssessmentNotFound))
async def list_panel(
    assessment: AssessmentDep, session: SessionDep, _: PrincipalDep, pagination: PanelPagination
) -> Page[PanelMemberRead]:
    """The assessment's panel with each member's declaration and submission, by subject."""
    rows = await pagination.rows(
        session,
        repository.panel_statement(assessment.id),
        id_column=PanelMember.id,
        updated_column=PanelMember.updated_at,
    )
    return rows.as_page(PanelMemberRead)


@router.put(
    "/{assessment_id}/panel/me/declaration",
    responses=problem_responses(
        AssessmentNotFound, NotOnPanel, RatingsSubmitted, WrongAssessmentStatus
    ),
)
async def declare_interests(
    assessment: AssessmentDep, data: DeclarationWrite, session: SessionDep, actor: Panelist
) -> PanelMemberRead:
    """Your declaration of interests, required before rating. A declared conflict takes you off
    the panel unless the chair records a waiver."""
    member = await service.declare(session, assessment, data=data, actor=actor)
    return PanelMemberRead.model_validate(member)


@router.post(
    "/{assessment_id}/panel/{subject}/waiver",
    responses=problem_responses(
        AssessmentNotFound, NotPanelChair, NotOnPanel, WrongAssessmentStatus, InvalidInput
    ),
)
async def waive_conflict(
    assessment: AssessmentDep,
    subject: str,
    data: WaiverWrite,
    session: SessionDep,
    actor: Panelist,
) -> PanelMemberRead:
    """The chair keeps a conflicted assessor on the panel, with the reason on record."""
    member = await service.waive(
        session, assessment, subject=subject, reason=data.reason, actor=actor
    )
    return PanelMemberRead.model_validate(member)


@router.post(
    "/{assessment_id}/panel/me/submission",
    responses=problem_responses(
        AssessmentNotFound,
        NotOnPanel,
        ConflictOfInterestUnresolved,
        RatingsSubmitted,
        RequiredCriteriaUnrated,
        WrongAssessmentStatus,
    ),
)
async def submit_ratings(
    assessment: AssessmentDep, session: SessionDep, actor: Panelist
) -> PanelMemberRead:
    """Submit your ratings: every required criterion rated or marked unknown; final after."""
    member = await service.submit(session, assessment, actor=actor)
    return PanelMemberRead.model_validate(member)


# -- evidence and ratings ------------------------------------------------------------------------


@router.post(
    "/{assessment_id}/evidence",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(AssessmentNotFound, NotOnPanel, WrongAssessmentStatus),
)
async def add_evidence(
    assessment: AssessmentDep,
    data: EvidenceCreate,
    session: SessionDep,
    actor: Panelist,
    response: Response,
) -> EvidenceRead:
    """Record an evidence item (a study, routine data, a journal entry or DE finding by id)."""
    item = await service.add_evidence(session, assessment, data=data, actor=actor)
    response.headers["Location"] = f"{router.prefix}/{assessment.id}/evidence"
    return EvidenceRead.model_validate(item)


@router.get("/{assessment_id}/evidence", responses=problem_responses(AssessmentNotFound))
async def list_evidence(
    assessment: AssessmentDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: EvidencePagination,
) -> Page[EvidenceRead]:
    """The evidence items recorded for the assessment, oldest first."""
    rows = await pagination.rows(
        session,
        repository.evidence_statement(assessment.id),
        id_column=EvidenceItem.id,
        updated_column=EvidenceItem.updated_at,
    )
    return rows.as_page(EvidenceRead)


@router.put(
    "/{assessment_id}/ratings/{criterion_code}",
    responses=problem_responses(
        AssessmentNotFound,
        UnknownCriterion,
        NotOnPanel,
        ConflictOfInterestUnresolved,
        RatingsSubmitted,
        CriterionNotApplicable,
        WrongAssessmentStatus,
        ScoreOutOfScale,
        InvalidRating,
    ),
)
async def put_rating(
    assessment: AssessmentDep,
    criterion_code: str,
    data: RatingWrite,
    session: SessionDep,
    actor: Panelist,
) -> RatingRead:
    """Your rating of one criterion: a value on its scale (422 `score-out-of-scale` names the
    scale otherwise), or `unknown` with a reason; rationale, evidence and evidence level."""
    rating = await service.put_rating(
        session, assessment, code=criterion_code, data=data, actor=actor
    )
    return RatingRead.model_validate(rating)


@router.get("/{assessment_id}/ratings", responses=problem_responses(AssessmentNotFound))
async def list_ratings(
    assessment: AssessmentDep, session: SessionDep, actor: PrincipalDep
) -> RatingsView:
    """Your own ratings until moderation; the panel's submitted ratings from then on."""
    visibility, rows = await service.visible_ratings(session, assessment, actor=actor)
    return RatingsView(
        visibility=visibility,
        items=[RatingRead.model_validate(r) for r in rows],
    )


# -- moderation ----------------------------------------------------------------------------------


@router.get(
    "/{assessment_id}/moderation",
    responses=problem_responses(AssessmentNotFound, WrongAssessmentStatus),
)
async def get_moderation(
    assessment: AssessmentDep, session: SessionDep, _: PrincipalDep
) -> ModerationView:
    """Inter-rater calibration per criterion: values, median, spread and outlier ratings."""
    return await service.moderation_view(session, assessment)


@router.put(
    "/{assessment_id}/consensus/{criterion_code}",
    responses=problem_responses(
        AssessmentNotFound,
        UnknownCriterion,
        CriterionNotApplicable,
        NotPanelChair,
        WrongAssessmentStatus,
        ScoreOutOfScale,
        InvalidRating,
    ),
)
async def put_consensus(
    assessment: AssessmentDep,
    criterion_code: str,
    data: ConsensusWrite,
    session: SessionDep,
    actor: Panelist,
) -> ConsensusRead:
    """The panel's consensus for a criterion (median, or panel-agreed), with any dissent."""
    row = await service.put_consensus(
        session, assessment, code=criterion_code, data=data, actor=actor
    )
    return ConsensusRead.model_validate(row)


@router.post(
    "/{assessment_id}/consensus/medians",
    responses=problem_responses(AssessmentNotFound, NotPanelChair, WrongAssessmentStatus),
)
async def adopt_median_consensus(
    assessment: AssessmentDep, session: SessionDep, actor: Panelist
) -> list[ConsensusRead]:
    """Take the panel median as consensus for every criterion that has none yet."""
    rows = await service.adopt_medians(session, assessment, actor=actor)
    return [ConsensusRead.model_validate(r) for r in rows]


@router.get("/{assessment_id}/consensus", responses=problem_responses(AssessmentNotFound))
async def list_consensus(
    assessment: AssessmentDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: ConsensusPagination,
) -> Page[ConsensusRead]:
    """The panel's consensus ratings recorded so far, by criterion code."""
    rows = await pagination.rows(
        session,
        repository.consensus_statement(assessment.id),
        id_column=ConsensusRating.id,
        updated_column=ConsensusRating.updated_at,
    )
    return rows.as_page(ConsensusRead)


@router.put(
    "/{assessment_id}/complexity",
    responses=problem_responses(AssessmentNotFound, NotPanelChair, WrongAssessmentStatus),
)
async def put_complexity(
    assessment: AssessmentDep, data: ComplexityWrite, session: SessionDep, actor: Panelist
) -> ComplexityRead:
    """The NASSS complexity profile (risk flag beside the score; never weighted into it)."""
    entries = await service.put_complexity(session, assessment, data=data, actor=actor)
    return _complexity(entries)


@router.get("/{assessment_id}/complexity", responses=problem_responses(AssessmentNotFound))
async def get_complexity(
    assessment: AssessmentDep, session: SessionDep, _: PrincipalDep
) -> ComplexityRead:
    return _complexity(await repository.complexity(session, assessment.id))


def _complexity(entries: Sequence[ComplexityEntry]) -> ComplexityRead:
    items = [ComplexityItem(domain=e.nasss_domain, rating=e.rating, note=e.note) for e in entries]
    profile = complexity_profile({str(i.domain): str(i.rating) for i in items})
    return ComplexityRead(
        ratings=items,
        complex_count=profile.complex_count if profile else 0,
        risk=profile.risk if profile else Confidence.low,
    )


@router.get(
    "/{assessment_id}/result",
    responses=problem_responses(AssessmentNotFound, AssessmentNotScored),
)
async def get_result(assessment: AssessmentDep, _: PrincipalDep) -> AssessmentResult:
    """The frozen score with every input and the template version it used."""
    return service.frozen_result(assessment)
