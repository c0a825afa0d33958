"""Evidence and ratings: what the panel records and rates, independently until moderation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.assessments import repository
from assessment_service.assessments.errors import (
    ConflictOfInterestUnresolved,
    InvalidRating,
    RatingsSubmitted,
    Recused,
    WrongAssessmentStatus,
)
from assessment_service.assessments.models import (
    CLOSED,
    Assessment,
    AssessmentStatus,
    EvidenceItem,
    Rating,
)
from assessment_service.assessments.schemas import (
    EvidenceCreate,
    EvidenceRead,
    RatingWrite,
)
from assessment_service.assessments.service.rules import (
    PANEL_VISIBLE,
    RATING_OPEN,
    body_error,
    checked_value,
    counted,
    criterion_for,
    ensure_status,
    is_chair_or_governance,
    member_of,
)
from assessment_service.frameworks.scales import SCALES, RatingValue
from shared.auth import Principal
from shared.pagination import Page, Pagination
from shared.problems import FieldError


async def list_evidence(
    session: AsyncSession, assessment: Assessment, pagination: Pagination
) -> Page[EvidenceRead]:
    rows = await pagination.rows(
        session,
        repository.evidence_statement(assessment.id),
        id_column=EvidenceItem.id,
        updated_column=EvidenceItem.updated_at,
    )
    return rows.as_page(EvidenceRead)


async def add_evidence(
    session: AsyncSession, assessment: Assessment, *, data: EvidenceCreate, actor: Principal
) -> EvidenceItem:
    if not is_chair_or_governance(assessment, actor):
        member_of(assessment, actor)
    if assessment.status in CLOSED or assessment.status is AssessmentStatus.scored:
        raise WrongAssessmentStatus(f"Evidence is closed: the assessment is {assessment.status}.")
    item = EvidenceItem(assessment_id=assessment.id, added_by=actor.subject, **data.model_dump())
    session.add(item)
    await session.flush()
    return item


async def put_rating(
    session: AsyncSession,
    assessment: Assessment,
    *,
    code: str,
    data: RatingWrite,
    actor: Principal,
) -> Rating:
    member = member_of(assessment, actor)
    ensure_status(assessment, RATING_OPEN, "rate")
    if member.recused_at is not None:
        raise Recused("You recused yourself from this assessment.")
    if not member.eligible:
        raise ConflictOfInterestUnresolved(
            "Declare your interests first."
            if member.declared_at is None
            else "You declared a conflict of interest; the chair has not waived it."
        )
    if member.submitted_at is not None:
        raise RatingsSubmitted("You have submitted your ratings; they are final.")
    criterion = criterion_for(assessment, code)
    value: RatingValue | None = None
    if data.unknown:
        errors = []
        if data.value is not None:
            errors += body_error("/value", "An unknown rating has no value.")
        if not (data.unknown_reason or "").strip():
            errors += body_error("/unknown_reason", "Say why it cannot be rated.")
        if errors:
            raise InvalidRating("An unknown rating needs a reason and no value.", errors=errors)
    else:
        if data.value is None:
            raise InvalidRating(
                "Give a value, or mark the criterion unknown with a reason.",
                errors=body_error("/value", f"Required: {SCALES[criterion.scale].allowed()}."),
            )
        value = checked_value(criterion, data.value, "/value")
    evidence_level = data.evidence_level
    if data.evidence_ids:
        items = {item.id: item for item in await repository.evidence(session, assessment.id)}
        missing = [i for i, eid in enumerate(data.evidence_ids) if eid not in items]
        if missing:
            raise InvalidRating(
                "Evidence must be recorded on this assessment first.",
                errors=[
                    FieldError(
                        pointer=f"/evidence_ids/{i}",
                        location="body",
                        detail="Unknown evidence item.",
                    )
                    for i in missing
                ],
            )
        if evidence_level is None:
            # The strongest linked evidence, when the assessor does not grade it themselves.
            levels = [items[e].evidence_level for e in data.evidence_ids if items[e].evidence_level]
            evidence_level = max(levels) if levels else None  # type: ignore[type-var]
    rating = await repository.get_rating(session, assessment.id, code, actor.subject)
    if rating is None:
        rating = Rating(assessment_id=assessment.id, criterion_code=code, assessor=actor.subject)
        session.add(rating)
    rating.value = value
    rating.unknown = data.unknown
    rating.unknown_reason = data.unknown_reason if data.unknown else None
    rating.rationale = data.rationale
    rating.evidence_ids = [str(e) for e in data.evidence_ids]
    rating.evidence_level = evidence_level
    await session.flush()
    return rating


async def visible_ratings(
    session: AsyncSession, assessment: Assessment, *, actor: Principal
) -> tuple[Literal["own", "panel"], Sequence[Rating]]:
    """Independent rating: until moderation everyone (chair and governance too) sees only their
    own ratings; from moderation on, the panel's counted ratings are open to review."""
    if assessment.status in PANEL_VISIBLE:
        include = set(counted(assessment))
        rows = await repository.ratings(session, assessment.id)
        return "panel", [r for r in rows if r.assessor in include]
    return "own", await repository.ratings(session, assessment.id, assessor=actor.subject)
