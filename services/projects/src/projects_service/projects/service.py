"""Business rules for the registry and the stage machine's transitions (decisions received from
the assessment service are in `decisions.py`). Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.projects import repository
from projects_service.projects.errors import (
    ProjectArchived,
    TooManyTeamProjects,
    TransitionNeedsGovernance,
)
from projects_service.projects.models import (
    Project,
    ProjectStatus,
    ReceivedDecision,
    Stage,
    StageChange,
    StageChangeKind,
    TransitionAction,
)
from projects_service.projects.schemas import (
    ProjectCreate,
    ProjectPatch,
    ProjectRead,
    ProjectTransition,
    ReceivedDecisionRead,
    StageChangeRead,
    TeamProjectIds,
)
from projects_service.projects.stages import GateCrossing, RuleBroken, moves_from, plan_move
from shared.auth import Principal, Role
from shared.changes import emit_event, set_action
from shared.db import utcnow
from shared.event_contract import DomainEvent, row_actions
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError, InvalidInput
from shared.project_access import PROJECT_WORK
from shared.transitions import GateRequiresDecision, IllegalTransition

_REQUIRED = (
    "title",
    "pillar",
    "innovation_type",
    "lead_partner",
    "summary",
    "problem_statement",
    "is_digital",
    "tags",
    "core20plus5_tags",
    "net_zero_relevant",
)
# Stopping or closing a project is a governance decision, even without a gate.
_GOVERNANCE_ACTIONS = frozenset({TransitionAction.stop, TransitionAction.close})
_READ_FIELDS = tuple(name for name in ProjectRead.model_fields if name != "allowed_transitions")


def _governs(principal: Principal) -> bool:
    return principal.has_any(Role.governance, Role.admin)


def allowed_transitions(project: Project, principal: Principal) -> list[Stage]:
    """The stages `principal` may move the project to now (membership aside: a contributor
    off the team still gets 403 when asking)."""
    if not PROJECT_WORK.may_move(principal, archived=project.status is ProjectStatus.archived):
        return []
    return [
        stage
        for stage, action in moves_from(project.stage, project.paused_from).items()
        if action not in _GOVERNANCE_ACTIONS or _governs(principal)
    ]


def present(project: Project, principal: Principal) -> ProjectRead:
    """The project as `principal` reads it (its `allowed_transitions` depend on who asks)."""
    values = {name: getattr(project, name) for name in _READ_FIELDS}
    return ProjectRead(**values, allowed_transitions=allowed_transitions(project, principal))


async def list_projects(
    session: AsyncSession,
    pagination: Pagination,
    principal: Principal,
    *,
    filters: dict[str, Any],
    q: str | None,
    core20plus5_tag: str | None,
    tag: str | None,
    ids: Collection[uuid.UUID] | None,
    team_member: str | None,
) -> Page[ProjectRead]:
    statement = await repository.list_statement(
        session,
        ids=ids,
        team_member=team_member,
        day=repository.today(),
        filters=filters,
        q=q,
        core20plus5_tag=core20plus5_tag,
        tag=tag,
    )
    rows = await pagination.rows(
        session, statement, id_column=Project.id, updated_column=Project.updated_at
    )
    return Page[ProjectRead](
        items=[present(project, principal) for project in rows.items],
        next_cursor=rows.next_cursor,
    )


MAX_TEAM_PROJECTS = 20_000  # the platform's scale (10,000 projects) twice over
MAX_IDS_PER_QUESTION = 200  # `?id=` values a list or a team question takes


async def team_project_ids(
    session: AsyncSession, team_member: str, ids: Collection[uuid.UUID] | None
) -> TeamProjectIds:
    """Which projects (of `ids`) `team_member` is an active team member of today. More than
    `MAX_TEAM_PROJECTS` is a 422 asking for `id`, never a partial answer."""
    day = repository.today()
    found = await repository.team_project_ids(
        session, team_member, day, within=ids, limit=MAX_TEAM_PROJECTS + 1
    )
    if len(found) > MAX_TEAM_PROJECTS:
        raise TooManyTeamProjects(MAX_TEAM_PROJECTS, ids_limit=MAX_IDS_PER_QUESTION)
    return TeamProjectIds(team_member=team_member, day=day, project_ids=found)


async def list_stage_changes(
    session: AsyncSession, project: Project, pagination: Pagination
) -> Page[StageChangeRead]:
    rows = await pagination.rows(
        session,
        repository.stage_history_statement(project.id),
        id_column=StageChange.id,
        updated_column=StageChange.occurred_at,
    )
    return rows.as_page(StageChangeRead)


async def list_received_decisions(
    session: AsyncSession, project: Project, pagination: Pagination
) -> Page[ReceivedDecisionRead]:
    rows = await pagination.rows(
        session,
        repository.decisions_statement(project.id),
        id_column=ReceivedDecision.id,
        updated_column=ReceivedDecision.received_at,
    )
    return rows.as_page(ReceivedDecisionRead)


async def create_project(
    session: AsyncSession, *, data: ProjectCreate, actor: Principal, reference_prefix: str
) -> Project:
    year = repository.today().year
    number = await repository.next_reference_number(session, year)
    values = data.model_dump()
    values["core20plus5_tags"] = sorted(set(values["core20plus5_tags"]))
    project = Project(
        reference=f"{reference_prefix}-{year}-{number:03d}", created_by=actor.subject, **values
    )
    repository.add(session, project)
    await session.flush()
    return project


def ensure_not_archived(project: Project) -> None:
    if project.status is ProjectStatus.archived:
        raise ProjectArchived("Archived projects are read-only.")


async def update_project(
    session: AsyncSession, project: Project, *, patch: ProjectPatch
) -> Project:
    ensure_not_archived(project)
    changes = merge_patch_changes(patch, required=_REQUIRED)
    if "core20plus5_tags" in changes:
        changes["core20plus5_tags"] = sorted(set(changes["core20plus5_tags"]))
    start = changes.get("start_date", project.start_date)
    end = changes.get("planned_end_date", project.planned_end_date)
    if start and end and end < start:
        raise InvalidInput(
            "planned_end_date must not be before start_date.",
            errors=[
                FieldError(
                    pointer="/planned_end_date", location="body", detail="Before start_date."
                )
            ],
        )
    apply_changes(project, changes)
    await session.flush()
    return project


row_actions(Project, "archived")


async def archive_project(session: AsyncSession, project: Project, *, reason: str) -> Project:
    """Archive with the reason; archiving an archived project again changes nothing (its first
    reason stands)."""
    if project.status is not ProjectStatus.archived:
        project.status = ProjectStatus.archived
        project.archive_reason = reason
        set_action(project, "archived")
        await session.flush()
    return project


class ProjectStageChanged(DomainEvent, type_="project.stage_changed", entity="project"):
    """The project moved stage: a named move, a paused project resumed, or a gate crossed by a
    recorded decision (`decision_id`, `gate`)."""

    project_id: uuid.UUID
    reference: str
    from_stage: Stage
    to_stage: Stage
    reason: str
    decision_id: uuid.UUID | None
    gate: str | None
    kind: StageChangeKind


async def change_stage(
    session: AsyncSession,
    project: Project,
    *,
    to_stage: Stage,
    kind: StageChangeKind,
    action: str,
    reason: str,
    actor: str | None,
    decision_id: uuid.UUID | None = None,
    gate: str | None = None,
) -> StageChange:
    """Move the project, keep the history row and announce `project.stage_changed`."""
    from_stage = project.stage
    now: dt.datetime = utcnow()
    if to_stage is Stage.paused:
        project.paused_from = from_stage
    elif from_stage is Stage.paused:
        project.paused_from = None
    project.stage = to_stage
    project.stage_changed_at = now
    change = StageChange(
        project_id=project.id,
        from_stage=from_stage,
        to_stage=to_stage,
        kind=kind,
        action=action,
        reason=reason,
        decision_id=decision_id,
        gate=gate,
        actor=actor,
        occurred_at=now,
    )
    repository.add(session, change)
    await session.flush()
    await emit_event(
        session,
        ProjectStageChanged(
            project_id=project.id,
            reference=project.reference,
            from_stage=from_stage,
            to_stage=to_stage,
            reason=reason,
            decision_id=decision_id,
            gate=gate,
            kind=kind,
        ),
        entity_id=project.id,
    )
    return change


async def transition_project(
    session: AsyncSession, project: Project, *, data: ProjectTransition, actor: Principal
) -> Project:
    """Move the project to `data.to` by a named move (pause, resume, stop, close, end of pilot).
    A gate crossing is 409 `gate-requires-decision`, any other move with no edge from here 409
    `illegal-transition` (`rule` names the rule); stop and close need governance (403)."""
    ensure_not_archived(project)
    try:
        action = plan_move(project.stage, project.paused_from, data.to)
    except RuleBroken as broken:
        problem = GateRequiresDecision if isinstance(broken, GateCrossing) else IllegalTransition
        raise problem(
            broken.detail,
            extra={
                "rule": broken.rule,
                "from_stage": str(project.stage),
                "to": str(data.to),
                "allowed_transitions": [str(s) for s in allowed_transitions(project, actor)],
            },
        ) from None
    if action in _GOVERNANCE_ACTIONS and not _governs(actor):
        raise TransitionNeedsGovernance(f"Moving a project to {data.to} needs the governance role.")
    await change_stage(
        session,
        project,
        to_stage=data.to,
        kind=StageChangeKind.transition,
        action=str(action),
        reason=data.reason,
        actor=actor.subject,
    )
    return project
