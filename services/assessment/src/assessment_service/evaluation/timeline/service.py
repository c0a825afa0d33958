"""Reading the timeline: a keyset page of the UNION, personal free text withheld by role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.models import DevelopmentalEvaluation, TimelineKind
from assessment_service.evaluation.service import sees_personal_free_text
from assessment_service.evaluation.timeline import repository
from assessment_service.evaluation.timeline.schemas import TimelineItem
from shared.auth import Principal
from shared.pagination import Page, Pagination

# The `?sort=` field of the timeline. The UNION subquery's NOT NULL column serves the shared
# keyset mechanism as an ORM column would.
SORT_FIELDS: dict[str, Any] = {"occurred_at": cast(Any, repository.TIMELINE.c.occurred_at)}


def timeline_item(row: Any, principal: Principal) -> TimelineItem:
    item = TimelineItem.model_validate(row)
    if item.contains_personal_data and not sees_personal_free_text(principal):
        return TimelineItem.model_validate(item.model_dump(exclude={"text"}))
    return item


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


async def timeline_page(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    pagination: Pagination,
    principal: Principal,
    *,
    kinds: Sequence[TimelineKind],
    occurred_from: dt.datetime | None,
    occurred_to: dt.datetime | None,
    as_of: dt.datetime | None,
) -> Page[TimelineItem]:
    rows = await pagination.rows(
        session,
        repository.timeline(
            evaluation.id,
            kinds=kinds,
            occurred_from=_aware(occurred_from),
            occurred_to=_aware(occurred_to),
            as_of=_aware(as_of),
        ),
        id_column=repository.TIMELINE.c.id,
        updated_column=repository.TIMELINE.c.updated_at,
        scalars=False,
    )
    return Page[TimelineItem](
        items=[timeline_item(row, principal) for row in rows.items],
        next_cursor=rows.next_cursor,
    )
