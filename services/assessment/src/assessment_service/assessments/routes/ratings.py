"""Assessments: evidence and ratings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from assessment_service.assessments.dependencies import PREFIX, AssessmentDep, Panelist
from assessment_service.assessments.errors import (
    AssessmentNotFound,
    ConflictOfInterestUnresolved,
    CriterionNotApplicable,
    InvalidRating,
    NotOnPanel,
    RatingsSubmitted,
    ScoreOutOfScale,
    UnknownCriterion,
    WrongAssessmentStatus,
)
from assessment_service.assessments.models import (
    EvidenceItem,
)
from assessment_service.assessments.schemas import (
    EvidenceCreate,
    EvidenceRead,
    RatingRead,
    RatingsView,
    RatingWrite,
)
from assessment_service.assessments.service import ratings
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import mark_created
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses

router = APIRouter(prefix=PREFIX, tags=["assessments"])

# Evidence keeps its natural order (as added) as the default `?sort=`.
EvidencePagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency({"created_at": EvidenceItem.created_at}, default_sort="created_at")
    ),
]


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
    item = await ratings.add_evidence(session, assessment, data=data, actor=actor)
    # Evidence items are never edited: the first version of one is its only one.
    mark_created(response, f"{PREFIX}/{assessment.id}/evidence", 1)
    return EvidenceRead.model_validate(item)


@router.get("/{assessment_id}/evidence", responses=problem_responses(AssessmentNotFound))
async def list_evidence(
    assessment: AssessmentDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: EvidencePagination,
) -> Page[EvidenceRead]:
    """The evidence items recorded for the assessment, oldest first."""
    return await ratings.list_evidence(session, assessment, pagination)


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
    rating = await ratings.put_rating(
        session, assessment, code=criterion_code, data=data, actor=actor
    )
    return RatingRead.model_validate(rating)


@router.get("/{assessment_id}/ratings", responses=problem_responses(AssessmentNotFound))
async def list_ratings(
    assessment: AssessmentDep, session: SessionDep, actor: PrincipalDep
) -> RatingsView:
    """Your own ratings until moderation; the panel's submitted ratings from then on."""
    visibility, rows = await ratings.visible_ratings(session, assessment, actor=actor)
    return RatingsView(
        visibility=visibility,
        items=[RatingRead.model_validate(r) for r in rows],
    )
