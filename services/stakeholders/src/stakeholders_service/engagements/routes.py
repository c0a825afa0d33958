"""Engagements: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep
from shared.etag import (
    PreconditionFailed,
    check_if_match,
    conditional_get,
    mark_created,
    mark_version,
)
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.project_access import NotATeamMember
from shared.staff_names import without_staff_names
from shared.transitions import IllegalTransition
from shared.types import UtcDateTime
from stakeholders_service.clients.projects import ProjectsDep, UnknownProject, UpstreamUnavailable
from stakeholders_service.engagements import service
from stakeholders_service.engagements.dependencies import (
    EngagementDep,
    EngagementWriterDep,
    FeedbackDep,
)
from stakeholders_service.engagements.errors import (
    ClosureRequiresResponse,
    DuplicateParticipation,
    EngagementNotCompleted,
    EngagementNotFound,
    FeedbackNotFound,
    IllegalFeedbackTransition,
    PlanTargetRequired,
    UnknownStakeholder,
)
from stakeholders_service.engagements.models import (
    Engagement,
    EngagementStatus,
    EngagementType,
    FeedbackStatus,
)
from stakeholders_service.engagements.schemas import (
    EngagementCreate,
    EngagementPatch,
    EngagementRead,
    EngagementSummary,
    EngagementTransition,
    EqualityCreateAck,
    EqualityReport,
    FeedbackCreate,
    FeedbackPatch,
    FeedbackRead,
    ParticipationCreate,
    ParticipationRead,
    PlanItemCreate,
    PlanItemRead,
)
from stakeholders_service.equality import service as equality
from stakeholders_service.equality.errors import EqualityCharacteristicOff, EqualityConsentMissing
from stakeholders_service.equality.schemas import EqualityCreate
from stakeholders_service.populations.errors import UnknownComparator
from stakeholders_service.settings import SettingsDep
from stakeholders_service.vocabulary import Iap2Level

router = APIRouter(prefix="/v1/engagements", tags=["engagements"])

Editor = Annotated[
    Principal, Depends(require_roles(Role.governance, Role.contributor, Role.evaluator))
]
EngagementPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency({"held_at": Engagement.held_at, "created_at": Engagement.created_at})
    ),
]
ChildPagination = Annotated[Pagination, Depends(pagination_dependency())]


# Fixed paths first: `/summary`, `/equality-report`, `/plans` before `/{engagement_id}`.


@router.get("/summary", responses=problem_responses())
async def get_engagement_summary(
    session: SessionDep, _: PrincipalDep, project_id: uuid.UUID | None = None
) -> EngagementSummary:
    """B6 for one project, or for all engagements without `project_id`; cancelled engagements
    are not counted. Aggregated in the database: the cost does not grow with the answer."""
    return await service.summary(session, project_id=project_id)


@router.get("/equality-report", responses=problem_responses(UnknownComparator))
async def get_equality_report(
    session: SessionDep,
    _: PrincipalDep,
    settings: SettingsDep,
    project_id: uuid.UUID | None = None,
    engagement_id: uuid.UUID | None = None,
    comparator: Annotated[
        str | None, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$", description="A population key.")
    ] = None,
    comparator_version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> EqualityReport:
    """Aggregates only, to every role: each cell below 5 suppressed (with secondary
    suppression), `prefer_not_to_say` shown, withdrawn linked answers left out; with
    `comparator`, shares against that population (its latest version unless given)."""
    return await equality.report(
        session,
        project_id=project_id,
        engagement_id=engagement_id,
        enabled=settings.equality_characteristics,
        comparator_key=comparator,
        comparator_version=comparator_version,
    )


@router.post(
    "/plans",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        NotATeamMember, PlanTargetRequired, UnknownStakeholder, UnknownProject, UpstreamUnavailable
    ),
)
async def create_plan_item(
    data: PlanItemCreate,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    response: Response,
) -> PlanItemRead:
    item = await service.create_plan_item(session, data=data, actor=actor, lookup=client)
    mark_created(response, f"{router.prefix}/plans?project_id={item.project_id}", item.version)
    return PlanItemRead.model_validate(item)


@router.get("/plans", responses=problem_responses())
async def list_plan_items(
    session: SessionDep,
    principal: PrincipalDep,
    pagination: ChildPagination,
    project_id: uuid.UUID | None = None,
) -> Page[PlanItemRead]:
    page = await service.list_plan_items(session, pagination, project_id=project_id)
    # A plan's owner is a staff name: hidden from a reporter (`shared.staff_names`).
    return without_staff_names(principal, page, ("owner",))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(NotATeamMember, UnknownProject, UpstreamUnavailable),
)
async def create_engagement(
    data: EngagementCreate,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    response: Response,
) -> EngagementRead:
    engagement = await service.create_engagement(session, data=data, actor=actor, lookup=client)
    mark_created(response, f"{router.prefix}/{engagement.id}", engagement.version)
    return service.read(engagement, actor)


@router.get("", responses=problem_responses())
async def list_engagements(
    session: SessionDep,
    principal: PrincipalDep,
    pagination: EngagementPagination,
    status_: Annotated[EngagementStatus | None, Query(alias="status")] = None,
    type_: Annotated[EngagementType | None, Query(alias="type")] = None,
    iap2_level: Iap2Level | None = None,
    from_: Annotated[UtcDateTime | None, Query(alias="from")] = None,
    to: UtcDateTime | None = None,
) -> Page[EngagementRead]:
    return await service.list_engagements(
        session,
        pagination,
        principal,
        status=status_,
        type_=type_,
        iap2_level=iap2_level,
        held_from=from_,
        held_to=to,
    )


@router.get("/{engagement_id}", responses=problem_responses(EngagementNotFound, 304))
async def get_engagement(
    engagement: EngagementDep, principal: PrincipalDep, request: Request, response: Response
) -> EngagementRead:
    conditional_get(request, response, engagement.version)
    return service.read(engagement, principal)


@router.patch(
    "/{engagement_id}",
    responses=problem_responses(
        EngagementNotFound, NotATeamMember, PreconditionFailed, UpstreamUnavailable
    ),
)
async def update_engagement(
    engagement: EngagementDep,
    patch: EngagementPatch,
    session: SessionDep,
    writer: EngagementWriterDep,
    request: Request,
    response: Response,
) -> EngagementRead:
    check_if_match(request, engagement.version)
    engagement = await service.update_engagement(session, engagement, patch=patch)
    mark_version(response, engagement.version)
    return service.read(engagement, writer)


@router.post(
    "/{engagement_id}/transitions",
    responses=problem_responses(
        EngagementNotFound,
        NotATeamMember,
        UpstreamUnavailable,
        IllegalTransition,
        PreconditionFailed,
    ),
)
async def transition_engagement(
    engagement: EngagementDep,
    data: EngagementTransition,
    session: SessionDep,
    writer: EngagementWriterDep,
    request: Request,
    response: Response,
) -> EngagementRead:
    """`planned → completed` (with the anonymous attendee count and outputs; emits
    `engagement.completed`) or `planned → cancelled`. Answers the engagement as it now is; any
    other move is a 409 `illegal-transition`."""
    check_if_match(request, engagement.version)
    engagement = await service.transition_engagement(session, engagement, data=data)
    mark_version(response, engagement.version)
    return service.read(engagement, writer)


@router.post(
    "/{engagement_id}/participants",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        EngagementNotFound,
        NotATeamMember,
        UpstreamUnavailable,
        EngagementNotCompleted,
        UnknownStakeholder,
        DuplicateParticipation,
    ),
)
async def add_participant(
    engagement: EngagementDep,
    data: ParticipationCreate,
    session: SessionDep,
    _: EngagementWriterDep,
) -> ParticipationRead:
    participation = await service.add_participation(session, engagement, data=data)
    return ParticipationRead.model_validate(participation)


@router.get("/{engagement_id}/participants", responses=problem_responses(EngagementNotFound))
async def list_participants(
    engagement: EngagementDep, session: SessionDep, _: PrincipalDep, pagination: ChildPagination
) -> Page[ParticipationRead]:
    return await service.list_participants(session, pagination, engagement)


@router.post(
    "/{engagement_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        EngagementNotFound,
        NotATeamMember,
        UpstreamUnavailable,
        EngagementNotCompleted,
        UnknownStakeholder,
    ),
)
async def add_feedback(
    engagement: EngagementDep,
    data: FeedbackCreate,
    session: SessionDep,
    _: EngagementWriterDep,
    response: Response,
) -> FeedbackRead:
    """ "You said": anonymous unless `raised_by` names a stakeholder."""
    item = await service.add_feedback(session, engagement, data=data)
    mark_created(response, f"{router.prefix}/{engagement.id}/feedback/{item.id}", item.version)
    return FeedbackRead.model_validate(item)


@router.get("/{engagement_id}/feedback", responses=problem_responses(EngagementNotFound))
async def list_feedback(
    engagement: EngagementDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: ChildPagination,
    status_: Annotated[FeedbackStatus | None, Query(alias="status")] = None,
) -> Page[FeedbackRead]:
    return await service.list_feedback(session, pagination, engagement, status=status_)


@router.patch(
    "/{engagement_id}/feedback/{feedback_id}",
    responses=problem_responses(
        EngagementNotFound,
        NotATeamMember,
        UpstreamUnavailable,
        FeedbackNotFound,
        IllegalFeedbackTransition,
        ClosureRequiresResponse,
        PreconditionFailed,
    ),
)
async def update_feedback(
    item: FeedbackDep,
    patch: FeedbackPatch,
    session: SessionDep,
    _: EngagementWriterDep,
    request: Request,
    response: Response,
) -> FeedbackRead:
    """ "We did": record the response and move the status on; closing needs a response and
    emits `feedback.closed`."""
    check_if_match(request, item.version)
    item = await service.update_feedback(session, item, patch=patch)
    mark_version(response, item.version)
    return FeedbackRead.model_validate(item)


@router.post(
    "/{engagement_id}/equality-responses",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        EngagementNotFound,
        NotATeamMember,
        UpstreamUnavailable,
        EngagementNotCompleted,
        UnknownStakeholder,
        EqualityConsentMissing,
        EqualityCharacteristicOff,
    ),
)
async def record_equality_response(
    engagement: EngagementDep,
    data: EqualityCreate,
    session: SessionDep,
    _: EngagementWriterDep,
    settings: SettingsDep,
) -> EqualityCreateAck:
    """Anonymous by default; never read back one by one (see `/equality-report`)."""
    return await equality.record_response(
        session, engagement, data=data, enabled=settings.equality_characteristics
    )
