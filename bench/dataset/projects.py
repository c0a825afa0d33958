"""The projects service's rows: projects, stage history, teams, the decisions it consumed,
reference counters and consumer cursors, with their audit entries and feed events."""

from __future__ import annotations

import datetime as dt
import decimal
import random
import uuid
from typing import Any

from bench.dataset.common import AS_OF, between, uuid7_at
from bench.dataset.events import EventLog
from bench.dataset.plan import ProjectPlan, StageStep, World
from bench.dataset.store import Target, ensure_empty, insert_rows, table_of
from projects_service.db import Base, platform
from projects_service.projects.models import (
    Project,
    ProjectStatus,
    ReceivedDecision,
    ReferenceCounter,
    Stage,
    StageChange,
)
from projects_service.team.models import TeamMembership

_SECONDS = dt.timedelta(seconds=20)


def _project_row(project: ProjectPlan) -> dict[str, Any]:
    return {
        "id": project.id,
        "created_at": project.created_at,
        "updated_at": project.created_at,
        "version": 1,
        "reference": project.reference,
        "title": project.title,
        "summary": project.summary,
        "problem_statement": project.problem_statement,
        "pillar": project.pillar,
        "innovation_type": project.innovation_type,
        "directorate": project.directorate,
        "site_code": project.site_code,
        "lead_partner": project.lead_partner,
        "stage": Stage.idea,
        "status": ProjectStatus.active,
        "paused_from": None,
        "stage_changed_at": project.created_at,
        "is_digital": project.is_digital,
        "funding_source": project.funding_source,
        "budget_gbp": project.budget_gbp,
        "core20plus5_tags": project.core20plus5_tags,
        "net_zero_relevant": project.net_zero_relevant,
        "tags": project.tags,
        "start_date": project.start_date,
        "planned_end_date": project.planned_end_date,
        "created_by": project.created_by,
    }


def _edit(row: dict[str, Any], number: int, rng: random.Random) -> dict[str, Any]:
    """What a PATCH of the registry fields changes (the fields editors revise most)."""
    field = ("summary", "tags", "budget_gbp", "planned_end_date", "problem_statement")[number % 5]
    if field == "summary":
        return {field: f"{row['summary'].split(' (rev')[0]} (revision {number + 1})"}
    if field == "tags":
        return {field: sorted({*row["tags"], rng.choice(("pilot", "nhs-app", "ppi", "equity"))})}
    if field == "budget_gbp":
        return {field: decimal.Decimal(rng.randint(5, 900) * 1000)}
    if field == "planned_end_date":
        return {field: row["planned_end_date"] + dt.timedelta(days=rng.randint(14, 120))}
    return {field: f"{row['problem_statement'].split(' [')[0]} [revised {number + 1}]"}


def _project(
    project: ProjectPlan, log: EventLog, *, edits: int, rng: random.Random
) -> dict[str, Any]:
    """The project's final row; logs its creation, every stage change and registry edit (in
    time order, each bumping the version) and any archiving."""
    row = _project_row(project)
    log.created("project", row, at=project.created_at, actor=project.created_by)
    last = project.archived_at or AS_OF
    edit_times = [between(rng, project.created_at, last) for _ in range(edits)]
    timeline: list[tuple[dt.datetime, StageStep | int]] = [(s.at, s) for s in project.steps]
    timeline += [(at, number) for number, at in enumerate(edit_times)]
    timeline.sort(key=lambda item: item[0])
    for at, step in timeline:
        if isinstance(step, int):
            changes = _edit(row, step, rng)
            changed = {k: (row[k], v) for k, v in changes.items()}
            row = {**row, **changes, "updated_at": at, "version": row["version"] + 1}
            log.updated("project", row, changed, at=at, actor=project.created_by)
            continue
        before = {k: row[k] for k in ("stage", "paused_from", "stage_changed_at")}
        paused_from = row["paused_from"]
        if step.to_stage is Stage.paused:
            paused_from = step.from_stage
        elif step.from_stage is Stage.paused:
            paused_from = None
        row = {
            **row,
            "stage": step.to_stage,
            "paused_from": paused_from,
            "stage_changed_at": step.at,
            "updated_at": step.at,
            "version": row["version"] + 1,
        }
        changed = {k: (v, row[k]) for k, v in before.items() if v != row[k]}
        request = log.request()
        log.updated("project", row, changed, at=step.at, actor=step.actor, request_id=request)
        log.domain(
            "project.stage_changed",
            entity_type="project",
            entity_id=project.id,
            data={
                "project_id": project.id,
                "reference": project.reference,
                "from_stage": step.from_stage,
                "to_stage": step.to_stage,
                "reason": step.reason,
                "decision_id": step.decision_id,
                "gate": step.gate,
                "kind": step.kind,
            },
            at=step.at,
            actor=step.actor,
            request_id=request,
        )
    if project.archived_at is not None:
        row = {
            **row,
            "status": ProjectStatus.archived,
            "updated_at": project.archived_at,
            "version": row["version"] + 1,
        }
        log.updated(
            "project",
            row,
            {"status": (ProjectStatus.active, ProjectStatus.archived)},
            at=project.archived_at,
            actor=project.created_by,
            action="archived",
        )
    return row


def _team(project: ProjectPlan, log: EventLog) -> list[dict[str, Any]]:
    rows = []
    for member in project.team:
        row = {
            "id": member.id,
            "created_at": member.created_at,
            "updated_at": member.created_at,
            "version": 1,
            "project_id": project.id,
            "subject": member.staff.subject,
            "display_name": member.staff.display_name,
            "affiliation": member.staff.affiliation,
            "role": member.role,
            "fte": member.fte,
            "start_date": member.start_date,
            "end_date": None,
        }
        log.created("team_membership", row, at=member.created_at, actor=project.created_by)
        if member.ended_at is not None:
            row = {**row, "end_date": member.end_date, "updated_at": member.ended_at, "version": 2}
            log.updated(
                "team_membership",
                row,
                {"end_date": (None, member.end_date)},
                at=member.ended_at,
                actor=project.created_by,
            )
        rows.append(row)
    return rows


def _stage_changes(project: ProjectPlan) -> list[dict[str, Any]]:
    return [
        {
            "id": step.id,
            "project_id": project.id,
            "from_stage": step.from_stage,
            "to_stage": step.to_stage,
            "kind": step.kind,
            "action": step.action,
            "reason": step.reason,
            "decision_id": step.decision_id,
            "gate": step.gate,
            "actor": step.actor,
            "occurred_at": step.at,
        }
        for step in project.steps
    ]


def _received(project: ProjectPlan, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for assessment in project.assessments:
        decision = assessment.decision
        if decision is None:
            continue
        rows.append(
            {
                "id": uuid7_at(decision.decided_at + _SECONDS, rng),
                "decision_id": decision.id,
                "project_id": project.id,
                "assessment_id": assessment.id,
                "gate": decision.gate,
                "outcome": decision.outcome,
                "decided_at": decision.decided_at,
                "supersedes_id": None,
                "effect": decision.effect,
                "note": decision.note,
                "stage_before": decision.stage_before,
                "stage_after": decision.stage_after,
                "decided_on_stage": decision.stage_before,
                "superseded_by_id": None,
                "received_at": decision.decided_at + _SECONDS,
            }
        )
    return rows


def write(
    world: World,
    target: Target,
    *,
    feeds: dict[str, int],
    consumed: dict[str, uuid.UUID],
    extra_events: int = 0,
) -> int:
    """Write everything; `feeds` is each upstream's last feed position (the consumer cursors
    start there), `consumed` the feed event id of each decision.recorded, by decision id, and
    `extra_events` how many registry edits to add (the feed-volume top-up)."""
    ensure_empty(target, table_of(Project))
    rng = random.Random(f"projects:{world.scale.seed}")
    log = EventLog(rng, Base)
    edits = [0] * len(world.projects)
    for _ in range(max(0, extra_events)):
        edits[rng.randrange(len(edits))] += 1
    projects = [
        _project(p, log, edits=count, rng=rng)
        for p, count in zip(world.projects, edits, strict=True)
    ]
    insert_rows(target, table_of(Project), projects)
    del projects
    insert_rows(
        target,
        table_of(TeamMembership),
        (row for p in world.projects for row in _team(p, log)),
    )
    insert_rows(
        target,
        table_of(StageChange),
        (row for p in world.projects for row in _stage_changes(p)),
    )
    received = [row for p in world.projects for row in _received(p, rng)]
    insert_rows(target, table_of(ReceivedDecision), received)
    last: dict[int, int] = {}
    for project in world.projects:
        year, number = project.reference.split("-")[1:]
        last[int(year)] = max(last.get(int(year), 0), int(number))
    insert_rows(
        target,
        table_of(ReferenceCounter),
        [{"year": year, "last": number} for year, number in sorted(last.items())],
    )
    # The decision consumer has read both upstream feeds to their end.
    insert_rows(
        target,
        platform.consumer_cursor,
        [
            {"producer": producer, "position": position, "updated_at": AS_OF}
            for producer, position in sorted(feeds.items())
        ],
    )
    insert_rows(
        target,
        platform.consumed_event,
        [
            {
                "producer": "assessment",
                "event_id": consumed[str(row["decision_id"])],
                "consumed_at": row["received_at"],
                "outcome": f"{row['effect']}: {row['note']}",
            }
            for row in received
        ],
    )
    log.sort()
    insert_rows(target, platform.audit, log.audit_rows())
    insert_rows(target, platform.outbox, log.outbox_rows())
    return len(log)


__all__ = ["Base", "write"]


def natural_events(world: World) -> int:
    """Feed events the projects rows produce before any top-up (creation, each stage change
    as a row update plus `project.stage_changed`, archiving, team joins and leaves)."""
    return sum(
        1
        + 2 * len(p.steps)
        + (p.archived_at is not None)
        + sum(1 + (m.ended_at is not None) for m in p.team)
        for p in world.projects
    )
