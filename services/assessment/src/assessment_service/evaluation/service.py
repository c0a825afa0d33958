"""Rules every evaluation sub-resource shares. Functions flush, never commit (shared/README.md).

Who writes (`shared.project_access.EVALUATION_WORK`, the platform's one project write rule):
`evaluator` (and `admin`) on any evaluation; a `contributor` only on evaluations of projects where
the projects service lists them as an active team member. A concluded evaluation is read-only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.interfaces import ORMOption

from assessment_service.clients.projects import ProjectsClient
from assessment_service.evaluation import repository
from assessment_service.evaluation.errors import (
    CrossEvaluationReference,
    EvaluationConcluded,
    EvaluationNotFound,
    NotAuthorisedForProject,
)
from assessment_service.evaluation.models import DevelopmentalEvaluation, EvaluationStatus
from shared.auth import Principal, Role
from shared.db import utcnow
from shared.problems import FieldError, InvalidInput, NotFound
from shared.project_access import EVALUATION_WORK
from shared.transitions import allowed_from

StateT = TypeVar("StateT", bound=StrEnum)

# Roles that may read free text flagged as personal data; everyone else (notably `reporter`)
# gets those fields omitted. Deny by default: an unknown role sees no personal free text.
_FREE_TEXT_READERS = (
    Role.admin,
    Role.governance,
    Role.evaluator,
    Role.contributor,
    Role.viewer,
    Role.service,
)


def sees_personal_free_text(principal: Principal) -> bool:
    return principal.has_any(*_FREE_TEXT_READERS)


@dataclass(frozen=True)
class Writer:
    """The caller of a write, with what is needed to check their right to write."""

    principal: Principal
    projects: ProjectsClient


async def authorize(writer: Writer, project_id: uuid.UUID) -> None:
    """The platform's project write rule for evaluations (`shared.project_access`)."""
    await EVALUATION_WORK.require(
        writer.principal, [project_id], writer.projects, error=NotAuthorisedForProject
    )


async def writable(writer: Writer, evaluation: DevelopmentalEvaluation) -> None:
    if evaluation.status is EvaluationStatus.concluded:
        raise EvaluationConcluded("Reopen is not possible; the evaluation is concluded.")
    await authorize(writer, evaluation.project_id)


# -- state machines ----------------------------------------------------------------------------


def writes_evaluations(principal: Principal) -> bool:
    """Whether the caller's role writes evaluations at all (a contributor's team membership is
    checked on the write itself: asking the projects service on every read would cost a call)."""
    return EVALUATION_WORK.may_move(principal)


def moves(
    edges: Mapping[StateT, Iterable[StateT]],
    current: StateT,
    *,
    principal: Principal,
    evaluation: DevelopmentalEvaluation,
) -> list[StateT]:
    """`allowed_transitions` of a record of `evaluation` (or of the evaluation itself): the
    machine's edges from `current`, for a caller whose role writes, while it is not concluded."""
    if evaluation.status is EvaluationStatus.concluded or not writes_evaluations(principal):
        return []
    return allowed_from(edges, current)


# -- loading -----------------------------------------------------------------------------------


async def load(
    session: AsyncSession,
    model: Any,
    entity_id: uuid.UUID,
    error: type[NotFound],
    *options: ORMOption,
) -> Any:
    """The record with this id, or the sub-resource's 404."""
    entity = await repository.get(session, model, entity_id, *options)
    if entity is None:
        raise error(f"Nothing with id {entity_id}.")
    return entity


async def get_evaluation(
    session: AsyncSession, evaluation_id: uuid.UUID
) -> DevelopmentalEvaluation:
    found: DevelopmentalEvaluation = await load(
        session, DevelopmentalEvaluation, evaluation_id, EvaluationNotFound
    )
    return found


async def evaluation_of(session: AsyncSession, record: Any) -> DevelopmentalEvaluation:
    """The evaluation a record belongs to (from the identity map when already loaded)."""
    return await get_evaluation(session, record.evaluation_id)


# -- links and checks --------------------------------------------------------------------------


async def same_evaluation(
    session: AsyncSession,
    model: Any,
    evaluation_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    field: str,
) -> None:
    """422 naming each of `ids` that is not a `model` record of this evaluation."""
    found = await repository.ids_in_evaluation(session, model, evaluation_id, ids)
    errors = [
        FieldError(
            pointer=f"/{field}/{index}",
            location="body",
            detail="Not a record of this evaluation.",
        )
        for index, value in enumerate(ids)
        if value not in found
    ]
    if errors:
        raise CrossEvaluationReference("Link only records of the same evaluation.", errors=errors)


def dates_in_order(start: dt.date | None, end: dt.date | None, end_field: str) -> None:
    """A patched period still ends on or after its start (the body alone cannot tell)."""
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            f"{end_field} must not be before the start.",
            errors=[FieldError(pointer=f"/{end_field}", location="body", detail="Before start.")],
        )


def relink(entity: Any, links: str, wanted: Sequence[uuid.UUID], key: str, factory: Any) -> None:
    """Make `entity.<links>` the links to `wanted` (by each link's `key`): the links still
    wanted stay the same rows, new ones are made by `factory`. A change to the links alone
    changes no column, so `updated_at` (and with it the ETag version) is bumped by hand, for
    `updated_since` and `If-Match` to see it."""
    current = getattr(entity, links)
    if set(wanted) == {getattr(link, key) for link in current}:
        return
    kept = [link for link in current if getattr(link, key) in wanted]
    have = {getattr(link, key) for link in kept}
    setattr(entity, links, kept + [factory(value) for value in wanted if value not in have])
    entity.updated_at = utcnow()
