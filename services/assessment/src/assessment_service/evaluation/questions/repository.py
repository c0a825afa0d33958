"""Queries of learning questions; no rules, no commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import ORMOption

from assessment_service.evaluation.models import LearningQuestion, QuestionStatus
from assessment_service.evaluation.repository import children

# What each read of a question loads with it (relationships are lazy="raise": no N+1).
QUESTION_LOAD: tuple[ORMOption, ...] = (
    selectinload(LearningQuestion.answer_links),
    selectinload(LearningQuestion.reframes),
)


def questions(
    evaluation_id: uuid.UUID,
    *,
    status: QuestionStatus | None,
    reframed_from_id: uuid.UUID | None,
) -> Select[Any]:
    return children(
        LearningQuestion,
        evaluation_id,
        *QUESTION_LOAD,
        status=status,
        reframed_from_id=reframed_from_id,
    )


def show_reframed_into(question: LearningQuestion, successor: LearningQuestion) -> None:
    """Show the loaded `question` its successor: the link is the successor's own column, so
    there is nothing to write, only the view-only collection to bring up to date."""
    set_committed_value(question, "reframes", [successor])
