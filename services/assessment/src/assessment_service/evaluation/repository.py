"""Queries for developmental evaluation; no rules, no commits."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, String, false, func, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from assessment_service.evaluation.models import (
    AdaptationDecision,
    AdaptationFinding,
    AdaptationKind,
    DevelopmentalEvaluation,
    Finding,
    LearningLogEntry,
    LearningQuestion,
    QuestionStatus,
    SensemakingSession,
    SessionEntry,
    TheoryOfChangeVersion,
)
from assessment_service.evaluation.schemas import TimelineKind

M = TypeVar("M")

# What each read of a record loads with it (relationships are lazy="raise": no N+1 by accident).
QUESTION_LOAD: tuple[ORMOption, ...] = (selectinload(LearningQuestion.answer_links),)
LOG_ENTRY_LOAD: tuple[ORMOption, ...] = (
    selectinload(LearningLogEntry.review_links),
    selectinload(LearningLogEntry.corrections),
)
SESSION_LOAD: tuple[ORMOption, ...] = (selectinload(SensemakingSession.entry_links),)
FINDING_LOAD: tuple[ORMOption, ...] = (
    selectinload(Finding.evidence_links),
    selectinload(Finding.evaluation),
)
ADAPTATION_LOAD: tuple[ORMOption, ...] = (selectinload(AdaptationDecision.finding_links),)
TOC_LOAD: tuple[ORMOption, ...] = (selectinload(TheoryOfChangeVersion.adaptation_links),)


async def get(
    session: AsyncSession, model: type[M], entity_id: uuid.UUID, *options: ORMOption
) -> M | None:
    return await session.get(model, entity_id, options=list(options))


async def get_evaluation_by_project(
    session: AsyncSession, project_id: uuid.UUID
) -> DevelopmentalEvaluation | None:
    return await session.scalar(
        select(DevelopmentalEvaluation).where(DevelopmentalEvaluation.project_id == project_id)
    )


async def lock_evaluation(session: AsyncSession, evaluation_id: uuid.UUID) -> None:
    """Serialise writers that number things per evaluation (PostgreSQL row lock; SQLite has a
    single writer already and SQLAlchemy omits FOR UPDATE there)."""
    await session.execute(
        select(DevelopmentalEvaluation.id)
        .where(DevelopmentalEvaluation.id == evaluation_id)
        .with_for_update()
    )


def children(
    model: Any, evaluation_id: uuid.UUID, *options: ORMOption, **filters: Any
) -> Select[Any]:
    """The records of one evaluation, filtered by equality on the given (non-None) columns."""
    statement = select(model).where(model.evaluation_id == evaluation_id).options(*options)
    for name, value in filters.items():
        if value is not None:
            statement = statement.where(getattr(model, name) == value)
    return statement


def evaluations(
    *, project_id: uuid.UUID | None, status: Any | None
) -> Select[DevelopmentalEvaluation]:
    statement = select(DevelopmentalEvaluation)
    if project_id is not None:
        statement = statement.where(DevelopmentalEvaluation.project_id == project_id)
    if status is not None:
        statement = statement.where(DevelopmentalEvaluation.status == status)
    return statement


async def ids_in_evaluation(
    session: AsyncSession, model: Any, evaluation_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of `ids` are records of `model` in this evaluation."""
    wanted = list(ids)
    if not wanted:
        return set()
    rows = await session.scalars(
        select(model.id).where(model.evaluation_id == evaluation_id, model.id.in_(wanted))
    )
    return set(rows)


async def is_reviewed(session: AsyncSession, log_entry_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(SessionEntry.session_id).where(SessionEntry.log_entry_id == log_entry_id).limit(1)
    )
    return found is not None


async def last_toc_number(session: AsyncSession, evaluation_id: uuid.UUID) -> int:
    value = await session.scalar(
        select(func.max(TheoryOfChangeVersion.number)).where(
            TheoryOfChangeVersion.evaluation_id == evaluation_id
        )
    )
    return int(value or 0)


# -- the learning timeline ---------------------------------------------------------------------
#
# One UNION ALL over the five record tables, each branch projecting the same columns, read with
# the shared keyset pagination ordered by (occurred_at, id). Chosen over a timeline table written
# on every change: there is one source of truth (no second copy to keep in step with edits,
# corrections and status changes), and every branch is served by an (evaluation_id, <date>, id)
# index, into which PostgreSQL and SQLite push the outer evaluation, kind, date and cursor
# predicates, so a page costs an index range scan per kind plus a merge, whatever its depth.


def _branch(
    kind: TimelineKind,
    model: Any,
    occurred: Any,
    text: Any,
    *,
    pivot: Any = None,
    personal: Any = None,
) -> Select[Any]:
    return select(
        model.id.label("id"),
        model.evaluation_id.label("evaluation_id"),
        # A constant of our own, never user input.
        literal_column(f"'{kind.value}'", String(20)).label("kind"),
        occurred.label("occurred_at"),
        model.created_at.label("recorded_at"),
        model.updated_at.label("updated_at"),
        (false() if pivot is None else pivot).label("pivot"),
        (false() if personal is None else personal).label("contains_personal_data"),
        text.label("text"),
    )


TIMELINE = union_all(
    _branch(
        TimelineKind.log_entry,
        LearningLogEntry,
        LearningLogEntry.observed_at,
        LearningLogEntry.summary,
        personal=LearningLogEntry.contains_personal_data,
    ),
    _branch(
        TimelineKind.session,
        SensemakingSession,
        SensemakingSession.held_at,
        SensemakingSession.what,
    ),
    _branch(TimelineKind.finding, Finding, Finding.first_seen_at, Finding.statement),
    _branch(
        TimelineKind.adaptation,
        AdaptationDecision,
        AdaptationDecision.decided_at,
        AdaptationDecision.summary,
        pivot=AdaptationDecision.kind == AdaptationKind.pivot,
    ),
    _branch(
        TimelineKind.theory_of_change,
        TheoryOfChangeVersion,
        TheoryOfChangeVersion.created_at,
        TheoryOfChangeVersion.narrative,
    ),
).subquery("timeline")


def timeline(
    evaluation_id: uuid.UUID,
    *,
    kinds: Sequence[TimelineKind],
    occurred_from: dt.datetime | None,
    occurred_to: dt.datetime | None,
    as_of: dt.datetime | None,
) -> Select[Any]:
    statement = select(TIMELINE).where(TIMELINE.c.evaluation_id == evaluation_id)
    if kinds:
        statement = statement.where(TIMELINE.c.kind.in_([kind.value for kind in kinds]))
    if occurred_from is not None:
        statement = statement.where(TIMELINE.c.occurred_at >= occurred_from)
    if occurred_to is not None:
        statement = statement.where(TIMELINE.c.occurred_at < occurred_to)
    if as_of is not None:
        # What could have been read then: happened by then and already recorded by then.
        statement = statement.where(
            TIMELINE.c.occurred_at <= as_of, TIMELINE.c.recorded_at <= as_of
        )
    return statement


# -- metrics -----------------------------------------------------------------------------------


async def count_open_questions(session: AsyncSession, evaluation_id: uuid.UUID) -> int:
    value = await session.scalar(
        select(func.count()).where(
            LearningQuestion.evaluation_id == evaluation_id,
            LearningQuestion.status == QuestionStatus.open,
        )
    )
    return int(value or 0)


async def finding_first_adaptations(
    session: AsyncSession, evaluation_id: uuid.UUID
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(first_seen_at, earliest decided_at of a linked adaptation) per finding that has one."""
    rows = await session.execute(
        select(Finding.first_seen_at, func.min(AdaptationDecision.decided_at))
        .join(AdaptationFinding, AdaptationFinding.finding_id == Finding.id)
        .join(AdaptationDecision, AdaptationDecision.id == AdaptationFinding.adaptation_id)
        .where(Finding.evaluation_id == evaluation_id)
        .group_by(Finding.id, Finding.first_seen_at)
    )
    return [(row[0], row[1]) for row in rows]


async def adaptation_reviews(
    session: AsyncSession, evaluation_id: uuid.UUID
) -> list[tuple[dt.date, dt.datetime | None]]:
    """(review_at, reviewed_at) of every adaptation that has a review date."""
    rows = await session.execute(
        select(AdaptationDecision.review_at, AdaptationDecision.reviewed_at).where(
            AdaptationDecision.evaluation_id == evaluation_id,
            AdaptationDecision.review_at.is_not(None),
        )
    )
    # review_at IS NOT NULL in the query.
    return [(row[0], row[1]) for row in rows if row[0] is not None]


async def toc_versions(
    session: AsyncSession, evaluation_id: uuid.UUID
) -> Sequence[TheoryOfChangeVersion]:
    rows = await session.scalars(
        select(TheoryOfChangeVersion)
        .where(TheoryOfChangeVersion.evaluation_id == evaluation_id)
        .order_by(TheoryOfChangeVersion.number)
    )
    return rows.all()
