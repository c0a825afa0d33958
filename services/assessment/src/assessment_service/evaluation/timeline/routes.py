"""`/v1/evaluation/evaluations/{id}/timeline`: the learning trail across record kinds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from assessment_service.evaluation.dependencies import EvaluationDep
from assessment_service.evaluation.endpoints import new_router
from assessment_service.evaluation.errors import EvaluationNotFound
from assessment_service.evaluation.models import TimelineKind
from assessment_service.evaluation.timeline import service
from assessment_service.evaluation.timeline.schemas import TimelineItem
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.pagination import InvalidCursor, Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.types import UtcDateTime

router = new_router()

# Chronological by default.
TimelinePagination = Annotated[
    Pagination,
    Depends(pagination_dependency(service.SORT_FIELDS, default_sort="occurred_at")),
]


@router.get(
    "/evaluations/{evaluation_id}/timeline",
    response_model_exclude_unset=True,
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def get_evaluation_timeline(
    evaluation: EvaluationDep,
    session: SessionDep,
    principal: PrincipalDep,
    pagination: TimelinePagination,
    kind: Annotated[
        list[TimelineKind] | None, Query(description="Only these kinds (repeatable).")
    ] = None,
    occurred_from: Annotated[
        UtcDateTime | None, Query(alias="from", description="occurred_at at or after this.")
    ] = None,
    occurred_to: Annotated[
        UtcDateTime | None, Query(alias="to", description="occurred_at before this.")
    ] = None,
    as_of: Annotated[
        UtcDateTime | None,
        Query(description="The trail as it stood then: happened and recorded by this instant."),
    ] = None,
) -> Page[TimelineItem]:
    """The learning trail across log entries, sensemaking sessions, findings, adaptations and
    theory-of-change versions, merged in (occurred_at, id) order and keyset-paginated; pivots
    are marked `pivot: true`. `?sort=-occurred_at` reads newest first."""
    return await service.timeline_page(
        session,
        evaluation,
        pagination,
        principal,
        kinds=kind or [],
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        as_of=as_of,
    )
