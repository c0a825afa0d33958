"""The state-machine convention as this service applies it (`shared.transitions`): read models
carrying the caller's `allowed_transitions`, and a move's reason kept in the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shared.changes import Audited, entity_type_of, record_audit

ReadT = TypeVar("ReadT", bound=BaseModel)


def with_transitions(
    schema: type[ReadT], entity: object, allowed: Sequence[StrEnum], **fields: Any
) -> ReadT:
    """`schema` read from `entity`'s attributes (or `fields`, for nested parts that need the same
    treatment), with `allowed_transitions` for the caller: a required field, since it depends
    on who asks and so cannot come from the row."""
    values = {
        name: getattr(entity, name)
        for name in schema.model_fields
        if name != "allowed_transitions" and name not in fields
    }
    return schema(**values, **fields, allowed_transitions=list(allowed))


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
    the convention keeps a move's reason, and these machines have no history table for it."""
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
