"""The panel: declarations of interests, the chair's waivers, each assessor's submission, and
changes to the panel (added or replaced until rating starts, recusal afterwards; #14 item 12)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.assessments import repository
from assessment_service.assessments.errors import (
    AlreadyOnPanel,
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
from shared.changes import record_audit, set_action
from shared.db import utcnow
from shared.event_contract import row_actions
from shared.pagination import Page, Pagination
from shared.problems import InvalidInput

# The named actions `set_action` gives panel members below.
row_actions(PanelMember, "declared", "conflict_waived", "added", "recused", "submitted")


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


PANEL_CHANGES = frozenset({AssessmentStatus.draft, AssessmentStatus.open, AssessmentStatus.scoring})
MAX_PANEL = 20  # the same bound as `assessors` at creation


def _ensure_chair(assessment: Assessment, actor: Principal, doing: str) -> None:
    if actor.subject != assessment.panel_chair and not actor.is_admin:
        raise NotPanelChair(f"Only the panel chair ({assessment.panel_chair}) may {doing}.")


async def _ensure_rating_not_started(session: AsyncSession, assessment: Assessment) -> None:
    rated = await repository.count_ratings(session, assessment.id)
    if rated:
        raise RatingStarted(
            f"{rated} rating(s) are recorded: the panel is fixed; an assessor can recuse instead."
        )


async def _audit_panel(
    session: AsyncSession, assessment: Assessment, action: str, before: list[str], reason: str
) -> None:
    """One entry on the assessment: the panel before and after, and why."""
    await record_audit(
        session,
        entity_type="assessment",
        entity_id=str(assessment.id),
        action=action,
        changes={
            "panel": {"before": before, "after": sorted(m.subject for m in assessment.panel)},
            "reason": {"before": None, "after": reason},
        },
    )


async def add_member(
    session: AsyncSession, assessment: Assessment, *, subject: str, reason: str, actor: Principal
) -> PanelMember:
    _ensure_chair(assessment, actor, "change the panel")
    ensure_status(assessment, PANEL_CHANGES, "add an assessor")
    await _ensure_rating_not_started(session, assessment)
    if any(m.subject == subject for m in assessment.panel):
        raise AlreadyOnPanel(f"{subject} is already on the panel.")
    if len(assessment.panel) >= MAX_PANEL:
        raise PanelFull(f"The panel already has {MAX_PANEL} assessors.")
    before = sorted(m.subject for m in assessment.panel)
    member = PanelMember(subject=subject)
    assessment.panel.append(member)
    set_action(member, "added")
    await session.flush()
    await _audit_panel(session, assessment, "panel_member_added", before, reason)
    return member


async def replace_member(
    session: AsyncSession,
    assessment: Assessment,
    *,
    subject: str,
    replacement: str,
    reason: str,
    actor: Principal,
) -> PanelMember:
    _ensure_chair(assessment, actor, "change the panel")
    ensure_status(assessment, PANEL_CHANGES, "replace an assessor")
    leaving = next((m for m in assessment.panel if m.subject == subject), None)
    if leaving is None:
        raise NotOnPanel("Nobody with this subject is on the panel.")
    await _ensure_rating_not_started(session, assessment)
    if any(m.subject == replacement for m in assessment.panel):
        raise AlreadyOnPanel(f"{replacement} is already on the panel.")
    before = sorted(m.subject for m in assessment.panel)
    assessment.panel.remove(leaving)
    await session.delete(leaving)
    await session.flush()  # the unique (assessment, subject) row goes before its successor
    member = PanelMember(subject=replacement)
    assessment.panel.append(member)
    set_action(member, "added")
    await session.flush()
    await _audit_panel(session, assessment, "panel_member_replaced", before, reason)
    return member


async def recuse(
    session: AsyncSession, assessment: Assessment, *, subject: str, reason: str, actor: Principal
) -> PanelMember:
    """The assessor steps back (themselves, or the chair records it): on record, not counted."""
    if actor.subject != subject:
        _ensure_chair(assessment, actor, "record another assessor's recusal")
    member = next((m for m in assessment.panel if m.subject == subject), None)
    if member is None:
        raise NotOnPanel("Nobody with this subject is on the panel.")
    ensure_status(assessment, PANEL_CHANGES, "recuse")
    if member.recused_at is not None:
        raise Recused(f"{subject} recused on {member.recused_at:%Y-%m-%d}.")
    before = sorted(m.subject for m in assessment.panel if m.recused_at is None)
    member.recused_at = utcnow()
    member.recused_by = actor.subject
    member.recusal_reason = reason
    set_action(member, "recused")
    await session.flush()
    await record_audit(
        session,
        entity_type="assessment",
        entity_id=str(assessment.id),
        action="panel_member_recused",
        changes={
            "panel": {
                "before": before,
                "after": sorted(m.subject for m in assessment.panel if m.recused_at is None),
            },
            "reason": {"before": None, "after": reason},
        },
    )
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
