"""Equality monitoring: recorded anonymously unless consented; reported only in aggregate."""

from __future__ import annotations

import uuid
from collections import Counter
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import utcnow
from stakeholders_service.engagements.models import Engagement
from stakeholders_service.engagements.schemas import EqualityCreateAck, EqualityReport
from stakeholders_service.engagements.service import require_active_stakeholder, require_completed
from stakeholders_service.equality import repository
from stakeholders_service.equality.errors import EqualityConsentMissing
from stakeholders_service.equality.models import (
    AgeBand,
    EqualityResponse,
    EthnicCategory,
    ImdQuintile,
    Religion,
    Sex,
    SexualOrientation,
    YesNo,
)
from stakeholders_service.equality.schemas import EqualityCreate
from stakeholders_service.privacy import repository as privacy
from stakeholders_service.privacy.models import ConsentPurpose
from stakeholders_service.suppression import suppress, suppressed_count

CHARACTERISTICS: dict[str, type[StrEnum]] = {
    "age_band": AgeBand,
    "sex": Sex,
    "gender_identity_same_as_at_birth": YesNo,
    "ethnic_category": EthnicCategory,
    "disability": YesNo,
    "religion_or_belief": Religion,
    "sexual_orientation": SexualOrientation,
    "carer": YesNo,
    "imd_quintile": ImdQuintile,
}


async def record_response(
    session: AsyncSession, engagement: Engagement, *, data: EqualityCreate
) -> EqualityCreateAck:
    require_completed(engagement)
    now = utcnow()
    consent_id: uuid.UUID | None = None
    if data.stakeholder_id is not None:
        await require_active_stakeholder(session, data.stakeholder_id, "/stakeholder_id")
        consent = await privacy.current_consent(
            session,
            data.stakeholder_id,
            purpose=ConsentPurpose.equality_monitoring_linked,
            now=now,
        )
        if consent is None:
            raise EqualityConsentMissing(
                "Record it anonymously (no `stakeholder_id`), or record the consent first."
            )
        consent_id = consent.id
    response = EqualityResponse(
        engagement_id=engagement.id,
        consent_id=consent_id,
        **{**data.model_dump(), "collected_at": data.collected_at or now},
    )
    session.add(response)
    await session.flush()
    return EqualityCreateAck(
        id=response.id,
        engagement_id=engagement.id,
        linked=consent_id is not None,
        collected_at=response.collected_at,
    )


async def report(
    session: AsyncSession, *, project_id: uuid.UUID | None, engagement_id: uuid.UUID | None
) -> EqualityReport:
    """Distributions per characteristic. Linked answers whose consent is no longer current are
    left out: processing that relied on a withdrawn consent stops."""
    rows = await repository.report_rows(
        session, now=utcnow(), engagement_id=engagement_id, project_id=project_id
    )
    distributions = []
    for name, enum in CHARACTERISTICS.items():
        counts = Counter(getattr(row, name) for row in rows)
        distributions.append(suppress(name, {member.value: counts[member] for member in enum}))
    imd = next(d for d in distributions if d.name == "imd_quintile")
    q1 = next(c for c in imd.cells if c.value == ImdQuintile.q1.value)
    core20 = round(q1.count / imd.total, 3) if q1.count is not None and imd.total else None
    return EqualityReport(
        project_id=project_id,
        engagement_id=engagement_id,
        responses=suppressed_count(len(rows)),
        characteristics=distributions,
        core20_share=core20,
    )
