"""The finding loader that answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.evaluation.findings import service
from assessment_service.evaluation.models import Finding
from shared.db import SessionDep


async def get_finding_or_404(finding_id: uuid.UUID, session: SessionDep) -> Finding:
    return await service.get_finding(session, finding_id)


FindingDep = Annotated[Finding, Depends(get_finding_or_404)]
