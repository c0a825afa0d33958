"""Organisations: the path-parameter dependencies that load one (for a write, or as its read
model for a GET) or answer 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from shared.db import SessionDep
from stakeholders_service.organisations import repository, service
from stakeholders_service.organisations.errors import OrganisationNotFound
from stakeholders_service.organisations.models import Organisation
from stakeholders_service.organisations.schemas import OrganisationRead


async def get_organisation_or_404(organisation_id: uuid.UUID, session: SessionDep) -> Organisation:
    organisation = await repository.get(session, organisation_id)
    if organisation is None:
        raise OrganisationNotFound(f"No organisation with id {organisation_id}.")
    return organisation


OrganisationDep = Annotated[Organisation, Depends(get_organisation_or_404)]


async def read_organisation_or_404(
    organisation_id: uuid.UUID, session: SessionDep
) -> OrganisationRead:
    organisation = await service.read_organisation(session, organisation_id)
    if organisation is None:
        raise OrganisationNotFound(f"No organisation with id {organisation_id}.")
    return organisation


OrganisationReadDep = Annotated[OrganisationRead, Depends(read_organisation_or_404)]
