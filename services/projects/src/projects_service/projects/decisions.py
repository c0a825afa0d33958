"""Governance decisions received from the assessment service (its `decision.recorded` and
`decision.superseded` events) and what each does to the project's stage: the only way a
project crosses a gate. Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.projects import repository
from projects_service.projects.models import (
    DecisionEffect,
    ProjectStatus,
    ReceivedDecision,
    StageChangeKind,
)
from projects_service.projects.service import change_stage
from projects_service.projects.stages import plan_correction, plan_decision


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
            await change_stage(
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
