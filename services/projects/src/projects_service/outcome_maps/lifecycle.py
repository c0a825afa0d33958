"""Outcome maps: their two state machines under the transitions convention (`shared.transitions`).

- A map version: draft → agreed (`MAP_TRANSITIONS`), asked for with
  `POST .../outcome-maps/{map_id}/transitions {"to": "agreed"}`; the agreed version it replaces
  becomes `superseded` then, never by asking.
- A progress marker: active → retired (`MARKER_TRANSITIONS`), asked for with
  `POST .../markers/{marker_id}/transitions {"to": "retired"}`, in a draft only; a marker becomes
  `revised` when its successor is created (`revises_id` on the partner's markers collection).

Here: the moves each caller is offered (`allowed_transitions`), the check of a move asked for,
and a move's reason kept in the audit trail (neither machine has a history table: the map row
keeps who agreed it, when and where; the marker row its rationale)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.outcome_maps.models import (
    MAP_TRANSITIONS,
    MARKER_TRANSITIONS,
    MapStatus,
    MarkerState,
    OutcomeMap,
    ProgressMarker,
)
from projects_service.projects.models import Project, ProjectStatus
from shared.auth import Principal
from shared.changes import record_audit
from shared.project_access import PROJECT_WORK
from shared.transitions import IllegalTransition, allowed_from, check_transition

S = TypeVar("S", bound=StrEnum)


def _offered(project: Project, principal: Principal) -> bool:
    """Whether `principal` is offered moves on this project's maps at all (the platform rule)."""
    return PROJECT_WORK.may_move(principal, archived=project.status is ProjectStatus.archived)


def map_moves(outcome_map: OutcomeMap, project: Project, principal: Principal) -> list[MapStatus]:
    """The states `principal` may move the map version to now."""
    if not _offered(project, principal):
        return []
    return allowed_from(MAP_TRANSITIONS, outcome_map.status)


def marker_moves(
    marker: ProgressMarker, outcome_map: OutcomeMap, project: Project, principal: Principal
) -> list[MarkerState]:
    """The states `principal` may move the marker to now: none outside a draft (read-only)."""
    if outcome_map.status is not MapStatus.draft or not _offered(project, principal):
        return []
    return allowed_from(MARKER_TRANSITIONS, marker.state)


# The states a machine reaches only by another write, and which one, for the 409's detail.
_REACHED_OTHERWISE: Mapping[StrEnum, str] = {
    MapStatus.superseded: "an agreed version is superseded when the next version is agreed",
    MarkerState.revised: (
        "a marker is revised by creating its successor: POST the partner's markers with "
        "`revises_id`"
    ),
}


def check_move(edges: Mapping[S, tuple[S, ...]], current: S, to: S) -> None:
    """409 `illegal-transition` unless `edges` holds current → to, naming the write that reaches
    a state nobody asks for."""
    if to in _REACHED_OTHERWISE and to not in edges.get(current, ()):
        raise IllegalTransition(f"Cannot move to `{to}`: {_REACHED_OTHERWISE[to]}.")
    check_transition(edges, current, to)


async def audit_reason(
    session: AsyncSession,
    *,
    entity_type: str,
    entity_id: uuid.UUID,
    field: str,
    before: StrEnum,
    after: StrEnum,
    reason: str | None,
) -> None:
    """One audit entry beside the row change, when the move gave a reason."""
    if reason is None:
        return
    await record_audit(
        session,
        entity_type=entity_type,
        entity_id=entity_id,
        action=after.value,
        changes={field: {"before": before, "after": after}, "reason": reason},
    )
