"""Assessments: moderation, the panel's consensus and the complexity profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from assessment_service.assessments.dependencies import PREFIX, AssessmentDep, Panelist
from assessment_service.assessments.errors import (
    AssessmentNotFound,
    CriterionNotApplicable,
    InvalidRating,
    NotPanelChair,
    ScoreOutOfScale,
    UnknownCriterion,
    WrongAssessmentStatus,
)
from assessment_service.assessments.models import (
    ConsensusRating,
)
from assessment_service.assessments.schemas import (
    ComplexityRead,
    ComplexityWrite,
    ConsensusRead,
    ConsensusWrite,
    ModerationView,
)
from assessment_service.assessments.service import moderation
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses

router = APIRouter(prefix=PREFIX, tags=["assessments"])

# Consensus keeps its natural order (by criterion) as the default `?sort=`.
ConsensusPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {"criterion_code": ConsensusRating.criterion_code}, default_sort="criterion_code"
        )
    ),
]


@router.get(
    "/{assessment_id}/moderation",
    responses=problem_responses(AssessmentNotFound, WrongAssessmentStatus),
)
async def get_moderation(
    assessment: AssessmentDep, session: SessionDep, _: PrincipalDep
) -> ModerationView:
    """Inter-rater calibration per criterion: values, median, spread and outlier ratings."""
    return await moderation.moderation_view(session, assessment)


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
    row = await moderation.put_consensus(
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
    rows = await moderation.adopt_medians(session, assessment, actor=actor)
    return [ConsensusRead.model_validate(r) for r in rows]


@router.get("/{assessment_id}/consensus", responses=problem_responses(AssessmentNotFound))
async def list_consensus(
    assessment: AssessmentDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: ConsensusPagination,
) -> Page[ConsensusRead]:
    """The panel's consensus ratings recorded so far, by criterion code."""
    return await moderation.list_consensus(session, assessment, pagination)


@router.put(
    "/{assessment_id}/complexity",
    responses=problem_responses(AssessmentNotFound, NotPanelChair, WrongAssessmentStatus),
)
async def put_complexity(
    assessment: AssessmentDep, data: ComplexityWrite, session: SessionDep, actor: Panelist
) -> ComplexityRead:
    """The NASSS complexity profile (risk flag beside the score; never weighted into it)."""
    return await moderation.put_complexity(session, assessment, data=data, actor=actor)


@router.get("/{assessment_id}/complexity", responses=problem_responses(AssessmentNotFound))
async def get_complexity(
    assessment: AssessmentDep, session: SessionDep, _: PrincipalDep
) -> ComplexityRead:
    return await moderation.complexity(session, assessment)
