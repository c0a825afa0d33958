"""Performance journals: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.journals.errors import (
    IllegalJournalTransition,
    JournalEntryNotAmendable,
    JournalEntryNotFound,
    JournalEntryReadOnly,
    JournalNeedsAgreedMap,
    OverlappingJournalPeriod,
    PracticeEntryRepeated,
    UnknownOutcomeMap,
)
from projects_service.journals.models import JournalStatus
from projects_service.performance_journals import repository, service
from projects_service.performance_journals.models import PerformanceJournalEntry
from projects_service.performance_journals.schemas import (
    PerformanceJournalEntryCreate,
    PerformanceJournalEntryPatch,
    PerformanceJournalEntryRead,
)
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived, ProjectNotFound
from projects_service.team.dependencies import ProjectWriterDep
from projects_service.team.errors import NotATeamMember
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, etag_for
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.types import Date

router = APIRouter(prefix="/v1/projects/{project_id}/performance-journal", tags=["journals"])

JournalPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {
                "period_start": PerformanceJournalEntry.period_start,
                "created_at": PerformanceJournalEntry.created_at,
            }
        )
    ),
]
WRITE_PROBLEMS = (ProjectNotFound, NotATeamMember, ProjectArchived)


async def get_entry_or_404(
    project: ProjectDep, entry_id: uuid.UUID, session: SessionDep
) -> PerformanceJournalEntry:
    entry = await repository.get(session, project.id, entry_id)
    if entry is None:
        raise JournalEntryNotFound(
            f"No performance journal entry {entry_id} on {project.reference}."
        )
    return entry


EntryDep = Annotated[PerformanceJournalEntry, Depends(get_entry_or_404)]


async def _written(
    session: SessionDep, entry: PerformanceJournalEntry, response: Response
) -> PerformanceJournalEntryRead:
    """The entry re-read with its practice rows (a write may have replaced them)."""
    response.headers["ETag"] = etag_for(entry.version)
    return PerformanceJournalEntryRead.model_validate(
        await repository.get(session, entry.project_id, entry.id)
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        *WRITE_PROBLEMS,
        UnknownOutcomeMap,
        JournalNeedsAgreedMap,
        PracticeEntryRepeated,
        OverlappingJournalPeriod,
        JournalEntryNotAmendable,
    ),
)
async def create_performance_journal_entry(
    project: ProjectDep,
    data: PerformanceJournalEntryCreate,
    session: SessionDep,
    actor: ProjectWriterDep,
    response: Response,
) -> PerformanceJournalEntryRead:
    """A draft performance journal entry (OM step 11) for one period of an agreed outcome map:
    for each organisational practice described, examples or indicators, evidence and an
    optional rating (`not_observed`, `low`, `medium`, `high`). Periods must not overlap across
    the map's versions. Set `amends_id` to correct a submitted or reviewed entry."""
    entry = await service.create_entry(session, project, data=data, actor=actor.subject)
    response.headers["Location"] = f"/v1/projects/{project.id}/performance-journal/{entry.id}"
    return await _written(session, entry, response)


@router.get("", responses=problem_responses(ProjectNotFound))
async def list_performance_journal_entries(
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
) -> Page[PerformanceJournalEntryRead]:
    statement = repository.list_statement(
        project.id,
        outcome_map_id=outcome_map_id,
        status=status_filter,
        period_from=period_from,
        period_to=period_to,
    )
    rows = await pagination.rows(
        session,
        statement,
        id_column=PerformanceJournalEntry.id,
        updated_column=PerformanceJournalEntry.updated_at,
    )
    return rows.as_page(PerformanceJournalEntryRead)


@router.get("/{entry_id}", responses=problem_responses(ProjectNotFound, JournalEntryNotFound, 304))
async def get_performance_journal_entry(
    entry: EntryDep, _: PrincipalDep, request: Request, response: Response
) -> PerformanceJournalEntryRead:
    conditional_get(request, response, entry.version)
    return PerformanceJournalEntryRead.model_validate(entry)


@router.patch(
    "/{entry_id}",
    responses=problem_responses(
        *WRITE_PROBLEMS,
        JournalEntryNotFound,
        JournalEntryReadOnly,
        PracticeEntryRepeated,
        OverlappingJournalPeriod,
        PreconditionFailed,
    ),
)
async def update_performance_journal_entry(
    entry: EntryDep,
    patch: PerformanceJournalEntryPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> PerformanceJournalEntryRead:
    """Edit a draft (`practice_entries`, when sent, replaces them all). Submitted and reviewed
    entries are read-only: correct them with an amendment."""
    check_if_match(request, entry.version)
    return await _written(
        session, await service.update_entry(session, entry, patch=patch), response
    )


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
async def submit_performance_journal_entry(
    entry: EntryDep, session: SessionDep, _: ProjectWriterDep, request: Request, response: Response
) -> PerformanceJournalEntryRead:
    """draft → submitted (publishes `journal.submitted` with `journal: performance`); an amended
    original becomes `amended`."""
    check_if_match(request, entry.version)
    return await _written(session, await service.submit_entry(session, entry), response)


@router.post(
    "/{entry_id}/review",
    responses=problem_responses(
        *WRITE_PROBLEMS, JournalEntryNotFound, IllegalJournalTransition, PreconditionFailed
    ),
)
async def review_performance_journal_entry(
    entry: EntryDep,
    session: SessionDep,
    actor: ProjectWriterDep,
    request: Request,
    response: Response,
) -> PerformanceJournalEntryRead:
    """submitted → reviewed; a reviewed entry is read-only."""
    check_if_match(request, entry.version)
    return await _written(
        session, await service.review_entry(session, entry, reviewer=actor.subject), response
    )
