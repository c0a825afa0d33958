"""The learning-question loader that answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.evaluation.models import LearningQuestion
from assessment_service.evaluation.questions import service
from shared.db import SessionDep


async def get_question_or_404(question_id: uuid.UUID, session: SessionDep) -> LearningQuestion:
    return await service.get_question(session, question_id)


QuestionDep = Annotated[LearningQuestion, Depends(get_question_or_404)]
