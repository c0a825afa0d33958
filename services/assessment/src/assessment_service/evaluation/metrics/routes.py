"""`/v1/evaluation/evaluations/{id}/metrics`: learning metrics (report B4)."""

from __future__ import annotations

from assessment_service.evaluation.dependencies import EvaluationDep
from assessment_service.evaluation.endpoints import new_router
from assessment_service.evaluation.errors import EvaluationNotFound
from assessment_service.evaluation.metrics import service
from assessment_service.evaluation.metrics.schemas import EvaluationMetrics
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.problems import problem_responses

router = new_router()


@router.get("/evaluations/{evaluation_id}/metrics", responses=problem_responses(EvaluationNotFound))
async def get_evaluation_metrics(
    evaluation: EvaluationDep, session: SessionDep, _: PrincipalDep
) -> EvaluationMetrics:
    """Learning metrics (report B4); aggregates only, so `reporter` reads them in full."""
    return await service.metrics(session, evaluation)
