"""Moderation: inter-rater calibration, the panel's consensus and the NASSS complexity profile."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.assessments import repository
from assessment_service.assessments.errors import (
    InvalidRating,
)
from assessment_service.assessments.models import (
    Assessment,
    AssessmentStatus,
    ComplexityEntry,
    ConsensusMethod,
    ConsensusRating,
    Rating,
)
from assessment_service.assessments.schemas import (
    ComplexityItem,
    ComplexityRead,
    ComplexityWrite,
    ConsensusRead,
    ConsensusWrite,
    ModerationView,
)
from assessment_service.assessments.service.rules import (
    COMPLEXITY_OPEN,
    PANEL_VISIBLE,
    applicable_criteria,
    body_error,
    checked_value,
    counted,
    counted_ratings,
    criterion_for,
    ensure_chair_or_governance,
    ensure_status,
)
from assessment_service.frameworks.scales import RatingValue
from assessment_service.scoring import engine
from shared.auth import Principal
from shared.pagination import Page, Pagination


def _values_by_criterion(ratings: Sequence[Rating]) -> dict[str, dict[str, RatingValue | None]]:
    values: dict[str, dict[str, RatingValue | None]] = {}
    for rating in ratings:
        values.setdefault(rating.criterion_code, {})[rating.assessor] = (
            None if rating.unknown else rating.value
        )
    return values


async def moderation_view(session: AsyncSession, assessment: Assessment) -> ModerationView:
    ensure_status(assessment, PANEL_VISIBLE, "moderate")
    values = _values_by_criterion(await counted_ratings(session, assessment))
    return ModerationView(
        assessment_id=assessment.id,
        eligible_assessors=counted(assessment),
        criteria=[
            engine.moderate(c, values.get(c.code, {})) for c in applicable_criteria(assessment)
        ],
    )


async def put_consensus(
    session: AsyncSession,
    assessment: Assessment,
    *,
    code: str,
    data: ConsensusWrite,
    actor: Principal,
) -> ConsensusRating:
    ensure_chair_or_governance(assessment, actor)
    ensure_status(assessment, frozenset({AssessmentStatus.moderation}), "record consensus")
    criterion = criterion_for(assessment, code)
    ratings = [r for r in await counted_ratings(session, assessment) if r.criterion_code == code]
    value: RatingValue | None = None
    if data.unknown:
        if data.value is not None:
            raise InvalidRating(
                "An unknown consensus has no value.", errors=body_error("/value", "Omit it.")
            )
    elif data.value is not None:
        value = checked_value(criterion, data.value, "/value")
    elif data.method is ConsensusMethod.median:
        value = engine.median_of(criterion, [r.value for r in ratings if not r.unknown])
        if value is None:
            raise InvalidRating(
                "No assessor gave a value: there is no median. Mark it unknown instead.",
                errors=body_error("/value", "No median available."),
            )
    else:
        raise InvalidRating(
            "A panel-agreed consensus needs a value (or unknown: true).",
            errors=body_error("/value", "Required."),
        )
    evidence_level = data.evidence_level
    if evidence_level is None and not data.unknown:
        levels = sorted(r.evidence_level for r in ratings if r.evidence_level is not None)
        evidence_level = levels[(len(levels) - 1) // 2] if levels else None
    return await _store_consensus(
        session,
        assessment,
        code=code,
        value=value,
        unknown=data.unknown,
        evidence_level=evidence_level,
        method=data.method,
        dissent_note=data.dissent_note,
        actor=actor,
    )


async def _store_consensus(
    session: AsyncSession,
    assessment: Assessment,
    *,
    code: str,
    value: RatingValue | None,
    unknown: bool,
    evidence_level: int | None,
    method: ConsensusMethod,
    dissent_note: str,
    actor: Principal,
) -> ConsensusRating:
    existing = {c.criterion_code: c for c in await repository.consensus(session, assessment.id)}
    row = existing.get(code)
    if row is None:
        row = ConsensusRating(assessment_id=assessment.id, criterion_code=code, method=method)
        session.add(row)
    row.value = value
    row.unknown = unknown
    row.evidence_level = evidence_level
    row.method = method
    row.dissent_note = dissent_note
    row.recorded_by = actor.subject
    await session.flush()
    return row


async def adopt_medians(
    session: AsyncSession, assessment: Assessment, *, actor: Principal
) -> Sequence[ConsensusRating]:
    """Consensus = the panel median for every criterion still without one (unknown where no
    assessor gave a value); the chair can then overrule single criteria as panel-agreed."""
    ensure_chair_or_governance(assessment, actor)
    ensure_status(assessment, frozenset({AssessmentStatus.moderation}), "record consensus")
    done = {c.criterion_code for c in await repository.consensus(session, assessment.id)}
    ratings = await counted_ratings(session, assessment)
    for criterion in applicable_criteria(assessment):
        if criterion.code in done:
            continue
        mine = [r for r in ratings if r.criterion_code == criterion.code]
        value = engine.median_of(criterion, [r.value for r in mine if not r.unknown])
        levels = sorted(
            r.evidence_level for r in mine if r.evidence_level is not None and not r.unknown
        )
        await _store_consensus(
            session,
            assessment,
            code=criterion.code,
            value=value,
            unknown=value is None,
            evidence_level=levels[(len(levels) - 1) // 2] if levels and value is not None else None,
            method=ConsensusMethod.median,
            dissent_note="",
            actor=actor,
        )
    return await repository.consensus(session, assessment.id)


async def list_consensus(
    session: AsyncSession, assessment: Assessment, pagination: Pagination
) -> Page[ConsensusRead]:
    rows = await pagination.rows(
        session,
        repository.consensus_statement(assessment.id),
        id_column=ConsensusRating.id,
        updated_column=ConsensusRating.updated_at,
    )
    return rows.as_page(ConsensusRead)


async def complexity(session: AsyncSession, assessment: Assessment) -> ComplexityRead:
    """The NASSS profile recorded so far, with its risk flag (low when nothing is recorded)."""
    entries = await repository.complexity(session, assessment.id)
    items = [ComplexityItem(domain=e.nasss_domain, rating=e.rating, note=e.note) for e in entries]
    profile = engine.complexity_profile({str(i.domain): str(i.rating) for i in items})
    return ComplexityRead(
        ratings=items,
        complex_count=profile.complex_count if profile else 0,
        risk=profile.risk if profile else engine.Confidence.low,
    )


async def put_complexity(
    session: AsyncSession, assessment: Assessment, *, data: ComplexityWrite, actor: Principal
) -> ComplexityRead:
    ensure_chair_or_governance(assessment, actor)
    ensure_status(assessment, COMPLEXITY_OPEN, "record the complexity profile")
    current = {e.nasss_domain: e for e in await repository.complexity(session, assessment.id)}
    for item in data.ratings:
        entry = current.get(item.domain)
        if entry is None:
            entry = ComplexityEntry(
                assessment_id=assessment.id, nasss_domain=item.domain, rating=item.rating
            )
            session.add(entry)
        entry.rating = item.rating
        entry.note = item.note
    await session.flush()
    return await complexity(session, assessment)
