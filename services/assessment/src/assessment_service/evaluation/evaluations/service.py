"""Rules of the evaluation itself: one per existing project, planned → active → concluded.
Functions flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.evaluations import repository
from assessment_service.evaluation.evaluations.errors import EvaluationExists, UnknownProject
from assessment_service.evaluation.evaluations.schemas import (
    EvaluationCreate,
    EvaluationPatch,
    EvaluationRead,
    EvaluationTransition,
)
from assessment_service.evaluation.models import DevelopmentalEvaluation, EvaluationStatus
from assessment_service.evaluation.service import (
    Writer,
    authorize,
    dates_in_order,
    moves,
    writable,
)
from assessment_service.lifecycle import audit_reason, with_transitions
from shared.auth import Principal
from shared.changes import set_action
from shared.event_contract import row_actions, targets_of
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError, InvalidInput
from shared.transitions import check_transition

EDGES: dict[EvaluationStatus, tuple[EvaluationStatus, ...]] = {
    EvaluationStatus.planned: (EvaluationStatus.active,),
    EvaluationStatus.active: (EvaluationStatus.concluded,),
}
# `set_action(..., data.to.value)` below names each move after its target.
row_actions(DevelopmentalEvaluation, *targets_of(EDGES))


def evaluation_read(evaluation: DevelopmentalEvaluation, principal: Principal) -> EvaluationRead:
    allowed = moves(EDGES, evaluation.status, principal=principal, evaluation=evaluation)
    return with_transitions(EvaluationRead, evaluation, allowed)


async def list_evaluations(
    session: AsyncSession,
    pagination: Pagination,
    principal: Principal,
    *,
    project_id: uuid.UUID | None,
    status: EvaluationStatus | None,
) -> Page[EvaluationRead]:
    rows = await pagination.rows(
        session,
        repository.evaluations(project_id=project_id, status=status),
        id_column=DevelopmentalEvaluation.id,
        updated_column=DevelopmentalEvaluation.updated_at,
    )
    return Page[EvaluationRead](
        items=[evaluation_read(evaluation, principal) for evaluation in rows.items],
        next_cursor=rows.next_cursor,
    )


async def create_evaluation(
    session: AsyncSession, *, data: EvaluationCreate, writer: Writer
) -> DevelopmentalEvaluation:
    if not await writer.projects.project_exists(data.project_id):
        raise UnknownProject(
            f"The projects service has no project {data.project_id}.",
            errors=[FieldError(pointer="/project_id", location="body", detail="Unknown project.")],
        )
    await authorize(writer, data.project_id)
    if await repository.get_by_project(session, data.project_id) is not None:
        raise EvaluationExists(f"Project {data.project_id} already has one; update that one.")
    evaluation = DevelopmentalEvaluation(
        created_by=writer.principal.subject, **data.model_dump(mode="json")
    )
    evaluation.project_id = data.project_id
    evaluation.start_date, evaluation.end_date = data.start_date, data.end_date
    # A concurrent creation for the same project loses on the unique index.
    if not await repository.add_unique(session, evaluation):
        raise EvaluationExists(f"Project {data.project_id} already has one.")
    return evaluation


async def update_evaluation(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: EvaluationPatch,
    writer: Writer,
) -> DevelopmentalEvaluation:
    await writable(writer, evaluation)
    changes = merge_patch_changes(
        patch,
        required=(
            "purpose",
            "evaluators",
            "primary_intended_users",
            "principles_applied",
            "sensemaking_cadence",
        ),
    )
    principles = changes.get("principles_applied") or []
    if len(set(principles)) != len(principles):
        raise InvalidInput(
            "principles_applied must not repeat.",
            errors=[FieldError(pointer="/principles_applied", location="body", detail="Repeats.")],
        )
    dates_in_order(
        changes.get("start_date", evaluation.start_date),
        changes.get("end_date", evaluation.end_date),
        "end_date",
    )
    apply_changes(evaluation, changes)
    await session.flush()
    return evaluation


async def transition_evaluation(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: EvaluationTransition,
    writer: Writer,
) -> DevelopmentalEvaluation:
    await authorize(writer, evaluation.project_id)
    check_transition(EDGES, evaluation.status, data.to)
    before = evaluation.status
    evaluation.status = data.to
    set_action(evaluation, data.to.value)
    await session.flush()
    await audit_reason(
        session, evaluation, evaluation.id, before=before, after=data.to, reason=data.reason
    )
    return evaluation
