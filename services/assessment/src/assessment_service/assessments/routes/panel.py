"""Assessments: the panel (declarations of interests, waivers, submissions, and changes: added or
replaced until rating starts, recusal afterwards)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from assessment_service.assessments.dependencies import PREFIX, AssessmentDep, Panelist
from assessment_service.assessments.errors import (
    AlreadyOnPanel,
    AssessmentNotFound,
    ConflictOfInterestUnresolved,
    NotOnPanel,
    NotPanelChair,
    PanelFull,
    RatingsSubmitted,
    RatingStarted,
    Recused,
    RequiredCriteriaUnrated,
    WrongAssessmentStatus,
)
from assessment_service.assessments.models import (
    PanelMember,
)
from assessment_service.assessments.schemas import (
    DeclarationWrite,
    PanelAddition,
    PanelMemberRead,
    PanelReplacement,
    RecusalWrite,
    WaiverWrite,
)
from assessment_service.assessments.service import panel
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import InvalidInput, problem_responses

router = APIRouter(prefix=PREFIX, tags=["assessments"])

# The panel keeps its natural order (by subject) as the default `?sort=`, so a page boundary
# never reorders it.
PanelPagination = Annotated[
    Pagination,
    Depends(pagination_dependency({"subject": PanelMember.subject}, default_sort="subject")),
]


@router.get("/{assessment_id}/panel", responses=problem_responses(AssessmentNotFound))
async def list_panel(
    assessment: AssessmentDep, session: SessionDep, _: PrincipalDep, pagination: PanelPagination
) -> Page[PanelMemberRead]:
    """The assessment's panel with each member's declaration and submission, by subject."""
    return await panel.list_panel(session, assessment, pagination)


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
    member = await panel.declare(session, assessment, data=data, actor=actor)
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
    member = await panel.waive(
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
    member = await panel.submit(session, assessment, actor=actor)
    return PanelMemberRead.model_validate(member)


@router.post(
    "/{assessment_id}/panel",
    status_code=201,
    responses=problem_responses(
        AssessmentNotFound,
        NotPanelChair,
        WrongAssessmentStatus,
        RatingStarted,
        AlreadyOnPanel,
        PanelFull,
    ),
)
async def add_assessor(
    assessment: AssessmentDep, data: PanelAddition, session: SessionDep, actor: Panelist
) -> PanelMemberRead:
    """The chair adds an assessor until the first rating is recorded; the reason is audited."""
    member = await panel.add_member(
        session, assessment, subject=data.subject, reason=data.reason, actor=actor
    )
    return PanelMemberRead.model_validate(member)


@router.post(
    "/{assessment_id}/panel/{subject}/replacement",
    responses=problem_responses(
        AssessmentNotFound,
        NotPanelChair,
        NotOnPanel,
        WrongAssessmentStatus,
        RatingStarted,
        AlreadyOnPanel,
    ),
)
async def replace_assessor(
    assessment: AssessmentDep,
    subject: str,
    data: PanelReplacement,
    session: SessionDep,
    actor: Panelist,
) -> PanelMemberRead:
    """The chair replaces an assessor until the first rating is recorded; the reason is
    audited. Returns the new member."""
    member = await panel.replace_member(
        session,
        assessment,
        subject=subject,
        replacement=data.subject,
        reason=data.reason,
        actor=actor,
    )
    return PanelMemberRead.model_validate(member)


@router.post(
    "/{assessment_id}/panel/{subject}/recusal",
    responses=problem_responses(
        AssessmentNotFound, NotPanelChair, NotOnPanel, WrongAssessmentStatus, Recused
    ),
)
async def recuse_assessor(
    assessment: AssessmentDep,
    subject: str,
    data: RecusalWrite,
    session: SessionDep,
    actor: Panelist,
) -> PanelMemberRead:
    """An assessor recuses (themselves, or the chair records it) before moderation: they stay
    on the panel's record and their ratings no longer count. The reason is audited."""
    member = await panel.recuse(
        session, assessment, subject=subject, reason=data.reason, actor=actor
    )
    return PanelMemberRead.model_validate(member)
