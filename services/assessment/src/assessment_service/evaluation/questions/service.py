"""Rules of learning questions: only an open question is edited or moved, answers are findings
of the same evaluation, a reframe opens a successor. Functions flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.models import (
    DevelopmentalEvaluation,
    Finding,
    LearningQuestion,
    QuestionAnswer,
    QuestionStatus,
)
from assessment_service.evaluation.questions import repository
from assessment_service.evaluation.questions.errors import (
    QuestionClosed,
    QuestionMoveFields,
    QuestionNotFound,
)
from assessment_service.evaluation.questions.schemas import (
    QuestionCreate,
    QuestionPatch,
    QuestionRead,
    QuestionTransition,
)
from assessment_service.evaluation.service import (
    Writer,
    evaluation_of,
    load,
    moves,
    same_evaluation,
    writable,
)
from assessment_service.lifecycle import audit_reason, with_transitions
from shared.auth import Principal
from shared.changes import set_action
from shared.db import utcnow
from shared.event_contract import row_actions, targets_of
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError
from shared.transitions import check_transition

EDGES: dict[QuestionStatus, tuple[QuestionStatus, ...]] = {
    QuestionStatus.open: (QuestionStatus.answered, QuestionStatus.reframed, QuestionStatus.retired),
}
# `set_action(..., data.to.value)` below names each move after its target.
row_actions(LearningQuestion, *targets_of(EDGES))


async def get_question(session: AsyncSession, question_id: uuid.UUID) -> LearningQuestion:
    found: LearningQuestion = await load(
        session, LearningQuestion, question_id, QuestionNotFound, *repository.QUESTION_LOAD
    )
    return found


def question_read(
    question: LearningQuestion, evaluation: DevelopmentalEvaluation, principal: Principal
) -> QuestionRead:
    allowed = moves(EDGES, question.status, principal=principal, evaluation=evaluation)
    return with_transitions(QuestionRead, question, allowed)


async def read_question(
    session: AsyncSession, question: LearningQuestion, principal: Principal
) -> QuestionRead:
    return question_read(question, await evaluation_of(session, question), principal)


async def list_questions(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    pagination: Pagination,
    principal: Principal,
    *,
    status: QuestionStatus | None,
    reframed_from_id: uuid.UUID | None,
) -> Page[QuestionRead]:
    rows = await pagination.rows(
        session,
        repository.questions(evaluation.id, status=status, reframed_from_id=reframed_from_id),
        id_column=LearningQuestion.id,
        updated_column=LearningQuestion.updated_at,
    )
    return Page[QuestionRead](
        items=[question_read(question, evaluation, principal) for question in rows.items],
        next_cursor=rows.next_cursor,
    )


def _new_question(
    evaluation: DevelopmentalEvaluation, text: str, writer: Writer, **values: object
) -> LearningQuestion:
    # A new question has no answers and no successor yet (the relationships never lazy-load).
    return LearningQuestion(
        evaluation_id=evaluation.id,
        text=text,
        created_by=writer.principal.subject,
        answer_links=[],
        reframes=[],
        **values,
    )


async def create_question(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: QuestionCreate,
    writer: Writer,
) -> LearningQuestion:
    await writable(writer, evaluation)
    question = _new_question(evaluation, data.text, writer, raised_at=data.raised_at or utcnow())
    session.add(question)
    await session.flush()
    return question


async def update_question(
    session: AsyncSession,
    question: LearningQuestion,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: QuestionPatch,
    writer: Writer,
) -> LearningQuestion:
    await writable(writer, evaluation)
    if question.status is not QuestionStatus.open:
        raise QuestionClosed(f"The question is {question.status.value}; reframe instead.")
    apply_changes(question, merge_patch_changes(patch, required=("text",)))
    await session.flush()
    return question


def _fields_fit(data: QuestionTransition) -> None:
    """Each move takes its own field and no other's."""
    errors = []
    answering, reframing = data.to is QuestionStatus.answered, data.to is QuestionStatus.reframed
    if answering != (data.finding_ids is not None):
        detail = "Required to answer it." if answering else "Only for a move to `answered`."
        errors.append(FieldError(pointer="/finding_ids", location="body", detail=detail))
    if reframing != (data.text is not None):
        detail = "Required to reframe it." if reframing else "Only for a move to `reframed`."
        errors.append(FieldError(pointer="/text", location="body", detail=detail))
    if errors:
        raise QuestionMoveFields("Give the field this move takes, and only that.", errors=errors)


async def transition_question(
    session: AsyncSession,
    question: LearningQuestion,
    evaluation: DevelopmentalEvaluation,
    *,
    data: QuestionTransition,
    writer: Writer,
) -> LearningQuestion:
    """Answer, reframe (opening the successor, which links back) or retire an open question."""
    await writable(writer, evaluation)
    check_transition(EDGES, question.status, data.to)
    before = question.status
    _fields_fit(data)
    now = utcnow()
    if data.finding_ids is not None:
        await same_evaluation(session, Finding, evaluation.id, data.finding_ids, "finding_ids")
        question.answer_links = [QuestionAnswer(finding_id=i) for i in data.finding_ids]
    if data.text is not None:
        successor = _new_question(
            evaluation, data.text, writer, raised_at=now, reframed_from_id=question.id
        )
        session.add(successor)
        repository.show_reframed_into(question, successor)
    question.status = data.to
    question.closed_at = now
    set_action(question, data.to.value)
    await session.flush()
    await audit_reason(
        session, question, question.id, before=before, after=data.to, reason=data.reason
    )
    return question
