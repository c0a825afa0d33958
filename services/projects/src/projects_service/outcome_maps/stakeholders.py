"""Checking stakeholder references against the stakeholders service over REST (the only place
this service talks to it synchronously; PII stays there, we keep ids)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request

from projects_service.outcome_maps.errors import StakeholdersUnavailable, UnknownStakeholder
from shared.http import BadGateway, ServiceClient, UpstreamTimeout, UpstreamUnavailable
from shared.problems import FieldError


def get_stakeholders_client(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.clients["stakeholders"]
    return client


StakeholdersClientDep = Annotated[ServiceClient, Depends(get_stakeholders_client)]


async def verify_stakeholders(
    client: ServiceClient,
    refs: Iterable[uuid.UUID],
    *,
    already_known: Iterable[str] = (),
    pointer: str,
) -> None:
    """Every new ref must name an existing, not erased stakeholder: 422 naming the unknown ones,
    503 when the stakeholders service cannot say. Refs already on the partner are not re-checked."""
    known = set(already_known)
    errors = []
    for index, ref in enumerate(refs):
        if str(ref) in known:
            continue
        try:
            # As this service: a reference check must not depend on what the caller may read there.
            stakeholder = await client.fetch_json(f"/v1/stakeholders/{ref}", as_service=True)
        except (UpstreamUnavailable, UpstreamTimeout, BadGateway) as exc:
            raise StakeholdersUnavailable(str(exc)) from exc
        if stakeholder is None:
            errors.append(
                FieldError(
                    pointer=f"{pointer}/{index}", location="body", detail="No such stakeholder."
                )
            )
        elif stakeholder.get("status") == "erased":
            errors.append(
                FieldError(
                    pointer=f"{pointer}/{index}", location="body", detail="Stakeholder erased."
                )
            )
    if errors:
        raise UnknownStakeholder("Some stakeholder references do not exist.", errors=errors)
