"""Strategy journals: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.journals import repository as journals
from projects_service.journals.errors import (
    IllegalJournalTransition,
    JournalEntryNotAmendable,
    JournalEntryNotFound,
    JournalEntryReadOnly,
    JournalNeedsAgreedMap,
    OverlappingJournalPeriod,
    StrategyNotInMap,
    UnknownOutcomeMap,
)
from projects_service.journals.models import JournalStatus
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived, ProjectNotFound
from projects_service.strategy_journals import service
from projects_service.strategy_journals.models import StrategyJournalEntry
from projects_service.strategy_journals.schemas import (
    StrategyJournalEntryCreate,
    StrategyJournalEntryPatch,
    StrategyJournalEntryRead,
)
from projects_service.team.dependencies import ProjectWriterDep
from projects_service.team.errors import NotATeamMember
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, etag_for
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.types import Date

router = APIRouter(prefix="/v1/projects/{project_id}/strategy-journal", tags=["journals"])

JournalPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {
                "period_start": StrategyJournalEntry.period_start,
                "created_at": StrategyJournalEntry.created_at,
            }
        )
    ),
]
WRITE_PROBLEMS = (ProjectNotFound, NotATeamMember, ProjectArchived)


async def get_entry_or_404(
    project: ProjectDep, entry_id: uuid.UUID, session: SessionDep
) -> StrategyJournalEntry:
    entry = await journals.get_entry(session, StrategyJournalEntry, project.id, entry_id)
    if entry is None:
        raise JournalEntryNotFound(f"No strategy journal entry {entry_id} on {project.reference}.")
    return entry


EntryDep = Annotated[StrategyJournalEntry, Depends(get_entry_or_404)]


def _written(entry: StrategyJournalEntry, response: Response) -> StrategyJournalEntryRead:
    response.headers["ETag"] = etag_for(entry.version)
    return StrategyJournalEntryRead.model_validate(entry)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        *WRITE_PROBLEMS,
        UnknownOutcomeMap,
        JournalNeedsAgreedMap,
        StrategyNotInMap,
        OverlappingJournalPeriod,
        JournalEntryNotAmendable,
    ),
)
async def create_strategy_journal_entry(
    project: ProjectDep,
    data: StrategyJournalEntryCreate,
    session: SessionDep,
    actor: ProjectWriterDep,
    response: Response,
) -> StrategyJournalEntryRead:
    """A draft strategy journal entry (OM step 10) for one period of an agreed outcome map:
    the strategies worked on, activities, effectiveness, outputs, follow-up, lessons and the
    programme's response. Periods must not overlap across the map's versions. Set `amends_id`
    to correct a submitted or reviewed entry."""
    entry = await service.create_entry(session, project, data=data, actor=actor.subject)
    response.headers["Location"] = f"/v1/projects/{project.id}/strategy-journal/{entry.id}"
    return _written(entry, response)


@router.get("", responses=problem_responses(ProjectNotFound))
async def list_strategy_journal_entries(
    project: ProjectDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: JournalPagination,
    outcome_map_id: uuid.UUID | None = None,
    status_filter: Annotated[JournalStatus | None, Query(alias="status")] = None,
    period_from: Annotated[
        Date | None, Query(description="Entries whose period ends on or after.")
    ] = None,
    period_to: Annotated[
        Date | None, Query(description="Entries whose period starts on or before.")
    ] = None,
) -> Page[StrategyJournalEntryRead]:
    statement = journals.list_statement(
        StrategyJournalEntry,
        project.id,
        outcome_map_id=outcome_map_id,
        status=status_filter,
        period_from=period_from,
        period_to=period_to,
    )
    rows = await pagination.rows(
        session,
        statement,
        id_column=StrategyJournalEntry.id,
        updated_column=StrategyJournalEntry.updated_at,
    )
    return rows.as_page(StrategyJournalEntryRead)


@router.get("/{entry_id}", responses=problem_responses(ProjectNotFound, JournalEntryNotFound, 304))
async def get_strategy_journal_entry(
    entry: EntryDep, _: PrincipalDep, request: Request, response: Response
) -> StrategyJournalEntryRead:
    conditional_get(request, response, entry.version)
    return StrategyJournalEntryRead.model_validate(entry)


@router.patch(
    "/{entry_id}",
    responses=problem_responses(
        *WRITE_PROBLEMS,
        JournalEntryNotFound,
        JournalEntryReadOnly,
        StrategyNotInMap,
        OverlappingJournalPeriod,
        PreconditionFailed,
    ),
)
async def update_strategy_journal_entry(
    entry: EntryDep,
    patch: StrategyJournalEntryPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> StrategyJournalEntryRead:
    """Edit a draft (`strategy_ids`, when sent, replaces the list). Submitted and reviewed
    entries are read-only: correct them with an amendment."""
    check_if_match(request, entry.version)
    return _written(await service.update_entry(session, entry, patch=patch), response)


@router.post(
    "/{entry_id}/submit",
    responses=problem_responses(
        *WRITE_PROBLEMS,
        JournalEntryNotFound,
        IllegalJournalTransition,
        JournalEntryNotAmendable,
        PreconditionFailed,
    ),
)
async def submit_strategy_journal_entry(
    entry: EntryDep, session: SessionDep, _: ProjectWriterDep, request: Request, response: Response
) -> StrategyJournalEntryRead:
    """draft → submitted (publishes `journal.submitted` with `journal: strategy`); an amended
    original becomes `amended`."""
    check_if_match(request, entry.version)
    return _written(await service.submit_entry(session, entry), response)


@router.post(
    "/{entry_id}/review",
    responses=problem_responses(
        *WRITE_PROBLEMS, JournalEntryNotFound, IllegalJournalTransition, PreconditionFailed
    ),
)
async def review_strategy_journal_entry(
    entry: EntryDep,
    session: SessionDep,
    actor: ProjectWriterDep,
    request: Request,
    response: Response,
) -> StrategyJournalEntryRead:
    """submitted → reviewed; a reviewed entry is read-only."""
    check_if_match(request, entry.version)
    return _written(await service.review_entry(session, entry, reviewer=actor.subject), response)
