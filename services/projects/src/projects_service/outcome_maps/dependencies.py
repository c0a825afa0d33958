"""Outcome maps: the path-parameter loaders (a map or an element of it, or 404) and what the
routes of every sub-resource share (paths, the problems any element write may answer)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from projects_service.outcome_maps import repository
from projects_service.outcome_maps.errors import (
    OutcomeMapElementNotFound,
    OutcomeMapNotFound,
    OutcomeMapReadOnly,
)
from projects_service.outcome_maps.models import (
    BoundaryPartner,
    EvaluationPlanItem,
    MonitoringPlanItem,
    OrganisationalPractice,
    OutcomeMap,
    Practice,
    ProgressMarker,
    Strategy,
)
from projects_service.outcome_maps.repository import E
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived, ProjectNotFound
from projects_service.team.errors import NotATeamMember
from shared.db import SessionDep
from shared.transitions import IllegalTransition

# Every sub-resource router is mounted under the project; these are its paths below that.
MAPS = "/outcome-maps"
MAP = "/outcome-maps/{map_id}"

# The problems every write to a map element may answer.
WRITE_PROBLEMS = (
    ProjectNotFound,
    OutcomeMapNotFound,
    NotATeamMember,
    ProjectArchived,
    OutcomeMapReadOnly,
)

# The problems every `POST .../transitions` may answer (a map's own moves are not edits, so
# not `outcome-map-read-only`: a move with no edge is `illegal-transition`).
TRANSITION_PROBLEMS = (
    ProjectNotFound,
    OutcomeMapNotFound,
    NotATeamMember,
    ProjectArchived,
    IllegalTransition,
)


def map_url(outcome_map: OutcomeMap) -> str:
    return f"/v1/projects/{outcome_map.project_id}/outcome-maps/{outcome_map.id}"


async def get_map_or_404(project: ProjectDep, map_id: uuid.UUID, session: SessionDep) -> OutcomeMap:
    outcome_map = await repository.get_map(session, project.id, map_id)
    if outcome_map is None:
        raise OutcomeMapNotFound(f"No outcome map {map_id} on {project.reference}.")
    return outcome_map


OutcomeMapDep = Annotated[OutcomeMap, Depends(get_map_or_404)]


async def _element_or_404(
    session: SessionDep, model: type[E], outcome_map: OutcomeMap, element_id: uuid.UUID, name: str
) -> E:
    element = await repository.get_element(session, model, outcome_map.id, element_id)
    if element is None:
        raise OutcomeMapElementNotFound(f"No {name} {element_id} in this version.")
    return element


async def get_partner_or_404(
    outcome_map: OutcomeMapDep, partner_id: uuid.UUID, session: SessionDep
) -> BoundaryPartner:
    return await _element_or_404(
        session, BoundaryPartner, outcome_map, partner_id, "boundary partner"
    )


async def get_marker_or_404(
    outcome_map: OutcomeMapDep, marker_id: uuid.UUID, session: SessionDep
) -> ProgressMarker:
    return await _element_or_404(session, ProgressMarker, outcome_map, marker_id, "progress marker")


async def get_strategy_or_404(
    outcome_map: OutcomeMapDep, strategy_id: uuid.UUID, session: SessionDep
) -> Strategy:
    return await _element_or_404(session, Strategy, outcome_map, strategy_id, "strategy")


async def get_practice(
    outcome_map: OutcomeMapDep, practice: Practice, session: SessionDep
) -> OrganisationalPractice:
    """Every version holds all eight practices, so a valid name always finds its row."""
    return await repository.get_practice(session, outcome_map.id, practice)


async def get_monitoring_item_or_404(
    outcome_map: OutcomeMapDep, item_id: uuid.UUID, session: SessionDep
) -> MonitoringPlanItem:
    return await _element_or_404(
        session, MonitoringPlanItem, outcome_map, item_id, "monitoring plan item"
    )


async def get_evaluation_item_or_404(
    outcome_map: OutcomeMapDep, item_id: uuid.UUID, session: SessionDep
) -> EvaluationPlanItem:
    return await _element_or_404(
        session, EvaluationPlanItem, outcome_map, item_id, "evaluation plan item"
    )


PartnerDep = Annotated[BoundaryPartner, Depends(get_partner_or_404)]
MarkerDep = Annotated[ProgressMarker, Depends(get_marker_or_404)]
StrategyDep = Annotated[Strategy, Depends(get_strategy_or_404)]
PracticeDep = Annotated[OrganisationalPractice, Depends(get_practice)]
MonitoringItemDep = Annotated[MonitoringPlanItem, Depends(get_monitoring_item_or_404)]
EvaluationItemDep = Annotated[EvaluationPlanItem, Depends(get_evaluation_item_or_404)]
