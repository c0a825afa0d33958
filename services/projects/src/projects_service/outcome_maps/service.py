"""Outcome-map rules: versions (draft → agreed → superseded), read-only agreed versions,
marker revision with rationale, derived strategy cells. Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.outcome_maps import repository
from projects_service.outcome_maps.errors import (
    AgreedMarkerNeedsRevision,
    DraftAlreadyExists,
    InvalidMonitoringPriority,
    MarkerNotActive,
    OutcomeMapIncomplete,
    OutcomeMapReadOnly,
    RevisionRationaleRequired,
)
from projects_service.outcome_maps.models import (
    BoundaryPartner,
    EvaluationPlanItem,
    MapStatus,
    MarkerState,
    MonitoringPlanItem,
    OrganisationalPractice,
    OutcomeMap,
    Practice,
    PriorityKind,
    ProgressMarker,
    PromptStatus,
    RevisionPrompt,
    Strategy,
    cell_code,
)
from projects_service.outcome_maps.schemas import (
    AgreeCreate,
    BoundaryPartnerCreate,
    BoundaryPartnerPatch,
    EvaluationPlanItemCreate,
    EvaluationPlanItemPatch,
    MarkerCreate,
    MarkerPatch,
    MarkerRetire,
    MarkerRevise,
    MonitoringPlanItemCreate,
    MonitoringPlanItemPatch,
    OutcomeMapCreate,
    OutcomeMapPatch,
    PracticePatch,
    StrategyCreate,
    StrategyPatch,
)
from projects_service.projects.models import Project
from shared.changes import emit_event
from shared.db import new_id, utcnow
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError, InvalidInput

PARTNER_ADVICE_LIMIT = 6


def ensure_draft(outcome_map: OutcomeMap) -> None:
    if outcome_map.status is not MapStatus.draft:
        raise OutcomeMapReadOnly(
            f"Version {outcome_map.map_version} is {outcome_map.status}; "
            "PATCH the agreed version to start a draft."
        )


def touch(outcome_map: OutcomeMap) -> None:
    """Bump the map's ETag when any of its elements changes (the detail read includes them)."""
    outcome_map.updated_at = utcnow()


def warnings_for(outcome_map: OutcomeMap) -> list[str]:
    count = len(outcome_map.partners)
    if count > PARTNER_ADVICE_LIMIT:
        return [
            f"{count} boundary partners: practitioners usually keep 3 to 5; consider grouping them."
        ]
    return []


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
        session.add(draft)
        # Relationships are view-only, so the unit of work does not order parents first: flush.
        await session.flush()
        for position, practice in enumerate(Practice, start=1):
            session.add(
                OrganisationalPractice(
                    outcome_map_id=draft.id, practice=practice, position=position
                )
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
    session.add(draft)
    await session.flush()  # parents before children (view-only relationships)
    partner_ids: dict[uuid.UUID, uuid.UUID] = {}
    for partner in partners:
        partner_ids[partner.id] = new_id()
        session.add(
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
            )
        )
    await session.flush()
    for marker in markers:
        if marker.state is not MarkerState.active:
            continue  # revised and retired markers stay in the version they belonged to
        session.add(
            ProgressMarker(
                boundary_partner_id=partner_ids[marker.boundary_partner_id],
                outcome_map_id=draft.id,
                lineage_id=marker.lineage_id,
                cloned_from_id=marker.id,
                level=marker.level,
                text=marker.text,
                position=marker.position,
                weight=marker.weight,
            )
        )
    strategy_ids: dict[uuid.UUID, uuid.UUID] = {}
    for strategy in strategies:
        strategy_ids[strategy.id] = new_id()
        session.add(
            Strategy(
                id=strategy_ids[strategy.id],
                boundary_partner_id=partner_ids[strategy.boundary_partner_id],
                outcome_map_id=draft.id,
                target=strategy.target,
                type=strategy.type,
                cell_code=strategy.cell_code,
                description=strategy.description,
                planned_activities=strategy.planned_activities,
            )
        )
    await session.flush()
    for practice in practices:
        session.add(
            OrganisationalPractice(
                outcome_map_id=draft.id,
                practice=practice.practice,
                position=practice.position,
                key_actions=practice.key_actions,
                in_use=practice.in_use,
            )
        )
    remap = {str(old): str(new) for old, new in (partner_ids | strategy_ids).items()}
    for item in monitoring:
        values = _columns(item, exclude={"outcome_map_id"})
        values["priority_ref"] = remap.get(item.priority_ref, item.priority_ref)
        session.add(MonitoringPlanItem(outcome_map_id=draft.id, **values))
    for evaluation_item in evaluation:
        session.add(
            EvaluationPlanItem(
                outcome_map_id=draft.id, **_columns(evaluation_item, exclude={"outcome_map_id"})
            )
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


async def agree_map(
    session: AsyncSession, outcome_map: OutcomeMap, *, data: AgreeCreate, actor: str
) -> OutcomeMap:
    ensure_draft(outcome_map)
    detail = await repository.get_detail(session, outcome_map.id)
    problems = _completeness(detail)
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
    outcome_map.agreed_in = data.agreed_in
    addressed = []
    for prompt in await repository.open_prompts(session, outcome_map.project_id):
        prompt.status = PromptStatus.addressed
        prompt.addressed_by_map_id = outcome_map.id
        addressed.append(prompt.adaptation_id)
    await session.flush()
    await emit_event(
        session,
        type_="outcome_map.agreed",
        entity_type="outcome_map",
        entity_id=outcome_map.id,
        data={
            "outcome_map_id": outcome_map.id,
            "project_id": outcome_map.project_id,
            "map_version": outcome_map.map_version,
            "supersedes_id": previous.id if previous else None,
            "agreed_at": now,
            "agreed_in": data.agreed_in,
            "addressed_adaptation_ids": addressed,
        },
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


async def add_partner(
    session: AsyncSession, outcome_map: OutcomeMap, *, data: BoundaryPartnerCreate
) -> BoundaryPartner:
    ensure_draft(outcome_map)
    partner_id = new_id()
    values = data.model_dump()
    values["stakeholder_refs"] = [str(ref) for ref in dict.fromkeys(data.stakeholder_refs)]
    partner = BoundaryPartner(
        id=partner_id, lineage_id=partner_id, outcome_map_id=outcome_map.id, **values
    )
    session.add(partner)
    touch(outcome_map)
    await session.flush()
    return partner


async def update_partner(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    partner: BoundaryPartner,
    *,
    patch: BoundaryPartnerPatch,
) -> BoundaryPartner:
    ensure_draft(outcome_map)
    changes = merge_patch_changes(patch, required=tuple(patch.model_fields_set))
    if "stakeholder_refs" in changes:
        changes["stakeholder_refs"] = [
            str(ref) for ref in dict.fromkeys(changes["stakeholder_refs"])
        ]
    apply_changes(partner, changes)
    touch(outcome_map)
    await session.flush()
    return partner


async def delete_partner(
    session: AsyncSession, outcome_map: OutcomeMap, partner: BoundaryPartner
) -> None:
    """Remove a partner from a draft, with its markers, strategies and the monitoring-plan
    items about them (nothing else can point at a draft's partner: journals need an agreed
    map). Agreed versions keep theirs; the partner's lineage lives on in them."""
    ensure_draft(outcome_map)
    markers, strategies, monitoring = await repository.partner_elements(
        session, outcome_map.id, partner.id
    )
    for element in (*markers, *strategies, *monitoring):
        # Row by row so each removal is audited like any other write.
        await session.delete(element)
    await session.flush()  # children first: the relationships are view-only
    await session.delete(partner)
    touch(outcome_map)
    await session.flush()


async def delete_plan_item(
    session: AsyncSession, outcome_map: OutcomeMap, item: MonitoringPlanItem | EvaluationPlanItem
) -> None:
    """A draft's monitoring or evaluation plan item may go; agreed versions are read-only."""
    ensure_draft(outcome_map)
    await session.delete(item)
    touch(outcome_map)
    await session.flush()


async def add_marker(
    session: AsyncSession, outcome_map: OutcomeMap, partner: BoundaryPartner, *, data: MarkerCreate
) -> ProgressMarker:
    ensure_draft(outcome_map)
    marker_id = new_id()
    marker = ProgressMarker(
        id=marker_id,
        lineage_id=marker_id,
        boundary_partner_id=partner.id,
        outcome_map_id=outcome_map.id,
        **data.model_dump(),
    )
    session.add(marker)
    touch(outcome_map)
    await session.flush()
    return marker


def _ensure_active(marker: ProgressMarker) -> None:
    if marker.state is not MarkerState.active:
        raise MarkerNotActive(f"The marker is {marker.state}; edit its successor instead.")


async def update_marker(
    session: AsyncSession, outcome_map: OutcomeMap, marker: ProgressMarker, *, patch: MarkerPatch
) -> ProgressMarker:
    ensure_draft(outcome_map)
    _ensure_active(marker)
    changes = merge_patch_changes(patch, required=tuple(patch.model_fields_set))
    wording = {k for k in ("text", "level") if k in changes and changes[k] != getattr(marker, k)}
    if wording and marker.cloned_from_id is not None:
        raise AgreedMarkerNeedsRevision("POST .../revise with a rationale category and note.")
    apply_changes(marker, changes)
    touch(outcome_map)
    await session.flush()
    return marker


def _require_rationale(marker: ProgressMarker, category: object, note: str) -> None:
    if marker.cloned_from_id is None:
        return  # never agreed: a drafting change, no rationale needed
    errors = []
    if category is None:
        errors.append(
            FieldError(
                pointer="/rationale_category", location="body", detail="Required after agreement."
            )
        )
    if not note.strip():
        errors.append(
            FieldError(
                pointer="/rationale_note", location="body", detail="Required after agreement."
            )
        )
    if errors:
        raise RevisionRationaleRequired(
            "This marker was agreed; say why it changes.", errors=errors
        )


async def revise_marker(
    session: AsyncSession, outcome_map: OutcomeMap, marker: ProgressMarker, *, data: MarkerRevise
) -> ProgressMarker:
    """Replace a marker by a successor (never delete): the old one becomes `revised`."""
    ensure_draft(outcome_map)
    _ensure_active(marker)
    _require_rationale(marker, data.rationale_category, data.rationale_note)
    successor_id = new_id()
    successor = ProgressMarker(
        id=successor_id,
        lineage_id=successor_id,
        boundary_partner_id=marker.boundary_partner_id,
        outcome_map_id=outcome_map.id,
        level=data.level or marker.level,
        text=data.text,
        position=marker.position,
        weight=marker.weight,
        revises_id=marker.id,
        rationale_category=data.rationale_category,
        rationale_note=data.rationale_note,
    )
    session.add(successor)
    marker.state = MarkerState.revised
    marker.replaced_by_id = successor_id
    marker.rationale_category = data.rationale_category
    marker.rationale_note = data.rationale_note
    touch(outcome_map)
    await session.flush()
    await emit_event(
        session,
        type_="progress_marker.revised",
        entity_type="progress_marker",
        entity_id=marker.id,
        data={
            "progress_marker_id": marker.id,
            "successor_id": successor_id,
            "project_id": outcome_map.project_id,
            "outcome_map_id": outcome_map.id,
            "boundary_partner_id": marker.boundary_partner_id,
            "rationale_category": data.rationale_category,
            "rationale_note": data.rationale_note,
            "after_agreement": marker.cloned_from_id is not None,
        },
    )
    return successor


async def retire_marker(
    session: AsyncSession, outcome_map: OutcomeMap, marker: ProgressMarker, *, data: MarkerRetire
) -> ProgressMarker:
    ensure_draft(outcome_map)
    _ensure_active(marker)
    _require_rationale(marker, data.rationale_category, data.rationale_note)
    marker.state = MarkerState.retired
    marker.rationale_category = data.rationale_category
    marker.rationale_note = data.rationale_note
    touch(outcome_map)
    await session.flush()
    return marker


async def add_strategy(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    partner: BoundaryPartner,
    *,
    data: StrategyCreate,
) -> Strategy:
    ensure_draft(outcome_map)
    strategy = Strategy(
        boundary_partner_id=partner.id,
        outcome_map_id=outcome_map.id,
        cell_code=cell_code(data.target, data.type),
        **data.model_dump(),
    )
    session.add(strategy)
    touch(outcome_map)
    await session.flush()
    return strategy


async def update_strategy(
    session: AsyncSession, outcome_map: OutcomeMap, strategy: Strategy, *, patch: StrategyPatch
) -> Strategy:
    ensure_draft(outcome_map)
    apply_changes(strategy, merge_patch_changes(patch, required=tuple(patch.model_fields_set)))
    strategy.cell_code = cell_code(strategy.target, strategy.type)
    touch(outcome_map)
    await session.flush()
    return strategy


async def delete_strategy(
    session: AsyncSession, outcome_map: OutcomeMap, strategy: Strategy
) -> None:
    """A draft's strategy may go (agreed versions keep theirs: they are read-only)."""
    ensure_draft(outcome_map)
    await session.delete(strategy)
    touch(outcome_map)
    await session.flush()


async def update_practice(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    practice: OrganisationalPractice,
    *,
    patch: PracticePatch,
) -> OrganisationalPractice:
    ensure_draft(outcome_map)
    apply_changes(practice, merge_patch_changes(patch, required=tuple(patch.model_fields_set)))
    touch(outcome_map)
    await session.flush()
    return practice


async def add_monitoring_item(
    session: AsyncSession, outcome_map: OutcomeMap, *, data: MonitoringPlanItemCreate
) -> MonitoringPlanItem:
    ensure_draft(outcome_map)
    await _check_priority(session, outcome_map, data.priority_kind, data.priority_ref)
    item = MonitoringPlanItem(outcome_map_id=outcome_map.id, **data.model_dump())
    session.add(item)
    touch(outcome_map)
    await session.flush()
    return item


async def _check_priority(
    session: AsyncSession, outcome_map: OutcomeMap, kind: PriorityKind, ref: str
) -> None:
    valid = False
    if kind is PriorityKind.organisational_practice:
        valid = ref in Practice.__members__
    else:
        try:
            element_id = uuid.UUID(ref)
        except ValueError:
            element_id = None
        if element_id is not None:
            found: BoundaryPartner | Strategy | None
            if kind is PriorityKind.boundary_partner:
                found = await repository.get_element(
                    session, BoundaryPartner, outcome_map.id, element_id
                )
            else:
                found = await repository.get_element(session, Strategy, outcome_map.id, element_id)
            valid = found is not None
    if not valid:
        raise InvalidMonitoringPriority(
            f"No {kind} {ref!r} in this version.",
            errors=[
                FieldError(
                    pointer="/priority_ref", location="body", detail=f"Not a {kind} of this map."
                )
            ],
        )


async def update_monitoring_item(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    item: MonitoringPlanItem,
    *,
    patch: MonitoringPlanItemPatch,
) -> MonitoringPlanItem:
    ensure_draft(outcome_map)
    apply_changes(item, merge_patch_changes(patch, required=tuple(patch.model_fields_set)))
    touch(outcome_map)
    await session.flush()
    return item


async def add_evaluation_item(
    session: AsyncSession, outcome_map: OutcomeMap, *, data: EvaluationPlanItemCreate
) -> EvaluationPlanItem:
    ensure_draft(outcome_map)
    _dates_in_order(data.start_date, data.end_date)
    item = EvaluationPlanItem(outcome_map_id=outcome_map.id, **data.model_dump())
    session.add(item)
    touch(outcome_map)
    await session.flush()
    return item


async def update_evaluation_item(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    item: EvaluationPlanItem,
    *,
    patch: EvaluationPlanItemPatch,
) -> EvaluationPlanItem:
    ensure_draft(outcome_map)
    changes = merge_patch_changes(patch, required=("evaluation_issue", "questions"))
    _dates_in_order(
        changes.get("start_date", item.start_date), changes.get("end_date", item.end_date)
    )
    apply_changes(item, changes)
    touch(outcome_map)
    await session.flush()
    return item


def _dates_in_order(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise InvalidInput(
            "end_date must not be before start_date.",
            errors=[FieldError(pointer="/end_date", location="body", detail="Before start_date.")],
        )


# --- events from other services ------------------------------------------------------------


async def prompt_revision_for_adaptation(session: AsyncSession, data: dict[str, Any]) -> str:
    """`adaptation.implemented`: a pivot prompts a new outcome-map version (never forces one)."""
    if data.get("kind") != "pivot":
        return f"ignored: kind {data.get('kind')!r} does not prompt a new outcome map"
    try:
        adaptation_id = uuid.UUID(str(data.get("adaptation_id")))
        project_id = uuid.UUID(str(data.get("project_id")))
    except ValueError:
        return "ignored: the event has no valid adaptation_id or project_id"
    if await session.get(Project, project_id) is None:
        return f"ignored: no project {project_id}"
    if await repository.prompt_for_adaptation(session, adaptation_id) is not None:
        return f"ignored: adaptation {adaptation_id} already prompted a revision"
    evaluation_id = data.get("evaluation_id")
    implemented_at = data.get("implemented_at")
    parsed_at = (
        dt.datetime.fromisoformat(str(implemented_at).replace("Z", "+00:00"))
        if implemented_at
        else None
    )
    session.add(
        RevisionPrompt(
            project_id=project_id,
            adaptation_id=adaptation_id,
            evaluation_id=uuid.UUID(str(evaluation_id)) if evaluation_id else None,
            summary=str(data.get("summary") or "")[:5000],
            implemented_at=parsed_at
            if parsed_at is None or parsed_at.tzinfo
            else parsed_at.replace(tzinfo=dt.UTC),
        )
    )
    await session.flush()
    return f"prompted: project {project_id} should consider a new outcome-map version"


async def remove_erased_stakeholder(session: AsyncSession, data: dict[str, Any]) -> str:
    """`stakeholder.erased`: drop the id from every boundary partner, agreed versions included
    (erasure overrides read-only). The audit trail records each partner changed."""
    stakeholder_id = str(data.get("stakeholder_id") or "")
    if not stakeholder_id:
        return "ignored: no stakeholder_id"
    partners = await repository.partners_referencing(session, stakeholder_id)
    removed = 0
    for partner in partners:
        kept = [ref for ref in partner.stakeholder_refs if ref != stakeholder_id]
        removed += len(partner.stakeholder_refs) - len(kept)
        partner.stakeholder_refs = kept
    await session.flush()
    return f"removed {removed} reference(s) from {len(partners)} boundary partner(s)"
