"""Boundary partners: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from projects_service.clients.stakeholders import UPSTREAM_PROBLEMS, StakeholdersClientDep
from projects_service.outcome_maps.dependencies import (
    MAP,
    WRITE_PROBLEMS,
    OutcomeMapDep,
    PartnerDep,
    map_url,
)
from projects_service.outcome_maps.errors import OutcomeMapElementNotFound, UnknownStakeholder
from projects_service.outcome_maps.partners import service
from projects_service.outcome_maps.schemas import (
    BoundaryPartnerCreate,
    BoundaryPartnerPatch,
    BoundaryPartnerRead,
)
from projects_service.team.dependencies import ProjectWriterDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, mark_created, mark_version
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["outcome maps"])
PARTNERS = f"{MAP}/partners"
PARTNER = f"{MAP}/partners/{{partner_id}}"


@router.post(
    PARTNERS,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_PROBLEMS, UnknownStakeholder, *UPSTREAM_PROBLEMS),
)
async def add_boundary_partner(
    outcome_map: OutcomeMapDep,
    data: BoundaryPartnerCreate,
    session: SessionDep,
    _: ProjectWriterDep,
    stakeholders: StakeholdersClientDep,
    response: Response,
) -> BoundaryPartnerRead:
    """A boundary partner (a group, not a person) with its outcome challenge. Stakeholder refs
    are checked with the stakeholders service: unknown ids are a 422, an unreachable service 503."""
    partner = await service.add_partner(session, outcome_map, data=data, stakeholders=stakeholders)
    mark_created(response, f"{map_url(outcome_map)}/partners/{partner.id}", partner.version)
    return BoundaryPartnerRead.model_validate(partner)


@router.patch(
    PARTNER,
    responses=problem_responses(
        *WRITE_PROBLEMS,
        OutcomeMapElementNotFound,
        UnknownStakeholder,
        *UPSTREAM_PROBLEMS,
        PreconditionFailed,
    ),
)
async def update_boundary_partner(
    outcome_map: OutcomeMapDep,
    partner: PartnerDep,
    patch: BoundaryPartnerPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    stakeholders: StakeholdersClientDep,
    request: Request,
    response: Response,
) -> BoundaryPartnerRead:
    check_if_match(request, partner.version)
    partner = await service.update_partner(
        session, outcome_map, partner, patch=patch, stakeholders=stakeholders
    )
    mark_version(response, partner.version)
    return BoundaryPartnerRead.model_validate(partner)


@router.delete(
    PARTNER,
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(*WRITE_PROBLEMS, OutcomeMapElementNotFound, PreconditionFailed),
)
async def delete_boundary_partner(
    outcome_map: OutcomeMapDep,
    partner: PartnerDep,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
) -> None:
    """Remove a partner from a draft, with its markers, strategies and the monitoring-plan
    items about them. Agreed versions are read-only (409)."""
    check_if_match(request, partner.version)
    await service.delete_partner(session, outcome_map, partner)
