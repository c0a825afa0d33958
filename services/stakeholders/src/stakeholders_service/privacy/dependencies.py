"""Privacy: the path-parameter dependencies that load a consent or request or answer 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from shared.db import SessionDep
from stakeholders_service.privacy import repository
from stakeholders_service.privacy.errors import ConsentNotFound, RequestNotFound
from stakeholders_service.privacy.models import ConsentRecord, DataSubjectRequest
from stakeholders_service.stakeholders.dependencies import StakeholderDep


async def get_consent_or_404(
    stakeholder: StakeholderDep, consent_id: uuid.UUID, session: SessionDep
) -> ConsentRecord:
    consent = await repository.get_consent(session, consent_id)
    if consent is None or consent.stakeholder_id != stakeholder.id:
        raise ConsentNotFound(f"No consent {consent_id} for stakeholder {stakeholder.id}.")
    return consent


async def get_request_or_404(request_id: uuid.UUID, session: SessionDep) -> DataSubjectRequest:
    request = await repository.get_request(session, request_id)
    if request is None:
        raise RequestNotFound(f"No data subject request with id {request_id}.")
    return request


ConsentDep = Annotated[ConsentRecord, Depends(get_consent_or_404)]
RequestDep = Annotated[DataSubjectRequest, Depends(get_request_or_404)]
