"""Business rules for the registry and the stage machine. Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.projects import repository
from projects_service.projects.errors import IllegalStageTransition, ProjectArchived
from projects_service.projects.models import (
    DecisionEffect,
    Project,
    ProjectStatus,
    ReceivedDecision,
    Stage,
    StageChange,
    StageChangeKind,
)
from projects_service.projects.schemas import (
    ProjectCreate,
    ProjectPatch,
    TransitionAction,
    TransitionCreate,
)
from projects_service.projects.stages import (
    RuleBroken,
    plan_correction,
    plan_decision,
    plan_transition,
)
from shared.auth import Principal
from shared.changes import emit_event, set_action
from shared.db import utcnow
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError, InvalidInput

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


async def archive_project(session: AsyncSession, project: Project) -> Project:
    if project.status is not ProjectStatus.archived:
        project.status = ProjectStatus.archived
        set_action(project, "archived")
        await session.flush()
    return project


async def _change_stage(
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
    now = utcnow()
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
        type_="project.stage_changed",
        entity_type="project",
        entity_id=project.id,
        data={
            "project_id": project.id,
            "reference": project.reference,
            "from_stage": from_stage,
            "to_stage": to_stage,
            "reason": reason,
            "decision_id": decision_id,
            "gate": gate,
            "kind": kind,
        },
    )
    return change


_GOVERNANCE_ACTIONS = frozenset({TransitionAction.stop, TransitionAction.close})


def needs_governance(action: TransitionAction) -> bool:
    return action in _GOVERNANCE_ACTIONS


async def transition_project(
    session: AsyncSession, project: Project, *, data: TransitionCreate, actor: Principal
) -> StageChange:
    ensure_not_archived(project)
    try:
        to_stage = plan_transition(project.stage, project.paused_from, data.action)
    except RuleBroken as broken:
        raise IllegalStageTransition(
            broken.detail,
            extra={
                "rule": broken.rule,
                "from_stage": str(project.stage),
                "action": str(data.action),
            },
        ) from None
    return await _change_stage(
        session,
        project,
        to_stage=to_stage,
        kind=StageChangeKind.transition,
        action=str(data.action),
        reason=data.reason,
        actor=actor.subject,
    )


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _datetime_or_none(value: Any) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


async def apply_decision(session: AsyncSession, data: dict[str, Any]) -> str:
    """Apply a `decision.recorded` event. Idempotent on `decision_id`; a decision that does not
    fit the project is recorded as rejected with the reason, never raised (the consumer must
    not stall on one bad event).

    Corrections: a decision whose `supersedes_id` names a decision already received marks that
    one `superseded_by_id`. If the corrected decision had been applied (or kept the stage), the
    correction is planned by `stages.plan_correction`: a different outcome moves the project to
    where the gate would have led from the stage it was decided on, as long as nothing has
    moved the project since; otherwise the new outcome is applied from the current stage when
    legal, or recorded as rejected with a note. A correction of a rejected or unknown decision
    is an ordinary decision."""
    decision_id = _uuid_or_none(data.get("decision_id"))
    project_id = _uuid_or_none(data.get("project_id"))
    gate, outcome = str(data.get("gate") or ""), str(data.get("outcome") or "")
    if decision_id is None or project_id is None:
        return "ignored: the event has no valid decision_id or project_id"
    if await repository.get_received_decision(session, decision_id) is not None:
        return f"ignored: decision {decision_id} was already applied"
    project = await repository.get_for_update(session, project_id)
    supersedes_id = _uuid_or_none(data.get("supersedes_id"))
    corrected = (
        await repository.get_received_decision(session, supersedes_id) if supersedes_id else None
    )
    if corrected is not None and corrected.project_id != project_id:
        corrected = None  # a correction never reaches across projects
    received = ReceivedDecision(
        decision_id=decision_id,
        project_id=project_id,
        assessment_id=_uuid_or_none(data.get("assessment_id")),
        gate=gate[:40],
        outcome=outcome[:40],
        decided_at=_datetime_or_none(data.get("decided_at")),
        supersedes_id=supersedes_id,
        effect=DecisionEffect.rejected,
        stage_before=project.stage if project else None,
        decided_on_stage=project.stage if project else None,
    )
    if corrected is not None:
        corrected.superseded_by_id = decision_id
    if project is None:
        received.note = "No such project."
    elif project.status is ProjectStatus.archived:
        received.note = "The project is archived."
    else:
        if corrected is not None and corrected.effect is not DecisionEffect.rejected:
            decided_on = corrected.decided_on_stage or corrected.stage_before
            received.decided_on_stage = decided_on
            plan = plan_correction(
                project.stage,
                project.paused_from,
                gate=gate,
                outcome=outcome,
                corrected_outcome=corrected.outcome,
                decided_on=decided_on,
                left_at=corrected.stage_after,
            )
        else:
            plan = plan_decision(project.stage, project.paused_from, gate, outcome)
        received.effect, received.note = plan.effect, plan.note
        if plan.to_stage is not None:
            await _change_stage(
                session,
                project,
                to_stage=plan.to_stage,
                kind=StageChangeKind.decision,
                action=f"decision:{gate}:{outcome}",
                reason=plan.note,
                actor=None,
                decision_id=decision_id,
                gate=gate,
            )
        received.stage_after = project.stage
    repository.add(session, received)
    await session.flush()
    return f"{received.effect}: {received.note}"


async def apply_supersession(session: AsyncSession, data: dict[str, Any]) -> str:
    """Apply a `decision.superseded` event. The assessment service emits it right after the
    correcting `decision.recorded` (which carries `supersedes_id` and is handled above), so
    usually there is nothing left to do. If the correction was not received, this event
    carries enough (`superseded_by_id`, `new_outcome`) to apply it here instead."""
    corrected_id = _uuid_or_none(data.get("decision_id"))
    correction_id = _uuid_or_none(data.get("superseded_by_id"))
    if corrected_id is None or correction_id is None:
        return "ignored: the event has no valid decision_id or superseded_by_id"
    if await repository.get_received_decision(session, correction_id) is not None:
        return f"ignored: correction {correction_id} was already received"
    return await apply_decision(
        session,
        {
            "decision_id": correction_id,
            "project_id": data.get("project_id"),
            "assessment_id": data.get("assessment_id"),
            "gate": data.get("gate"),
            "outcome": data.get("new_outcome"),
            "supersedes_id": corrected_id,
        },
    )
