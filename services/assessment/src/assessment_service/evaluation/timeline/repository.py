"""The timeline query: one UNION ALL over the five record tables; no rules, no commits.

Each branch projects the same columns, read with the shared keyset pagination ordered by
(occurred_at, id). Chosen over a timeline table written on every change: there is one source of
truth (no second copy to keep in step with edits, corrections and status changes), and every
branch is served by an (evaluation_id, <date>, id) index, into which PostgreSQL and SQLite push
the outer evaluation, kind, date and cursor predicates, so a page costs an index range scan per
kind plus a merge, whatever its depth.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, String, false, literal_column, select, union_all

from assessment_service.evaluation.models import (
    AdaptationDecision,
    AdaptationKind,
    Finding,
    LearningLogEntry,
    SensemakingSession,
    TheoryOfChangeVersion,
    TimelineKind,
)


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
