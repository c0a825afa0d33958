"""Boundary partners: rules (drafts only; stakeholder refs checked with the stakeholders
service; erasure removes refs everywhere). Functions flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.clients.stakeholders import StakeholdersClient
from projects_service.outcome_maps import repository
from projects_service.outcome_maps.drafts import ensure_draft, touch, unique_refs
from projects_service.outcome_maps.errors import UnknownStakeholder
from projects_service.outcome_maps.models import BoundaryPartner, OutcomeMap
from projects_service.outcome_maps.schemas import BoundaryPartnerCreate, BoundaryPartnerPatch
from shared.db import new_id
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError

POINTER = "/stakeholder_refs"


async def verify_stakeholders(
    stakeholders: StakeholdersClient,
    refs: Iterable[uuid.UUID],
    *,
    already_known: Iterable[str] = (),
) -> None:
    """Every new ref must name an existing, not erased stakeholder: 422 naming the unknown
    ones; the client's 503/502 when the stakeholders service cannot say. Refs already on the
    partner are not checked again."""
    known = set(already_known)
    errors = []
    for index, ref in enumerate(refs):
        if str(ref) in known:
            continue
        stakeholder = await stakeholders.get_stakeholder(ref)
        if stakeholder is None or stakeholder.erased:
            detail = "No such stakeholder." if stakeholder is None else "Stakeholder erased."
            errors.append(FieldError(pointer=f"{POINTER}/{index}", location="body", detail=detail))
    if errors:
        raise UnknownStakeholder("Some stakeholder references do not exist.", errors=errors)


async def add_partner(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    *,
    data: BoundaryPartnerCreate,
    stakeholders: StakeholdersClient,
) -> BoundaryPartner:
    ensure_draft(outcome_map)
    await verify_stakeholders(stakeholders, data.stakeholder_refs)
    partner_id = new_id()
    values = data.model_dump()
    values["stakeholder_refs"] = unique_refs(data.stakeholder_refs)
    partner = BoundaryPartner(
        id=partner_id, lineage_id=partner_id, outcome_map_id=outcome_map.id, **values
    )
    repository.add(session, partner)
    touch(outcome_map)
    await session.flush()
    return partner


async def update_partner(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    partner: BoundaryPartner,
    *,
    patch: BoundaryPartnerPatch,
    stakeholders: StakeholdersClient,
) -> BoundaryPartner:
    ensure_draft(outcome_map)
    if patch.stakeholder_refs is not None:
        await verify_stakeholders(
            stakeholders, patch.stakeholder_refs, already_known=partner.stakeholder_refs
        )
    changes = merge_patch_changes(patch, required=tuple(patch.model_fields_set))
    if "stakeholder_refs" in changes:
        changes["stakeholder_refs"] = unique_refs(changes["stakeholder_refs"])
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
        await repository.remove(session, element)
    await session.flush()  # children first: the relationships are view-only
    await repository.remove(session, partner)
    touch(outcome_map)
    await session.flush()


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
