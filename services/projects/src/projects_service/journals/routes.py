"""Outcome journals: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.journals import repository, service
from projects_service.journals.errors import (
    IllegalJournalTransition,
    JournalEntryNotAmendable,
    JournalEntryNotFound,
    JournalEntryReadOnly,
    JournalNeedsAgreedMap,
    OverlappingJournalPeriod,
    RatingMarkerNotInPartner,
    UnknownBoundaryPartner,
)
from projects_service.journals.models import JournalStatus, OutcomeJournalEntry
from projects_service.journals.schemas import (
    OutcomeJournalEntryCreate,
    OutcomeJournalEntryPatch,
    OutcomeJournalEntryRead,
)
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived, ProjectNotFound
from projects_service.team.dependencies import ProjectWriterDep
from projects_service.team.errors import NotATeamMember
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, etag_for, mark_created
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.types import Date

router = APIRouter(prefix="/v1/projects/{project_id}/outcome-journal", tags=["journals"])

JournalPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {
                "period_start": OutcomeJournalEntry.period_start,
                "created_at": OutcomeJournalEntry.created_at,
            }
        )
    ),
]
WRITE_PROBLEMS = (ProjectNotFound, NotATeamMember, ProjectArchived)


async def get_entry_or_404(
    project: ProjectDep, entry_id: uuid.UUID, session: SessionDep
) -> OutcomeJournalEntry:
    entry = await service.get_entry(session, project.id, entry_id)
    if entry is None:
        raise JournalEntryNotFound(f"No journal entry {entry_id} on {project.reference}.")
    return entry


EntryDep = Annotated[OutcomeJournalEntry, Depends(get_entry_or_404)]


async def _read(
    session: SessionDep, project_id: uuid.UUID, entry_id: uuid.UUID
) -> OutcomeJournalEntryRead:
    entry = await service.get_entry(session, project_id, entry_id)
    return OutcomeJournalEntryRead.model_validate(entry)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        *WRITE_PROBLEMS,
        UnknownBoundaryPartner,
        JournalNeedsAgreedMap,
        RatingMarkerNotInPartner,
        OverlappingJournalPeriod,
        JournalEntryNotAmendable,
    ),
)
async def create_outcome_journal_entry(
    project: ProjectDep,
    data: OutcomeJournalEntryCreate,
    session: SessionDep,
    actor: ProjectWriterDep,
    response: Response,
) -> OutcomeJournalEntryRead:
    """A draft outcome journal entry for one boundary partner and period (OM step 9), with a
    rating (`not_observed`, `low`, `medium`, `high`) per progress marker. Set `amends_id` to
    correct a submitted or reviewed entry."""
    entry = await service.create_entry(session, project, data=data, actor=actor.subject)
    mark_created(response, f"/v1/projects/{project.id}/outcome-journal/{entry.id}", entry.version)
    return await _read(session, project.id, entry.id)


@router.get("", responses=problem_responses(ProjectNotFound))
async def list_outcome_journal_entries(
    project: ProjectDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: JournalPagination,
    boundary_partner_id: uuid.UUID | None = None,
    partner_lineage_id: Annotated[
        uuid.UUID | None, Query(description="The partner across versions.")
    ] = None,
    status_filter: Annotated[JournalStatus | None, Query(alias="status")] = None,
    period_from: Annotated[
        Date | None, Query(description="Entries whose period ends on or after.")
    ] = None,
    period_to: Annotated[
        Date | None, Query(description="Entries whose period starts on or before.")
    ] = None,
) -> Page[OutcomeJournalEntryRead]:
    statement = repository.outcome_list_statement(
        project.id,
        boundary_partner_id=boundary_partner_id,
        partner_lineage_id=partner_lineage_id,
        status=status_filter,
        period_from=period_from,
        period_to=period_to,
    )
    rows = await pagination.rows(
        session,
        statement,
        id_column=OutcomeJournalEntry.id,
        updated_column=OutcomeJournalEntry.updated_at,
    )
    return rows.as_page(OutcomeJournalEntryRead)


@router.get("/{entry_id}", responses=problem_responses(ProjectNotFound, JournalEntryNotFound, 304))
async def get_outcome_journal_entry(
    entry: EntryDep, _: PrincipalDep, request: Request, response: Response
) -> OutcomeJournalEntryRead:
    conditional_get(request, response, entry.version)
    return OutcomeJournalEntryRead.model_validate(entry)


@router.patch(
    "/{entry_id}",
    responses=problem_responses(
        *WRITE_PROBLEMS,
        JournalEntryNotFound,
        JournalEntryReadOnly,
        RatingMarkerNotInPartner,
        OverlappingJournalPeriod,
        PreconditionFailed,
    ),
)
async def update_outcome_journal_entry(
    project: ProjectDep,
    entry: EntryDep,
    patch: OutcomeJournalEntryPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> OutcomeJournalEntryRead:
    """Edit a draft (`marker_ratings`, when sent, replaces the ratings). Submitted and reviewed
    entries are read-only: correct them with an amendment."""
    check_if_match(request, entry.version)
    entry = await service.update_entry(session, project, entry, patch=patch)
    response.headers["ETag"] = etag_for(entry.version)
    return await _read(session, project.id, entry.id)


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
async def submit_outcome_journal_entry(
    project: ProjectDep,
    entry: EntryDep,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> OutcomeJournalEntryRead:
    """draft → submitted (publishes `journal.submitted`); an amended original becomes `amended`."""
    check_if_match(request, entry.version)
    entry = await service.submit_entry(session, entry)
    response.headers["ETag"] = etag_for(entry.version)
    return await _read(session, project.id, entry.id)


@router.post(
    "/{entry_id}/review",
    responses=problem_responses(
        *WRITE_PROBLEMS, JournalEntryNotFound, IllegalJournalTransition, PreconditionFailed
    ),
)
async def review_outcome_journal_entry(
    project: ProjectDep,
    entry: EntryDep,
    session: SessionDep,
    actor: ProjectWriterDep,
    request: Request,
    response: Response,
) -> OutcomeJournalEntryRead:
    """submitted → reviewed; a reviewed entry is read-only."""
    check_if_match(request, entry.version)
    entry = await service.review_entry(session, entry, reviewer=actor.subject)
    response.headers["ETag"] = etag_for(entry.version)
    return await _read(session, project.id, entry.id)
