"""Evaluation: the projects client, the writer check and the loaders that answer 404."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation import repository
from assessment_service.evaluation.errors import (
    AdaptationNotFound,
    BriefNotFound,
    EvaluationNotFound,
    FindingNotFound,
    LogEntryNotFound,
    QuestionNotFound,
    SessionNotFound,
    TheoryOfChangeNotFound,
)
from assessment_service.evaluation.models import (
    AdaptationDecision,
    DevelopmentalEvaluation,
    Finding,
    LearningBrief,
    LearningLogEntry,
    LearningQuestion,
    SensemakingSession,
    TheoryOfChangeVersion,
)
from assessment_service.evaluation.service import Writer
from shared.auth import Principal, Role, require_roles
from shared.db import SessionDep
from shared.http import ServiceClient
from shared.problems import NotFound


def projects_client(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.clients["projects"]
    return client


ProjectsDep = Annotated[ServiceClient, Depends(projects_client)]
# The role gate; whether a contributor is on the project's team is checked per evaluation.
WriterRole = Annotated[Principal, Depends(require_roles(Role.evaluator, Role.contributor))]


def get_writer(principal: WriterRole, projects: ProjectsDep) -> Writer:
    return Writer(principal=principal, projects=projects)


WriterDep = Annotated[Writer, Depends(get_writer)]


async def _load(
    session: AsyncSession, model: Any, entity_id: uuid.UUID, error: type[NotFound], *options: Any
) -> Any:
    entity = await repository.get(session, model, entity_id, *options)
    if entity is None:
        raise error(f"Nothing with id {entity_id}.")
    return entity


async def get_evaluation_or_404(
    evaluation_id: uuid.UUID, session: SessionDep
) -> DevelopmentalEvaluation:
    found: DevelopmentalEvaluation = await _load(
        session, DevelopmentalEvaluation, evaluation_id, EvaluationNotFound
    )
    return found


async def get_question_or_404(question_id: uuid.UUID, session: SessionDep) -> LearningQuestion:
    found: LearningQuestion = await _load(
        session, LearningQuestion, question_id, QuestionNotFound, *repository.QUESTION_LOAD
    )
    return found


async def get_log_entry_or_404(entry_id: uuid.UUID, session: SessionDep) -> LearningLogEntry:
    found: LearningLogEntry = await _load(
        session, LearningLogEntry, entry_id, LogEntryNotFound, *repository.LOG_ENTRY_LOAD
    )
    return found


async def get_session_or_404(session_id: uuid.UUID, session: SessionDep) -> SensemakingSession:
    found: SensemakingSession = await _load(
        session, SensemakingSession, session_id, SessionNotFound, *repository.SESSION_LOAD
    )
    return found


async def get_finding_or_404(finding_id: uuid.UUID, session: SessionDep) -> Finding:
    found: Finding = await _load(
        session, Finding, finding_id, FindingNotFound, *repository.FINDING_LOAD
    )
    return found


async def get_adaptation_or_404(
    adaptation_id: uuid.UUID, session: SessionDep
) -> AdaptationDecision:
    found: AdaptationDecision = await _load(
        session,
        AdaptationDecision,
        adaptation_id,
        AdaptationNotFound,
        *repository.ADAPTATION_LOAD,
    )
    return found


async def get_toc_version_or_404(
    version_id: uuid.UUID, session: SessionDep
) -> TheoryOfChangeVersion:
    found: TheoryOfChangeVersion = await _load(
        session, TheoryOfChangeVersion, version_id, TheoryOfChangeNotFound, *repository.TOC_LOAD
    )
    return found


async def get_brief_or_404(brief_id: uuid.UUID, session: SessionDep) -> LearningBrief:
    found: LearningBrief = await _load(session, LearningBrief, brief_id, BriefNotFound)
    return found


EvaluationDep = Annotated[DevelopmentalEvaluation, Depends(get_evaluation_or_404)]
QuestionDep = Annotated[LearningQuestion, Depends(get_question_or_404)]
LogEntryDep = Annotated[LearningLogEntry, Depends(get_log_entry_or_404)]
SessionRecordDep = Annotated[SensemakingSession, Depends(get_session_or_404)]
FindingDep = Annotated[Finding, Depends(get_finding_or_404)]
AdaptationDep = Annotated[AdaptationDecision, Depends(get_adaptation_or_404)]
TheoryOfChangeDep = Annotated[TheoryOfChangeVersion, Depends(get_toc_version_or_404)]
BriefDep = Annotated[LearningBrief, Depends(get_brief_or_404)]


async def evaluation_of(session: AsyncSession, record: Any) -> DevelopmentalEvaluation:
    """The evaluation a record belongs to (from the identity map when already loaded)."""
    found: DevelopmentalEvaluation = await _load(
        session, DevelopmentalEvaluation, record.evaluation_id, EvaluationNotFound
    )
    return found
