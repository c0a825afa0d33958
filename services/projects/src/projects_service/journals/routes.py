"""Journal routes, written once: `journal_router` gives each journal its collection under
`/v1/projects/{project_id}/<path>` (create, list, read, edit a draft, and
`POST /{entry_id}/transitions`); `JOURNALS` at the bottom says what differs per journal (path,
bodies, list filters, documentation, the problems it may answer). Thin: parse, call
`service.lifecycle`, shape the response."""

# No `from __future__ import annotations` here: FastAPI reads each route's body type from its
# annotations, and in this factory those are the journal's own classes, known only at run time.

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.journals.errors import (
    JournalEntryNotAmendable,
    JournalEntryNotFound,
    JournalEntryReadOnly,
    JournalNeedsAgreedMap,
    OverlappingJournalPeriod,
    PracticeEntryRepeated,
    RatingMarkerNotInPartner,
    StrategyNotInMap,
    UnknownBoundaryPartner,
    UnknownOutcomeMap,
)
from projects_service.journals.models import JournalEntryMixin, JournalStatus
from projects_service.journals.schemas import (
    JournalEntryCreateBase,
    JournalEntryPatchBase,
    JournalEntryReadBase,
    JournalTransition,
)
from projects_service.journals.schemas.outcome import (
    OutcomeJournalEntryCreate,
    OutcomeJournalEntryPatch,
    OutcomeJournalEntryRead,
)
from projects_service.journals.schemas.performance import (
    PerformanceJournalEntryCreate,
    PerformanceJournalEntryPatch,
    PerformanceJournalEntryRead,
)
from projects_service.journals.schemas.strategy import (
    StrategyJournalEntryCreate,
    StrategyJournalEntryPatch,
    StrategyJournalEntryRead,
)
from projects_service.journals.service import lifecycle
from projects_service.journals.service.kind import Journal
from projects_service.journals.service.outcome import OUTCOME
from projects_service.journals.service.performance import PERFORMANCE
from projects_service.journals.service.strategy import STRATEGY
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived, ProjectNotFound
from projects_service.projects.models import Project
from projects_service.team.dependencies import ProjectWriterDep
from projects_service.team.errors import NotATeamMember
from shared.auth import Principal, PrincipalDep
from shared.db import SessionDep
from shared.etag import (
    PreconditionFailed,
    check_if_match,
    conditional_get,
    mark_created,
    mark_version,
)
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import ProblemError, problem_responses
from shared.transitions import IllegalTransition
from shared.types import Date

WRITE_PROBLEMS = (ProjectNotFound, NotATeamMember, ProjectArchived)
Filters = dict[str, uuid.UUID | None]


@dataclass(frozen=True)
class JournalRoutes:
    """What one journal's collection has of its own."""

    path: str
    journal: Journal[Any, Any]
    create: type[JournalEntryCreateBase]
    patch: type[JournalEntryPatchBase]
    read: type[JournalEntryReadBase]
    # A dependency reading the journal's own list filters (`?boundary_partner_id=`, ...); async,
    # as every dependency (FastAPI runs a plain `def` one on its thread pool).
    filters: Callable[..., Awaitable[Filters]]
    create_doc: str
    # The problems naming what the entry is recorded against, and the kind's content rule.
    anchor_problem: type[ProblemError]
    content_problem: type[ProblemError]


def journal_router(spec: JournalRoutes) -> APIRouter:
    """The five routes of one journal. The body parameters name the journal's own classes, so
    mypy sees variables where it expects types (the `type: ignore[valid-type]` below)."""
    journal, model, kind = spec.journal, spec.journal.model, spec.journal.model.kind
    Create, Patch, Read = spec.create, spec.patch, spec.read
    router = APIRouter(prefix=f"/v1/projects/{{project_id}}/{spec.path}", tags=["journals"])
    paginate = pagination_dependency(
        {"period_start": model.period_start, "created_at": model.created_at}
    )

    async def entry_or_404(
        project: ProjectDep, entry_id: uuid.UUID, session: SessionDep
    ) -> JournalEntryMixin:
        return await lifecycle.get_or_404(session, journal, project, entry_id)

    Entry = Annotated[JournalEntryMixin, Depends(entry_or_404)]

    def present(
        entry: JournalEntryMixin, project: Project, principal: Principal
    ) -> JournalEntryReadBase:
        """The entry as `principal` reads it (its `allowed_transitions` depend on who asks)."""
        allowed = lifecycle.allowed_transitions(entry, project, principal)
        return Read.model_validate(entry).for_caller(allowed)

    async def written(
        session: SessionDep,
        entry: JournalEntryMixin,
        project: Project,
        actor: Principal,
        response: Response,
    ) -> JournalEntryReadBase:
        """The entry as it now is (a write may have replaced its child rows), with its ETag."""
        entry = await lifecycle.reread(session, entry)
        mark_version(response, entry.version)
        return present(entry, project, actor)

    @router.post(
        "",
        name=f"create_{kind}_journal_entry",
        description=spec.create_doc,
        status_code=status.HTTP_201_CREATED,
        response_model=Read,
        responses=problem_responses(
            *WRITE_PROBLEMS,
            spec.anchor_problem,
            JournalNeedsAgreedMap,
            spec.content_problem,
            OverlappingJournalPeriod,
            JournalEntryNotAmendable,
        ),
    )
    async def create(
        project: ProjectDep,
        data: Create,  # type: ignore[valid-type]
        session: SessionDep,
        actor: ProjectWriterDep,
        response: Response,
    ) -> JournalEntryReadBase:
        entry = await lifecycle.create(session, journal, project, data, actor=actor.subject)
        entry = await lifecycle.reread(session, entry)
        mark_created(response, f"/v1/projects/{project.id}/{spec.path}/{entry.id}", entry.version)
        return present(entry, project, actor)

    @router.get(
        "",
        name=f"list_{kind}_journal_entries",
        response_model=Page[Read],  # type: ignore[valid-type]
        responses=problem_responses(ProjectNotFound),
    )
    async def list_entries(
        project: ProjectDep,
        session: SessionDep,
        principal: PrincipalDep,
        pagination: Annotated[Pagination, Depends(paginate)],
        filters: Annotated[Filters, Depends(spec.filters)],
        status_filter: Annotated[JournalStatus | None, Query(alias="status")] = None,
        period_from: Annotated[
            Date | None, Query(description="Entries whose period ends on or after.")
        ] = None,
        period_to: Annotated[
            Date | None, Query(description="Entries whose period starts on or before.")
        ] = None,
    ) -> Page[Any]:
        rows = await lifecycle.page(
            session,
            journal,
            project.id,
            pagination,
            status=status_filter,
            period_from=period_from,
            period_to=period_to,
            equals=filters,
        )
        return Page[Read](  # type: ignore[valid-type]
            items=[present(entry, project, principal) for entry in rows.items],
            next_cursor=rows.next_cursor,
        )

    @router.get(
        "/{entry_id}",
        name=f"get_{kind}_journal_entry",
        response_model=Read,
        responses=problem_responses(ProjectNotFound, JournalEntryNotFound, 304),
    )
    async def get_entry(
        project: ProjectDep,
        entry: Entry,
        principal: PrincipalDep,
        request: Request,
        response: Response,
    ) -> JournalEntryReadBase:
        conditional_get(request, response, entry.version)
        return present(entry, project, principal)

    @router.patch(
        "/{entry_id}",
        name=f"update_{kind}_journal_entry",
        description=(
            f"Edit a draft (`{journal.children}`, when sent, replaces them all). "
            if journal.children
            else "Edit a draft. "
        )
        + "Submitted and reviewed entries are read-only: correct them with an amendment.",
        response_model=Read,
        responses=problem_responses(
            *WRITE_PROBLEMS,
            JournalEntryNotFound,
            JournalEntryReadOnly,
            spec.content_problem,
            OverlappingJournalPeriod,
            PreconditionFailed,
        ),
    )
    async def update_entry(
        project: ProjectDep,
        entry: Entry,
        patch: Patch,  # type: ignore[valid-type]
        session: SessionDep,
        actor: ProjectWriterDep,
        request: Request,
        response: Response,
    ) -> JournalEntryReadBase:
        check_if_match(request, entry.version)
        entry = await lifecycle.update(session, journal, entry, patch)
        return await written(session, entry, project, actor, response)

    @router.post(
        "/{entry_id}/transitions",
        name=f"transition_{kind}_journal_entry",
        response_model=Read,
        responses=problem_responses(
            *WRITE_PROBLEMS,
            JournalEntryNotFound,
            IllegalTransition,
            JournalEntryNotAmendable,
            PreconditionFailed,
        ),
    )
    async def transition(
        project: ProjectDep,
        entry: Entry,
        move: JournalTransition,
        session: SessionDep,
        actor: ProjectWriterDep,
        request: Request,
        response: Response,
    ) -> JournalEntryReadBase:
        """Move the entry along draft → submitted → reviewed (its `allowed_transitions` say
        where it can go now): `submitted` publishes `journal.submitted` and, for an amendment,
        makes the entry it corrects `amended`; `reviewed` makes it read-only, the caller
        recorded as reviewer. Answers the entry as it now is."""
        check_if_match(request, entry.version)
        entry = await lifecycle.transition(session, journal, entry, move, actor=actor.subject)
        return await written(session, entry, project, actor, response)

    return router


async def _partner_filters(
    boundary_partner_id: uuid.UUID | None = None,
    partner_lineage_id: Annotated[
        uuid.UUID | None, Query(description="The partner across versions.")
    ] = None,
) -> Filters:
    return {"boundary_partner_id": boundary_partner_id, "partner_lineage_id": partner_lineage_id}


async def _map_filters(outcome_map_id: uuid.UUID | None = None) -> Filters:
    return {"outcome_map_id": outcome_map_id}


JOURNALS = (
    JournalRoutes(
        path="outcome-journal",
        journal=OUTCOME,
        create=OutcomeJournalEntryCreate,
        patch=OutcomeJournalEntryPatch,
        read=OutcomeJournalEntryRead,
        filters=_partner_filters,
        create_doc=(
            "A draft outcome journal entry for one boundary partner and period (OM step 9), "
            "with a rating (`not_observed`, `low`, `medium`, `high`) per progress marker. "
            "Set `amends_id` to correct a submitted or reviewed entry."
        ),
        anchor_problem=UnknownBoundaryPartner,
        content_problem=RatingMarkerNotInPartner,
    ),
    JournalRoutes(
        path="strategy-journal",
        journal=STRATEGY,
        create=StrategyJournalEntryCreate,
        patch=StrategyJournalEntryPatch,
        read=StrategyJournalEntryRead,
        filters=_map_filters,
        create_doc=(
            "A draft strategy journal entry (OM step 10) for one period of an agreed outcome "
            "map: the strategies worked on, activities, effectiveness, outputs, follow-up, "
            "lessons and the programme's response. Periods must not overlap across the map's "
            "versions. Set `amends_id` to correct a submitted or reviewed entry."
        ),
        anchor_problem=UnknownOutcomeMap,
        content_problem=StrategyNotInMap,
    ),
    JournalRoutes(
        path="performance-journal",
        journal=PERFORMANCE,
        create=PerformanceJournalEntryCreate,
        patch=PerformanceJournalEntryPatch,
        read=PerformanceJournalEntryRead,
        filters=_map_filters,
        create_doc=(
            "A draft performance journal entry (OM step 11) for one period of an agreed "
            "outcome map: for each organisational practice described, examples or indicators, "
            "evidence and an optional rating (`not_observed`, `low`, `medium`, `high`). "
            "Periods must not overlap across the map's versions. Set `amends_id` to correct a "
            "submitted or reviewed entry."
        ),
        anchor_problem=UnknownOutcomeMap,
        content_problem=PracticeEntryRepeated,
    ),
)

routers = [journal_router(spec) for spec in JOURNALS]
