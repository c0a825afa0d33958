"""Business rules for organisations. Functions flush, never commit (see shared/README.md)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.pagination import Page, Pagination, row_dict
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError
from stakeholders_service.organisations import repository
from stakeholders_service.organisations.errors import InvalidParent, OdsCodeTaken
from stakeholders_service.organisations.models import Organisation, OrganisationType
from stakeholders_service.organisations.schemas import (
    OrganisationCreate,
    OrganisationPatch,
    OrganisationRead,
)


async def _check_ods_code(
    session: AsyncSession, ods_code: str | None, *, own_id: uuid.UUID | None
) -> None:
    if ods_code is None:
        return
    holder = await repository.get_by_ods_code(session, ods_code)
    if holder is not None and holder.id != own_id:
        raise OdsCodeTaken(f"ODS code {ods_code} belongs to organisation {holder.id}.")


async def _check_parent(
    session: AsyncSession, parent_id: uuid.UUID | None, *, own_id: uuid.UUID | None
) -> None:
    if parent_id is None:
        return
    if await repository.get(session, parent_id) is None:
        raise InvalidParent(
            "The parent organisation does not exist.",
            errors=[
                FieldError(pointer="/parent_id", location="body", detail="No such organisation.")
            ],
        )
    if own_id is not None and own_id in await repository.ancestors(session, parent_id):
        raise InvalidParent(
            "An organisation cannot sit below itself.",
            errors=[
                FieldError(pointer="/parent_id", location="body", detail="Would create a cycle.")
            ],
        )


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("website") is not None:
        values["website"] = str(values["website"])
    return values


async def create_organisation(
    session: AsyncSession, *, data: OrganisationCreate, actor: Principal
) -> Organisation:
    await _check_ods_code(session, data.ods_code, own_id=None)
    await _check_parent(session, data.parent_id, own_id=None)
    organisation = Organisation(created_by=actor.subject, **_plain(data.model_dump()))
    session.add(organisation)
    await session.flush()
    return organisation


async def update_organisation(
    session: AsyncSession, organisation: Organisation, *, patch: OrganisationPatch
) -> Organisation:
    changes = _plain(merge_patch_changes(patch, required=("name", "type")))
    if "ods_code" in changes:
        await _check_ods_code(session, changes["ods_code"], own_id=organisation.id)
    if "parent_id" in changes:
        await _check_parent(session, changes["parent_id"], own_id=organisation.id)
    apply_changes(organisation, changes)
    await session.flush()
    return organisation


async def read_organisation(
    session: AsyncSession, organisation_id: uuid.UUID
) -> OrganisationRead | None:
    """One organisation as its read model, straight from a Core row (no ORM instance)."""
    row = await repository.read(session, organisation_id)
    return None if row is None else OrganisationRead.model_validate(row_dict(row))


async def list_organisations(
    session: AsyncSession,
    *,
    pagination: Pagination,
    type_: OrganisationType | None,
    parent_id: uuid.UUID | None,
    ods_code: str | None,
    q: str | None,
) -> Page[OrganisationRead]:
    statement = await repository.list_statement(
        session, type_=type_, parent_id=parent_id, ods_code=ods_code, q=q
    )
    rows = await pagination.rows(
        session,
        statement,
        id_column=Organisation.id,
        updated_column=Organisation.updated_at,
        scalars=False,
    )
    return rows.as_page(OrganisationRead)
