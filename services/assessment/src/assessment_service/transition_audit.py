"""The `reason` of a state change, kept in the audit trail when the machine has no column."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from shared.changes import Audited, entity_type_of, record_audit


async def audit_reason(
    session: AsyncSession,
    entity: Audited,
    entity_id: object,
    *,
    before: StrEnum,
    after: StrEnum,
    reason: str | None,
) -> None:
    """One audit entry (`transition_reason`) beside the row change, when a reason was given:
    the convention says a reason is kept, and these machines record no history table."""
    if reason is None:
        return
    await record_audit(
        session,
        entity_type=entity_type_of(entity),
        entity_id=str(entity_id),
        action="transition_reason",
        changes={
            "status": {"before": str(before), "after": str(after)},
            "reason": {"before": None, "after": reason},
        },
    )
