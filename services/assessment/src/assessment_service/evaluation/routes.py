"""`/v1/evaluation/...`: developmental evaluation (DOMAIN.md A2.3, report B4), one router per
sub-resource, included here in the order the API documents them.

Collections of one evaluation are nested under it (`/evaluations/{id}/findings`); each record is
then addressed on its own (`/findings/{id}`), so other parts of the service (impact assessments
citing a finding as evidence) reference records by id alone.
"""

from __future__ import annotations

from fastapi import APIRouter

from assessment_service.evaluation.adaptations.routes import router as adaptations
from assessment_service.evaluation.briefs.routes import router as briefs
from assessment_service.evaluation.evaluations.routes import router as evaluations
from assessment_service.evaluation.findings.routes import router as findings
from assessment_service.evaluation.log.routes import router as log
from assessment_service.evaluation.metrics.routes import router as metrics
from assessment_service.evaluation.questions.routes import router as questions
from assessment_service.evaluation.sessions.routes import router as sessions
from assessment_service.evaluation.theory_of_change.routes import router as theory_of_change
from assessment_service.evaluation.timeline.routes import router as timeline

router = APIRouter()
for sub_router in (
    evaluations,
    timeline,
    metrics,
    questions,
    log,
    sessions,
    findings,
    adaptations,
    theory_of_change,
    briefs,
):
    router.include_router(sub_router)
