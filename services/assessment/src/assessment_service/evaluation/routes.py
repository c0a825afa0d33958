"""`/v1/evaluation/...`: developmental evaluation (DOMAIN.md A2.3, report B4).

Collections of one evaluation are nested under it (`/evaluations/{id}/findings`); each record is
then addressed on its own (`/findings/{id}`), so other parts of the service (impact assessments
citing a finding as evidence) reference records by id alone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query, Request, Response, status

from assessment_service.evaluation import repository, service
from assessment_service.evaluation.dependencies import (
    AdaptationDep,
    BriefDep,
    EvaluationDep,
    FindingDep,
    LogEntryDep,
    QuestionDep,
    SessionRecordDep,
    TheoryOfChangeDep,
    WriterDep,
    evaluation_of,
)
from assessment_service.evaluation.errors import (
    AdaptationLocked,
    AdaptationNotFound,
    BriefNotFound,
    CrossEvaluationReference,
    EvaluationConcluded,
    EvaluationExists,
    EvaluationNotFound,
    FindingClosed,
    FindingNeedsEvidence,
    FindingNotFound,
    IllegalAdaptationTransition,
    IllegalEvaluationTransition,
    IllegalFindingTransition,
    IllegalQuestionTransition,
    LogEntryNotFound,
    LogEntryReviewed,
    NotAuthorisedForProject,
    ObservedEffectRequired,
    QuestionClosed,
    QuestionNotFound,
    SessionNotFound,
    TheoryOfChangeNotFound,
    TheoryOfChangeSuperseded,
    UnknownProject,
)
from assessment_service.evaluation.models import (
    AdaptationDecision,
    AdaptationKind,
    AdaptationStatus,
    Confidence,
    DevelopmentalEvaluation,
    EvaluationStatus,
    Finding,
    FindingStatus,
    LearningBrief,
    LearningLogEntry,
    LearningQuestion,
    LogSource,
    QuestionStatus,
    SensemakingSession,
    TheoryOfChangeVersion,
)
from assessment_service.evaluation.schemas import (
    AdaptationCreate,
    AdaptationPatch,
    AdaptationRead,
    AdaptationTransition,
    BriefCreate,
    BriefPatch,
    BriefRead,
    EvaluationCreate,
    EvaluationMetrics,
    EvaluationPatch,
    EvaluationRead,
    EvaluationTransition,
    FindingCreate,
    FindingPatch,
    FindingRead,
    FindingTransition,
    LogEntryCreate,
    LogEntryPatch,
    LogEntryRead,
    QuestionAnswer,
    QuestionCreate,
    QuestionPatch,
    QuestionRead,
    QuestionReframe,
    SessionCreate,
    SessionPatch,
    SessionRead,
    TheoryOfChangeCreate,
    TheoryOfChangePatch,
    TheoryOfChangeRead,
    TimelineItem,
    TimelineKind,
)
from shared.auth import Principal, PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, etag_for, mark_created
from shared.http import UpstreamUnavailable
from shared.pagination import InvalidCursor, Page, Pagination, pagination_dependency
from shared.problems import Forbidden, problem_responses
from shared.types import QueryBool, UtcDateTime

router = APIRouter(prefix="/v1/evaluation", tags=["evaluation"])

# Problems every write may answer: the role gate, the team check (which needs the projects
# service), a concluded evaluation, a stale If-Match.
_WRITE = (Forbidden, NotAuthorisedForProject, UpstreamUnavailable, EvaluationConcluded)


def _sorted_by(**fields: Any) -> Any:
    return Depends(pagination_dependency(fields))


EvaluationPagination = Annotated[
    Pagination, _sorted_by(created_at=DevelopmentalEvaluation.created_at)
]
QuestionPagination = Annotated[
    Pagination,
    _sorted_by(raised_at=LearningQuestion.raised_at, created_at=LearningQuestion.created_at),
]
LogPagination = Annotated[
    Pagination,
    _sorted_by(observed_at=LearningLogEntry.observed_at, created_at=LearningLogEntry.created_at),
]
SessionPagination = Annotated[Pagination, _sorted_by(held_at=SensemakingSession.held_at)]
FindingPagination = Annotated[Pagination, _sorted_by(first_seen_at=Finding.first_seen_at)]
AdaptationPagination = Annotated[Pagination, _sorted_by(decided_at=AdaptationDecision.decided_at)]
TheoryOfChangePagination = Annotated[Pagination, _sorted_by(number=TheoryOfChangeVersion.number)]
BriefPagination = Annotated[Pagination, _sorted_by(period_start=LearningBrief.period_start)]
# Chronological by default. The timeline is a UNION subquery (see repository.TIMELINE); its
# NOT NULL column serves the shared keyset mechanism as an ORM column would.
TimelinePagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {"occurred_at": cast(Any, repository.TIMELINE.c.occurred_at)},
            default_sort="occurred_at",
        )
    ),
]


def _created(response: Response, path: str, version: int) -> None:
    mark_created(response, f"{router.prefix}/{path}", version)


def log_entry_read(entry: LearningLogEntry, principal: Principal) -> LogEntryRead:
    """The entry as this caller may see it: flagged free text is left out (absent, not blanked)
    for callers without a role that reads personal data (`reporter`)."""
    read = LogEntryRead.model_validate(entry)
    if entry.contains_personal_data and not service.sees_personal_free_text(principal):
        shown = read.model_dump(exclude={"summary", "tags"})
        shown["personal_data_withheld"] = True
        return LogEntryRead.model_validate(shown)
    return read.model_copy(update={"personal_data_withheld": False})


def timeline_item(row: Any, principal: Principal) -> TimelineItem:
    item = TimelineItem.model_validate(row)
    if item.contains_personal_data and not service.sees_personal_free_text(principal):
        return TimelineItem.model_validate(item.model_dump(exclude={"text"}))
    return item


# -- evaluations -------------------------------------------------------------------------------


@router.post(
    "/evaluations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*_WRITE, UnknownProject, EvaluationExists),
)
async def create_evaluation(
    data: EvaluationCreate, session: SessionDep, writer: WriterDep, response: Response
) -> EvaluationRead:
    """Start the developmental evaluation of a project (one per project; the project must exist
    in the projects service: 422 if not, 503 if that service cannot be reached)."""
    evaluation = await service.create_evaluation(session, data=data, writer=writer)
    _created(response, f"evaluations/{evaluation.id}", evaluation.version)
    return EvaluationRead.model_validate(evaluation)


@router.get("/evaluations", responses=problem_responses(InvalidCursor))
async def list_evaluations(
    session: SessionDep,
    _: PrincipalDep,
    pagination: EvaluationPagination,
    project_id: uuid.UUID | None = None,
    status_: Annotated[EvaluationStatus | None, Query(alias="status")] = None,
) -> Page[EvaluationRead]:
    """Evaluations; `?project_id=` finds a project's (at most one)."""
    rows = await pagination.rows(
        session,
        repository.evaluations(project_id=project_id, status=status_),
        id_column=DevelopmentalEvaluation.id,
        updated_column=DevelopmentalEvaluation.updated_at,
    )
    return rows.as_page(EvaluationRead)


@router.get("/evaluations/{evaluation_id}", responses=problem_responses(EvaluationNotFound, 304))
async def get_evaluation(
    evaluation: EvaluationDep, _: PrincipalDep, request: Request, response: Response
) -> EvaluationRead:
    conditional_get(request, response, evaluation.version)
    return EvaluationRead.model_validate(evaluation)


@router.patch(
    "/evaluations/{evaluation_id}",
    responses=problem_responses(*_WRITE, EvaluationNotFound, PreconditionFailed),
)
async def update_evaluation(
    evaluation: EvaluationDep,
    patch: EvaluationPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> EvaluationRead:
    """JSON merge patch; honours `If-Match`. Status moves through `/transition`."""
    check_if_match(request, evaluation.version)
    evaluation = await service.update_evaluation(session, evaluation, patch=patch, writer=writer)
    response.headers["ETag"] = etag_for(evaluation.version)
    return EvaluationRead.model_validate(evaluation)


@router.post(
    "/evaluations/{evaluation_id}/transition",
    responses=problem_responses(
        *_WRITE, EvaluationNotFound, IllegalEvaluationTransition, PreconditionFailed
    ),
)
async def transition_evaluation(
    evaluation: EvaluationDep,
    data: EvaluationTransition,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> EvaluationRead:
    """planned → active → concluded. A concluded evaluation is read-only."""
    check_if_match(request, evaluation.version)
    evaluation = await service.transition_evaluation(session, evaluation, to=data.to, writer=writer)
    response.headers["ETag"] = etag_for(evaluation.version)
    return EvaluationRead.model_validate(evaluation)


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
    rows = await pagination.rows(
        session,
        repository.timeline(
            evaluation.id,
            kinds=kind or [],
            occurred_from=_aware(occurred_from),
            occurred_to=_aware(occurred_to),
            as_of=_aware(as_of),
        ),
        id_column=repository.TIMELINE.c.id,
        updated_column=repository.TIMELINE.c.updated_at,
        scalars=False,
    )
    return Page[TimelineItem](
        items=[timeline_item(row, principal) for row in rows.items],
        next_cursor=rows.next_cursor,
    )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


@router.get("/evaluations/{evaluation_id}/metrics", responses=problem_responses(EvaluationNotFound))
async def get_evaluation_metrics(
    evaluation: EvaluationDep, session: SessionDep, _: PrincipalDep
) -> EvaluationMetrics:
    """Learning metrics (report B4); aggregates only, so `reporter` reads them in full."""
    return await service.metrics(session, evaluation)


# -- learning questions ------------------------------------------------------------------------


@router.post(
    "/evaluations/{evaluation_id}/questions",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*_WRITE, EvaluationNotFound),
)
async def create_learning_question(
    evaluation: EvaluationDep,
    data: QuestionCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> QuestionRead:
    question = await service.create_question(session, evaluation, data=data, writer=writer)
    _created(response, f"questions/{question.id}", question.version)
    return QuestionRead.model_validate(question)


@router.get(
    "/evaluations/{evaluation_id}/questions",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_learning_questions(
    evaluation: EvaluationDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: QuestionPagination,
    status_: Annotated[QuestionStatus | None, Query(alias="status")] = None,
    reframed_from_id: uuid.UUID | None = None,
) -> Page[QuestionRead]:
    statement = repository.children(
        LearningQuestion,
        evaluation.id,
        *repository.QUESTION_LOAD,
        status=status_,
        reframed_from_id=reframed_from_id,
    )
    rows = await pagination.rows(
        session,
        statement,
        id_column=LearningQuestion.id,
        updated_column=LearningQuestion.updated_at,
    )
    return rows.as_page(QuestionRead)


@router.get("/questions/{question_id}", responses=problem_responses(QuestionNotFound, 304))
async def get_learning_question(
    question: QuestionDep, _: PrincipalDep, request: Request, response: Response
) -> QuestionRead:
    conditional_get(request, response, question.version)
    return QuestionRead.model_validate(question)


@router.patch(
    "/questions/{question_id}",
    responses=problem_responses(*_WRITE, QuestionNotFound, QuestionClosed, PreconditionFailed),
)
async def update_learning_question(
    question: QuestionDep,
    patch: QuestionPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> QuestionRead:
    """Edit the wording of an open question (a changed question is a reframe, not an edit)."""
    check_if_match(request, question.version)
    evaluation = await evaluation_of(session, question)
    question = await service.update_question(
        session, question, evaluation, patch=patch, writer=writer
    )
    response.headers["ETag"] = etag_for(question.version)
    return QuestionRead.model_validate(question)


_QUESTION_MOVE = (
    *_WRITE,
    QuestionNotFound,
    IllegalQuestionTransition,
    PreconditionFailed,
)


@router.post(
    "/questions/{question_id}/answer",
    responses=problem_responses(*_QUESTION_MOVE, CrossEvaluationReference),
)
async def answer_learning_question(
    question: QuestionDep,
    data: QuestionAnswer,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> QuestionRead:
    """open → answered, by findings of the same evaluation."""
    check_if_match(request, question.version)
    evaluation = await evaluation_of(session, question)
    question = await service.answer_question(
        session, question, evaluation, finding_ids=data.finding_ids, writer=writer
    )
    response.headers["ETag"] = etag_for(question.version)
    return QuestionRead.model_validate(question)


@router.post(
    "/questions/{question_id}/reframe",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*_QUESTION_MOVE),
)
async def reframe_learning_question(
    question: QuestionDep,
    data: QuestionReframe,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> QuestionRead:
    """open → reframed: answers 201 with the new open question, whose `reframed_from_id` is
    this one."""
    check_if_match(request, question.version)
    evaluation = await evaluation_of(session, question)
    successor = await service.reframe_question(
        session, question, evaluation, text=data.text, writer=writer
    )
    _created(response, f"questions/{successor.id}", successor.version)
    return QuestionRead.model_validate(successor)


@router.post("/questions/{question_id}/retire", responses=problem_responses(*_QUESTION_MOVE))
async def retire_learning_question(
    question: QuestionDep,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> QuestionRead:
    """open → retired (no longer worth pursuing)."""
    check_if_match(request, question.version)
    evaluation = await evaluation_of(session, question)
    question = await service.retire_question(session, question, evaluation, writer=writer)
    response.headers["ETag"] = etag_for(question.version)
    return QuestionRead.model_validate(question)


# -- learning log ------------------------------------------------------------------------------


@router.post(
    "/evaluations/{evaluation_id}/log",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*_WRITE, EvaluationNotFound),
)
async def create_log_entry(
    evaluation: EvaluationDep,
    data: LogEntryCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> LogEntryRead:
    """Record an observation or piece of data. Editable until a sensemaking session reviews it;
    then append-only (amend by `POST /log-entries/{id}/corrections`)."""
    entry = await service.create_log_entry(session, evaluation, data=data, writer=writer)
    _created(response, f"log-entries/{entry.id}", entry.version)
    return log_entry_read(entry, writer.principal)


@router.get(
    "/evaluations/{evaluation_id}/log",
    response_model_exclude_unset=True,
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_log_entries(
    evaluation: EvaluationDep,
    session: SessionDep,
    principal: PrincipalDep,
    pagination: LogPagination,
    source: LogSource | None = None,
    contains_personal_data: QueryBool | None = None,
    corrects_id: uuid.UUID | None = None,
) -> Page[LogEntryRead]:
    """The learning log. For `reporter`, `summary` and `tags` of flagged entries are omitted."""
    statement = repository.children(
        LearningLogEntry,
        evaluation.id,
        *repository.LOG_ENTRY_LOAD,
        source=source,
        contains_personal_data=contains_personal_data,
        corrects_id=corrects_id,
    )
    rows = await pagination.rows(
        session,
        statement,
        id_column=LearningLogEntry.id,
        updated_column=LearningLogEntry.updated_at,
    )
    return Page[LogEntryRead](
        items=[log_entry_read(entry, principal) for entry in rows.items],
        next_cursor=rows.next_cursor,
    )


@router.get(
    "/log-entries/{entry_id}",
    response_model_exclude_unset=True,
    responses=problem_responses(LogEntryNotFound, 304),
)
async def get_log_entry(
    entry: LogEntryDep, principal: PrincipalDep, request: Request, response: Response
) -> LogEntryRead:
    conditional_get(request, response, entry.version)
    return log_entry_read(entry, principal)


@router.patch(
    "/log-entries/{entry_id}",
    response_model_exclude_unset=True,
    responses=problem_responses(*_WRITE, LogEntryNotFound, LogEntryReviewed, PreconditionFailed),
)
async def update_log_entry(
    entry: LogEntryDep,
    patch: LogEntryPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> LogEntryRead:
    """Only before review (409 `log-entry-append-only` afterwards)."""
    check_if_match(request, entry.version)
    evaluation = await evaluation_of(session, entry)
    entry = await service.update_log_entry(session, entry, evaluation, patch=patch, writer=writer)
    response.headers["ETag"] = etag_for(entry.version)
    return log_entry_read(entry, writer.principal)


@router.post(
    "/log-entries/{entry_id}/corrections",
    status_code=status.HTTP_201_CREATED,
    response_model_exclude_unset=True,
    responses=problem_responses(*_WRITE, LogEntryNotFound),
)
async def correct_log_entry(
    entry: LogEntryDep,
    data: LogEntryCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> LogEntryRead:
    """Amend an entry by a new one that links to it (`corrects_id`); the original stays as it
    was and lists the correction in `corrected_by_ids`."""
    evaluation = await evaluation_of(session, entry)
    correction = await service.create_log_entry(
        session, evaluation, data=data, writer=writer, corrects=entry
    )
    _created(response, f"log-entries/{correction.id}", correction.version)
    return log_entry_read(correction, writer.principal)


# -- sensemaking sessions ----------------------------------------------------------------------


@router.post(
    "/evaluations/{evaluation_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*_WRITE, EvaluationNotFound, CrossEvaluationReference),
)
async def create_sensemaking_session(
    evaluation: EvaluationDep,
    data: SessionCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> SessionRead:
    """Record a What? / So what? / Now what? session, the log entries it reviewed (they become
    append-only) and the actions agreed."""
    record = await service.create_session(session, evaluation, data=data, writer=writer)
    _created(response, f"sessions/{record.id}", record.version)
    return SessionRead.model_validate(record)


@router.get(
    "/evaluations/{evaluation_id}/sessions",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_sensemaking_sessions(
    evaluation: EvaluationDep, session: SessionDep, _: PrincipalDep, pagination: SessionPagination
) -> Page[SessionRead]:
    statement = repository.children(SensemakingSession, evaluation.id, *repository.SESSION_LOAD)
    rows = await pagination.rows(
        session,
        statement,
        id_column=SensemakingSession.id,
        updated_column=SensemakingSession.updated_at,
    )
    return rows.as_page(SessionRead)


@router.get("/sessions/{session_id}", responses=problem_responses(SessionNotFound, 304))
async def get_sensemaking_session(
    record: SessionRecordDep, _: PrincipalDep, request: Request, response: Response
) -> SessionRead:
    conditional_get(request, response, record.version)
    return SessionRead.model_validate(record)


@router.patch(
    "/sessions/{session_id}",
    responses=problem_responses(*_WRITE, SessionNotFound, PreconditionFailed),
)
async def update_sensemaking_session(
    record: SessionRecordDep,
    patch: SessionPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> SessionRead:
    """Edit the notes and actions; the entries reviewed are fixed when the session is recorded."""
    check_if_match(request, record.version)
    evaluation = await evaluation_of(session, record)
    record = await service.update_session(session, record, evaluation, patch=patch, writer=writer)
    response.headers["ETag"] = etag_for(record.version)
    return SessionRead.model_validate(record)


# -- findings ----------------------------------------------------------------------------------


@router.post(
    "/evaluations/{evaluation_id}/findings",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*_WRITE, EvaluationNotFound, CrossEvaluationReference),
)
async def create_finding(
    evaluation: EvaluationDep,
    data: FindingCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> FindingRead:
    finding = await service.create_finding(session, evaluation, data=data, writer=writer)
    _created(response, f"findings/{finding.id}", finding.version)
    return FindingRead.model_validate(finding)


@router.get(
    "/evaluations/{evaluation_id}/findings",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_findings(
    evaluation: EvaluationDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: FindingPagination,
    status_: Annotated[FindingStatus | None, Query(alias="status")] = None,
    confidence: Confidence | None = None,
) -> Page[FindingRead]:
    statement = repository.children(
        Finding, evaluation.id, *repository.FINDING_LOAD, status=status_, confidence=confidence
    )
    rows = await pagination.rows(
        session, statement, id_column=Finding.id, updated_column=Finding.updated_at
    )
    return rows.as_page(FindingRead)


@router.get("/findings/{finding_id}", responses=problem_responses(FindingNotFound, 304))
async def get_finding(
    finding: FindingDep, _: PrincipalDep, request: Request, response: Response
) -> FindingRead:
    """A finding by id alone: what impact assessments cite as evidence."""
    conditional_get(request, response, finding.version)
    return FindingRead.model_validate(finding)


@router.patch(
    "/findings/{finding_id}",
    responses=problem_responses(
        *_WRITE,
        FindingNotFound,
        FindingClosed,
        FindingNeedsEvidence,
        CrossEvaluationReference,
        PreconditionFailed,
    ),
)
async def update_finding(
    finding: FindingDep,
    patch: FindingPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> FindingRead:
    """JSON merge patch while emerging or tested; `evidence_log_ids` replaces the evidence."""
    check_if_match(request, finding.version)
    evaluation = await evaluation_of(session, finding)
    finding = await service.update_finding(session, finding, evaluation, patch=patch, writer=writer)
    response.headers["ETag"] = etag_for(finding.version)
    return FindingRead.model_validate(finding)


@router.post(
    "/findings/{finding_id}/transition",
    responses=problem_responses(
        *_WRITE,
        FindingNotFound,
        IllegalFindingTransition,
        FindingNeedsEvidence,
        PreconditionFailed,
    ),
)
async def transition_finding(
    finding: FindingDep,
    data: FindingTransition,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> FindingRead:
    """emerging → tested → confirmed | refuted (emerging → refuted too); tested and confirmed
    need evidence."""
    check_if_match(request, finding.version)
    evaluation = await evaluation_of(session, finding)
    finding = await service.transition_finding(
        session, finding, evaluation, data=data, writer=writer
    )
    response.headers["ETag"] = etag_for(finding.version)
    return FindingRead.model_validate(finding)


# -- adaptation decisions ----------------------------------------------------------------------


@router.post(
    "/evaluations/{evaluation_id}/adaptations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*_WRITE, EvaluationNotFound, CrossEvaluationReference),
)
async def create_adaptation(
    evaluation: EvaluationDep,
    data: AdaptationCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> AdaptationRead:
    """Log a decision (starts `proposed`)."""
    adaptation = await service.create_adaptation(session, evaluation, data=data, writer=writer)
    _created(response, f"adaptations/{adaptation.id}", adaptation.version)
    return AdaptationRead.model_validate(adaptation)


@router.get(
    "/evaluations/{evaluation_id}/adaptations",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_adaptations(
    evaluation: EvaluationDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: AdaptationPagination,
    status_: Annotated[AdaptationStatus | None, Query(alias="status")] = None,
    kind: AdaptationKind | None = None,
) -> Page[AdaptationRead]:
    statement = repository.children(
        AdaptationDecision,
        evaluation.id,
        *repository.ADAPTATION_LOAD,
        status=status_,
        kind=kind,
    )
    rows = await pagination.rows(
        session,
        statement,
        id_column=AdaptationDecision.id,
        updated_column=AdaptationDecision.updated_at,
    )
    return rows.as_page(AdaptationRead)


@router.get("/adaptations/{adaptation_id}", responses=problem_responses(AdaptationNotFound, 304))
async def get_adaptation(
    adaptation: AdaptationDep, _: PrincipalDep, request: Request, response: Response
) -> AdaptationRead:
    conditional_get(request, response, adaptation.version)
    return AdaptationRead.model_validate(adaptation)


@router.patch(
    "/adaptations/{adaptation_id}",
    responses=problem_responses(
        *_WRITE, AdaptationNotFound, AdaptationLocked, CrossEvaluationReference, PreconditionFailed
    ),
)
async def update_adaptation(
    adaptation: AdaptationDep,
    patch: AdaptationPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> AdaptationRead:
    """Everything while proposed; afterwards only `outcome_map_change_ref` (409 otherwise)."""
    check_if_match(request, adaptation.version)
    evaluation = await evaluation_of(session, adaptation)
    adaptation = await service.update_adaptation(
        session, adaptation, evaluation, patch=patch, writer=writer
    )
    response.headers["ETag"] = etag_for(adaptation.version)
    return AdaptationRead.model_validate(adaptation)


@router.post(
    "/adaptations/{adaptation_id}/transition",
    responses=problem_responses(
        *_WRITE,
        AdaptationNotFound,
        IllegalAdaptationTransition,
        ObservedEffectRequired,
        PreconditionFailed,
    ),
)
async def transition_adaptation(
    adaptation: AdaptationDep,
    data: AdaptationTransition,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> AdaptationRead:
    """proposed → agreed → implemented → reviewed (the review needs `observed_effect`). An
    implemented `pivot` publishes `adaptation.implemented` for the projects service."""
    check_if_match(request, adaptation.version)
    evaluation = await evaluation_of(session, adaptation)
    adaptation = await service.transition_adaptation(
        session, adaptation, evaluation, data=data, writer=writer
    )
    response.headers["ETag"] = etag_for(adaptation.version)
    return AdaptationRead.model_validate(adaptation)


# -- theory of change --------------------------------------------------------------------------


@router.post(
    "/evaluations/{evaluation_id}/theory-of-change",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*_WRITE, EvaluationNotFound, CrossEvaluationReference),
)
async def create_theory_of_change_version(
    evaluation: EvaluationDep,
    data: TheoryOfChangeCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> TheoryOfChangeRead:
    """A new version (numbered 1, 2, ...); it supersedes the previous one, which becomes
    read-only."""
    version = await service.create_toc_version(session, evaluation, data=data, writer=writer)
    _created(response, f"theory-of-change/{version.id}", version.version)
    return TheoryOfChangeRead.model_validate(version)


@router.get(
    "/evaluations/{evaluation_id}/theory-of-change",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_theory_of_change_versions(
    evaluation: EvaluationDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: TheoryOfChangePagination,
) -> Page[TheoryOfChangeRead]:
    statement = repository.children(TheoryOfChangeVersion, evaluation.id, *repository.TOC_LOAD)
    rows = await pagination.rows(
        session,
        statement,
        id_column=TheoryOfChangeVersion.id,
        updated_column=TheoryOfChangeVersion.updated_at,
    )
    return rows.as_page(TheoryOfChangeRead)


@router.get(
    "/theory-of-change/{version_id}", responses=problem_responses(TheoryOfChangeNotFound, 304)
)
async def get_theory_of_change_version(
    version: TheoryOfChangeDep, _: PrincipalDep, request: Request, response: Response
) -> TheoryOfChangeRead:
    conditional_get(request, response, version.version)
    return TheoryOfChangeRead.model_validate(version)


@router.patch(
    "/theory-of-change/{version_id}",
    responses=problem_responses(
        *_WRITE,
        TheoryOfChangeNotFound,
        TheoryOfChangeSuperseded,
        CrossEvaluationReference,
        PreconditionFailed,
    ),
)
async def update_theory_of_change_version(
    version: TheoryOfChangeDep,
    patch: TheoryOfChangePatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> TheoryOfChangeRead:
    """Only the latest version (e.g. an assumption moving holding → challenged)."""
    check_if_match(request, version.version)
    evaluation = await evaluation_of(session, version)
    version = await service.update_toc_version(
        session, version, evaluation, patch=patch, writer=writer
    )
    response.headers["ETag"] = etag_for(version.version)
    return TheoryOfChangeRead.model_validate(version)


# -- learning briefs ---------------------------------------------------------------------------


@router.post(
    "/evaluations/{evaluation_id}/briefs",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*_WRITE, EvaluationNotFound),
)
async def create_learning_brief(
    evaluation: EvaluationDep,
    data: BriefCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> BriefRead:
    brief = await service.create_brief(session, evaluation, data=data, writer=writer)
    _created(response, f"briefs/{brief.id}", brief.version)
    return BriefRead.model_validate(brief)


@router.get(
    "/evaluations/{evaluation_id}/briefs",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_learning_briefs(
    evaluation: EvaluationDep, session: SessionDep, _: PrincipalDep, pagination: BriefPagination
) -> Page[BriefRead]:
    rows = await pagination.rows(
        session,
        repository.children(LearningBrief, evaluation.id),
        id_column=LearningBrief.id,
        updated_column=LearningBrief.updated_at,
    )
    return rows.as_page(BriefRead)


@router.get("/briefs/{brief_id}", responses=problem_responses(BriefNotFound, 304))
async def get_learning_brief(
    brief: BriefDep, _: PrincipalDep, request: Request, response: Response
) -> BriefRead:
    conditional_get(request, response, brief.version)
    return BriefRead.model_validate(brief)


@router.patch(
    "/briefs/{brief_id}",
    responses=problem_responses(*_WRITE, BriefNotFound, PreconditionFailed),
)
async def update_learning_brief(
    brief: BriefDep,
    patch: BriefPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> BriefRead:
    check_if_match(request, brief.version)
    evaluation = await evaluation_of(session, brief)
    brief = await service.update_brief(session, brief, evaluation, patch=patch, writer=writer)
    response.headers["ETag"] = etag_for(brief.version)
    return BriefRead.model_validate(brief)
