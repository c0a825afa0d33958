"""Dependencies every evaluation route shares: the writer (role gate and projects client) and
the evaluation loader that answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.clients.projects import ProjectsClientDep
from assessment_service.evaluation import service
from assessment_service.evaluation.models import DevelopmentalEvaluation
from assessment_service.evaluation.service import Writer
from shared.auth import Principal, Role, require_roles
from shared.db import SessionDep

# The role gate; whether a contributor is on the project's team is checked per evaluation.
WriterRole = Annotated[Principal, Depends(require_roles(Role.evaluator, Role.contributor))]


async def get_writer(principal: WriterRole, projects: ProjectsClientDep) -> Writer:
    return Writer(principal=principal, projects=projects)


WriterDep = Annotated[Writer, Depends(get_writer)]


async def get_evaluation_or_404(
    evaluation_id: uuid.UUID, session: SessionDep
) -> DevelopmentalEvaluation:
    return await service.get_evaluation(session, evaluation_id)


EvaluationDep = Annotated[DevelopmentalEvaluation, Depends(get_evaluation_or_404)]
