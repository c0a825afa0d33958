"""Outcome-map versions: one draft at a time, read-only agreed versions, the next draft cloned
from the agreed one, agreement by transition (completeness, supersession, revision prompts
addressed). Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.outcome_maps import lifecycle, repository
from projects_service.outcome_maps.drafts import ensure_draft
from projects_service.outcome_maps.errors import DraftAlreadyExists, OutcomeMapIncomplete
from projects_service.outcome_maps.models import (
    MAP_TRANSITIONS,
    BoundaryPartner,
    EvaluationPlanItem,
    MapStatus,
    MarkerState,
    MonitoringPlanItem,
    OrganisationalPractice,
    OutcomeMap,
    Practice,
    ProgressMarker,
    PromptStatus,
    Strategy,
)
from projects_service.outcome_maps.schemas import (
    OutcomeMapCreate,
    OutcomeMapDetail,
    OutcomeMapPatch,
    OutcomeMapRead,
    OutcomeMapTransition,
)
from projects_service.projects.models import Project
from shared.auth import Principal
from shared.changes import emit_event
from shared.db import new_id, utcnow
from shared.event_contract import DomainEvent
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError

PARTNER_ADVICE_LIMIT = 6


def warnings_for(outcome_map: OutcomeMap) -> list[str]:
    count = len(outcome_map.partners)
    if count > PARTNER_ADVICE_LIMIT:
        return [
            f"{count} boundary partners: practitioners usually keep 3 to 5; consider grouping them."
        ]
    return []


async def detail(
    session: AsyncSession, outcome_map: OutcomeMap, project: Project, principal: Principal
) -> OutcomeMapDetail:
    """The version with its partners (markers, strategies) and practices, and advice, as
    `principal` reads it (the map's and each marker's `allowed_transitions` depend on who asks)."""
    loaded = await repository.get_detail(session, outcome_map.id)
    body = OutcomeMapDetail.model_validate(loaded)
    body.for_caller(lifecycle.map_moves(loaded, project, principal))
    for partner_body, partner in zip(body.partners, loaded.partners, strict=True):
        for marker_body, marker in zip(partner_body.markers, partner.markers, strict=True):
            marker_body.for_caller(lifecycle.marker_moves(marker, loaded, project, principal))
    body.warnings = warnings_for(loaded)
    return body


async def list_maps(
    session: AsyncSession,
    project: Project,
    pagination: Pagination,
    principal: Principal,
    *,
    status: MapStatus | None,
) -> Page[OutcomeMapRead]:
    rows = await pagination.rows(
        session,
        repository.list_statement(project.id, status=status),
        id_column=OutcomeMap.id,
        updated_column=OutcomeMap.updated_at,
    )
    return Page[OutcomeMapRead](
        items=[
            OutcomeMapRead.model_validate(item).for_caller(
                lifecycle.map_moves(item, project, principal)
            )
            for item in rows.items
        ],
        next_cursor=rows.next_cursor,
    )


async def create_map(
    session: AsyncSession, project: Project, *, data: OutcomeMapCreate, actor: str
) -> OutcomeMap:
    """A new draft: version 1 from scratch, or the next version cloned from the agreed one."""
    if await repository.map_with_status(session, project.id, MapStatus.draft) is not None:
        raise DraftAlreadyExists("Finish or agree the existing draft first.")
    agreed = await repository.map_with_status(session, project.id, MapStatus.agreed)
    if agreed is not None:
        draft = await _clone(session, agreed, actor=actor)
    else:
        draft = OutcomeMap(
            id=new_id(),
            project_id=project.id,
            map_version=await repository.latest_version(session, project.id) + 1,
            status=MapStatus.draft,
            created_by=actor,
        )
        repository.add(session, draft)
        # Relationships are view-only, so the unit of work does not order parents first: flush.
        await session.flush()
        for position, practice in enumerate(Practice, start=1):
            repository.add(
                session,
                OrganisationalPractice(
                    outcome_map_id=draft.id, practice=practice, position=position
                ),
            )
    apply_changes(draft, data.model_dump(exclude_none=True))
    await session.flush()
    return draft


async def _clone(session: AsyncSession, source: OutcomeMap, *, actor: str) -> OutcomeMap:
    (
        partners,
        markers,
        strategies,
        practices,
        monitoring,
        evaluation,
    ) = await repository.map_elements(session, source.id)
    draft = OutcomeMap(
        id=new_id(),
        project_id=source.project_id,
        map_version=source.map_version + 1,
        status=MapStatus.draft,
        vision=source.vision,
        mission=source.mission,
        supersedes_id=source.id,
        created_by=actor,
    )
    repository.add(session, draft)
    await session.flush()  # parents before children (view-only relationships)
    partner_ids: dict[uuid.UUID, uuid.UUID] = {}
    for partner in partners:
        partner_ids[partner.id] = new_id()
        repository.add(
            session,
            BoundaryPartner(
                id=partner_ids[partner.id],
                outcome_map_id=draft.id,
                lineage_id=partner.lineage_id,
                cloned_from_id=partner.id,
                name=partner.name,
                description=partner.description,
                why_critical=partner.why_critical,
                current_relationship=partner.current_relationship,
                outcome_challenge=partner.outcome_challenge,
                stakeholder_refs=list(partner.stakeholder_refs),
                position=partner.position,
            ),
        )
    await session.flush()
    for marker in markers:
        if marker.state is not MarkerState.active:
            continue  # revised and retired markers stay in the version they belonged to
        repository.add(
            session,
            ProgressMarker(
                boundary_partner_id=partner_ids[marker.boundary_partner_id],
                outcome_map_id=draft.id,
                lineage_id=marker.lineage_id,
                cloned_from_id=marker.id,
                level=marker.level,
                text=marker.text,
                position=marker.position,
                weight=marker.weight,
            ),
        )
    strategy_ids: dict[uuid.UUID, uuid.UUID] = {}
    for strategy in strategies:
        strategy_ids[strategy.id] = new_id()
        repository.add(
            session,
            Strategy(
                id=strategy_ids[strategy.id],
                boundary_partner_id=partner_ids[strategy.boundary_partner_id],
                outcome_map_id=draft.id,
                target=strategy.target,
                type=strategy.type,
                cell_code=strategy.cell_code,
                description=strategy.description,
                planned_activities=strategy.planned_activities,
            ),
        )
    await session.flush()
    for practice in practices:
        repository.add(
            session,
            OrganisationalPractice(
                outcome_map_id=draft.id,
                practice=practice.practice,
                position=practice.position,
                key_actions=practice.key_actions,
                in_use=practice.in_use,
            ),
        )
    remap = {str(old): str(new) for old, new in (partner_ids | strategy_ids).items()}
    for item in monitoring:
        values = _columns(item, exclude={"outcome_map_id"})
        values["priority_ref"] = remap.get(item.priority_ref, item.priority_ref)
        repository.add(session, MonitoringPlanItem(outcome_map_id=draft.id, **values))
    for evaluation_item in evaluation:
        repository.add(
            session,
            EvaluationPlanItem(
                outcome_map_id=draft.id, **_columns(evaluation_item, exclude={"outcome_map_id"})
            ),
        )
    return draft


_BOOKKEEPING = frozenset({"id", "created_at", "updated_at", "version"})


def _columns(entity: Any, *, exclude: set[str]) -> dict[str, Any]:
    return {
        column.key: getattr(entity, column.key)
        for column in entity.__table__.columns
        if column.key not in _BOOKKEEPING | exclude
    }


async def update_map(
    session: AsyncSession, outcome_map: OutcomeMap, *, patch: OutcomeMapPatch, actor: str
) -> tuple[OutcomeMap, bool]:
    """Edit a draft in place; editing the agreed version starts the next draft, cloned from it,
    and edits that. Returns the edited map and whether it is a new version."""
    changes = merge_patch_changes(patch, required=("vision", "mission"))
    created = False
    if outcome_map.status is MapStatus.agreed:
        if (
            await repository.map_with_status(session, outcome_map.project_id, MapStatus.draft)
            is not None
        ):
            raise DraftAlreadyExists("A draft version exists already: edit that one.")
        outcome_map = await _clone(session, outcome_map, actor=actor)
        created = True
    ensure_draft(outcome_map)
    apply_changes(outcome_map, changes)
    await session.flush()
    return outcome_map, created


async def transition_map(
    session: AsyncSession, outcome_map: OutcomeMap, *, move: OutcomeMapTransition, actor: str
) -> OutcomeMap:
    """draft → agreed (the one move asked for); anything else is `illegal-transition`. A
    reason given is kept in the audit trail."""
    before = outcome_map.status
    lifecycle.check_move(MAP_TRANSITIONS, before, move.to)
    outcome_map = await _agree(session, outcome_map, agreed_in=move.agreed_in, actor=actor)
    await lifecycle.audit_reason(
        session,
        entity_type=OutcomeMap.__tablename__,
        entity_id=outcome_map.id,
        field="status",
        before=before,
        after=move.to,
        reason=move.reason,
    )
    return outcome_map


class OutcomeMapAgreed(DomainEvent, type_="outcome_map.agreed", entity="outcome_map"):
    """A draft outcome map became the project's agreed version (the previous one, if any,
    superseded); the revision prompts it addresses are listed by adaptation."""

    outcome_map_id: uuid.UUID
    project_id: uuid.UUID
    map_version: int
    supersedes_id: uuid.UUID | None
    agreed_at: dt.datetime
    agreed_in: str
    addressed_adaptation_ids: list[uuid.UUID]


async def _agree(
    session: AsyncSession, outcome_map: OutcomeMap, *, agreed_in: str, actor: str
) -> OutcomeMap:
    """The draft becomes the one agreed version (the previous one superseded) when complete;
    open revision prompts are addressed; publishes `outcome_map.agreed`."""
    loaded = await repository.get_detail(session, outcome_map.id)
    problems = _completeness(loaded)
    if problems:
        raise OutcomeMapIncomplete("Complete the map before agreeing it.", errors=problems)
    now = utcnow()
    previous = await repository.map_with_status(session, outcome_map.project_id, MapStatus.agreed)
    if previous is not None:
        previous.status = MapStatus.superseded
        previous.superseded_at = now
        # Flushed first: one agreed version per project is also a unique index.
        await session.flush()
    outcome_map.status = MapStatus.agreed
    outcome_map.agreed_at = now
    outcome_map.agreed_by = actor
    outcome_map.agreed_in = agreed_in
    addressed = []
    for prompt in await repository.open_prompts(session, outcome_map.project_id):
        prompt.status = PromptStatus.addressed
        prompt.addressed_by_map_id = outcome_map.id
        addressed.append(prompt.adaptation_id)
    await session.flush()
    await emit_event(
        session,
        OutcomeMapAgreed(
            outcome_map_id=outcome_map.id,
            project_id=outcome_map.project_id,
            map_version=outcome_map.map_version,
            supersedes_id=previous.id if previous else None,
            agreed_at=now,
            agreed_in=agreed_in,
            addressed_adaptation_ids=addressed,
        ),
        entity_id=outcome_map.id,
    )
    return outcome_map


def _completeness(outcome_map: OutcomeMap) -> list[FieldError]:
    def error(pointer: str, detail: str) -> FieldError:
        return FieldError(pointer=pointer, location="body", detail=detail)

    errors = [
        error(f"/{field}", f"The {field} is empty.")
        for field in ("vision", "mission")
        if not getattr(outcome_map, field).strip()
    ]
    if not outcome_map.partners:
        errors.append(error("/partners", "Name at least one boundary partner."))
    for index, partner in enumerate(outcome_map.partners):
        if not partner.outcome_challenge.strip():
            errors.append(
                error(
                    f"/partners/{index}/outcome_challenge",
                    f"{partner.name} has no outcome challenge.",
                )
            )
        if not any(marker.state is MarkerState.active for marker in partner.markers):
            errors.append(
                error(f"/partners/{index}/markers", f"{partner.name} has no progress markers.")
            )
    return errors
