"""The panel: declarations of interests, the chair's waivers and each assessor's submission."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.assessments import repository
from assessment_service.assessments.errors import (
    ConflictOfInterestUnresolved,
    NotOnPanel,
    NotPanelChair,
    RatingsSubmitted,
    RequiredCriteriaUnrated,
    WrongAssessmentStatus,
)
from assessment_service.assessments.models import (
    CLOSED,
    Assessment,
    AssessmentStatus,
    PanelMember,
)
from assessment_service.assessments.schemas import (
    DeclarationWrite,
    PanelMemberRead,
)
from assessment_service.assessments.service.rules import (
    RATING_OPEN,
    applicable_criteria,
    body_error,
    ensure_status,
    member_of,
)
from shared.auth import Principal
from shared.changes import set_action
from shared.db import utcnow
from shared.pagination import Page, Pagination
from shared.problems import InvalidInput


async def list_panel(
    session: AsyncSession, assessment: Assessment, pagination: Pagination
) -> Page[PanelMemberRead]:
    """The panel with each member's declaration and submission, a page in subject order."""
    rows = await pagination.rows(
        session,
        repository.panel_statement(assessment.id),
        id_column=PanelMember.id,
        updated_column=PanelMember.updated_at,
    )
    return rows.as_page(PanelMemberRead)


async def declare(
    session: AsyncSession, assessment: Assessment, *, data: DeclarationWrite, actor: Principal
) -> PanelMember:
    # Who may act comes before what state the assessment is in: a stranger learns nothing.
    member = member_of(assessment, actor)
    ensure_status(
        assessment,
        frozenset({AssessmentStatus.draft, AssessmentStatus.open, AssessmentStatus.scoring}),
        "declare interests",
    )
    if member.submitted_at is not None and not data.has_conflict:
        raise RatingsSubmitted("You have submitted; you can only add a conflict now.")
    member.declared_at = utcnow()
    member.has_conflict = data.has_conflict
    member.conflict_description = data.description if data.has_conflict else None
    # A new declaration voids an earlier waiver: the chair judges what is declared now.
    member.waiver_reason = member.waived_by = None
    member.waived_at = None
    set_action(member, "declared")
    await session.flush()
    return member


async def waive(
    session: AsyncSession, assessment: Assessment, *, subject: str, reason: str, actor: Principal
) -> PanelMember:
    if actor.subject != assessment.panel_chair and not actor.is_admin:
        raise NotPanelChair(
            f"Only the panel chair ({assessment.panel_chair}) may waive a conflict."
        )
    if assessment.status in CLOSED:
        raise WrongAssessmentStatus(f"The assessment is {assessment.status}.")
    member = next((m for m in assessment.panel if m.subject == subject), None)
    if member is None:
        raise NotOnPanel("Nobody with this subject is on the panel.")  # never echo the path
    if not member.has_conflict:
        raise InvalidInput(
            f"{subject} has not declared a conflict; there is nothing to waive.",
            errors=body_error("/reason", "No declared conflict."),
        )
    member.waiver_reason = reason
    member.waived_by = actor.subject
    member.waived_at = utcnow()
    set_action(member, "conflict_waived")
    await session.flush()
    return member


async def submit(session: AsyncSession, assessment: Assessment, *, actor: Principal) -> PanelMember:
    member = member_of(assessment, actor)
    ensure_status(assessment, RATING_OPEN, "submit ratings")
    if not member.eligible:
        raise ConflictOfInterestUnresolved("Resolve your declaration of interests first.")
    if member.submitted_at is not None:
        raise RatingsSubmitted("You have already submitted.")
    mine = {
        r.criterion_code
        for r in await repository.ratings(session, assessment.id, assessor=actor.subject)
    }
    missing = [c.code for c in applicable_criteria(assessment) if c.required and c.code not in mine]
    if missing:
        raise RequiredCriteriaUnrated(
            f"Still to rate (or mark unknown): {', '.join(missing)}.",
            extra={"missing": missing},
        )
    member.submitted_at = utcnow()
    set_action(member, "submitted")
    await session.flush()
    return member
