"""Rules of adaptation decisions: prompted by findings of the same evaluation, editable while
proposed, one step at a time to reviewed (which needs the observed effect); an implemented pivot
publishes `adaptation.implemented`. Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.adaptations import repository
from assessment_service.evaluation.adaptations.errors import (
    AdaptationLocked,
    AdaptationNotFound,
    ObservedEffectRequired,
)
from assessment_service.evaluation.adaptations.schemas import (
    AdaptationCreate,
    AdaptationPatch,
    AdaptationRead,
    AdaptationTransition,
)
from assessment_service.evaluation.models import (
    AdaptationDecision,
    AdaptationFinding,
    AdaptationKind,
    AdaptationStatus,
    DevelopmentalEvaluation,
    Finding,
)
from assessment_service.evaluation.service import (
    Writer,
    evaluation_of,
    load,
    moves,
    relink,
    same_evaluation,
    writable,
)
from assessment_service.lifecycle import audit_reason, with_transitions
from shared.auth import Principal
from shared.changes import emit_event, set_action
from shared.db import utcnow
from shared.event_contract import DomainEvent, row_actions, targets_of
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError
from shared.transitions import check_transition

EDGES: dict[AdaptationStatus, tuple[AdaptationStatus, ...]] = {
    AdaptationStatus.proposed: (AdaptationStatus.agreed,),
    AdaptationStatus.agreed: (AdaptationStatus.implemented,),
    AdaptationStatus.implemented: (AdaptationStatus.reviewed,),
}
# `set_action(..., data.to.value)` below names each move after its target.
row_actions(AdaptationDecision, *targets_of(EDGES))
# Linking the outcome-map version a pivot led to is bookkeeping, allowed at any status.
_ALWAYS_EDITABLE = frozenset({"outcome_map_change_ref"})


def _finding_link(finding_id: uuid.UUID) -> AdaptationFinding:
    return AdaptationFinding(finding_id=finding_id)


async def get_adaptation(session: AsyncSession, adaptation_id: uuid.UUID) -> AdaptationDecision:
    found: AdaptationDecision = await load(
        session,
        AdaptationDecision,
        adaptation_id,
        AdaptationNotFound,
        *repository.ADAPTATION_LOAD,
    )
    return found


def adaptation_read(
    adaptation: AdaptationDecision, evaluation: DevelopmentalEvaluation, principal: Principal
) -> AdaptationRead:
    allowed = moves(EDGES, adaptation.status, principal=principal, evaluation=evaluation)
    return with_transitions(AdaptationRead, adaptation, allowed)


async def read_adaptation(
    session: AsyncSession, adaptation: AdaptationDecision, principal: Principal
) -> AdaptationRead:
    return adaptation_read(adaptation, await evaluation_of(session, adaptation), principal)


async def list_adaptations(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    pagination: Pagination,
    principal: Principal,
    *,
    status: AdaptationStatus | None,
    kind: AdaptationKind | None,
) -> Page[AdaptationRead]:
    rows = await pagination.rows(
        session,
        repository.adaptations(evaluation.id, status=status, kind=kind),
        id_column=AdaptationDecision.id,
        updated_column=AdaptationDecision.updated_at,
    )
    return Page[AdaptationRead](
        items=[adaptation_read(item, evaluation, principal) for item in rows.items],
        next_cursor=rows.next_cursor,
    )


async def create_adaptation(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: AdaptationCreate,
    writer: Writer,
) -> AdaptationDecision:
    await writable(writer, evaluation)
    await same_evaluation(session, Finding, evaluation.id, data.finding_ids, "finding_ids")
    values = data.model_dump(exclude={"finding_ids", "decided_at"})
    adaptation = AdaptationDecision(
        evaluation_id=evaluation.id,
        decided_at=data.decided_at or utcnow(),
        recorded_by=writer.principal.subject,
        finding_links=[_finding_link(i) for i in data.finding_ids],
        **values,
    )
    session.add(adaptation)
    await session.flush()
    return adaptation


async def update_adaptation(
    session: AsyncSession,
    adaptation: AdaptationDecision,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: AdaptationPatch,
    writer: Writer,
) -> AdaptationDecision:
    await writable(writer, evaluation)
    changes = merge_patch_changes(
        patch,
        required=(
            "kind",
            "summary",
            "rationale",
            "decided_at",
            "finding_ids",
            "alternatives_considered",
            "decided_by",
            "expected_effect",
        ),
    )
    if adaptation.status is not AdaptationStatus.proposed and set(changes) - _ALWAYS_EDITABLE:
        raise AdaptationLocked(
            f"The adaptation is {adaptation.status.value}; only outcome_map_change_ref may change."
        )
    finding_ids = changes.pop("finding_ids", None)
    if finding_ids is not None:
        await same_evaluation(session, Finding, evaluation.id, finding_ids, "finding_ids")
        relink(adaptation, "finding_links", finding_ids, "finding_id", _finding_link)
    apply_changes(adaptation, changes)
    await session.flush()
    return adaptation


class AdaptationImplemented(DomainEvent, type_="adaptation.implemented", entity="adaptation"):
    """A pivot was implemented: the contract with the projects service (DOMAIN.md A4), which
    prompts a new outcome-map version on the project."""

    adaptation_id: uuid.UUID
    evaluation_id: uuid.UUID
    project_id: uuid.UUID
    kind: AdaptationKind
    implemented_at: dt.datetime
    summary: str


async def transition_adaptation(
    session: AsyncSession,
    adaptation: AdaptationDecision,
    evaluation: DevelopmentalEvaluation,
    *,
    data: AdaptationTransition,
    writer: Writer,
) -> AdaptationDecision:
    await writable(writer, evaluation)
    check_transition(EDGES, adaptation.status, data.to)
    before = adaptation.status
    when = data.at or utcnow()
    if data.to is AdaptationStatus.reviewed:
        if not data.observed_effect:
            raise ObservedEffectRequired(
                "Say what effect was observed.",
                errors=[
                    FieldError(
                        pointer="/observed_effect",
                        location="body",
                        detail="Required to mark the adaptation reviewed.",
                    )
                ],
            )
        adaptation.observed_effect = data.observed_effect
        adaptation.reviewed_at = when
    elif data.to is AdaptationStatus.agreed:
        adaptation.agreed_at = when
    else:
        adaptation.implemented_at = when
    adaptation.status = data.to
    set_action(adaptation, data.to.value)
    await session.flush()
    await audit_reason(
        session, adaptation, adaptation.id, before=before, after=data.to, reason=data.reason
    )
    if data.to is AdaptationStatus.implemented and adaptation.kind is AdaptationKind.pivot:
        # The contract with the projects service (DOMAIN.md A4): exactly these fields; it
        # prompts a new outcome-map version on the project.
        await emit_event(
            session,
            AdaptationImplemented(
                adaptation_id=adaptation.id,
                evaluation_id=evaluation.id,
                project_id=evaluation.project_id,
                kind=adaptation.kind,
                implemented_at=when,
                summary=adaptation.summary,
            ),
            entity_id=adaptation.id,
        )
    return adaptation
