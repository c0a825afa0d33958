"""Equality monitoring: recorded anonymously unless consented; reported only in aggregate."""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import utcnow
from shared.problems import FieldError
from stakeholders_service.engagements.models import Engagement
from stakeholders_service.engagements.schemas import EqualityCreateAck, EqualityReport
from stakeholders_service.engagements.service import require_active_stakeholder, require_completed
from stakeholders_service.equality import characteristics, repository
from stakeholders_service.equality.errors import EqualityCharacteristicOff, EqualityConsentMissing
from stakeholders_service.equality.models import (
    PNTS,
    EqualityResponse,
    ImdQuintile,
)
from stakeholders_service.equality.schemas import ComparisonRow, EqualityCreate
from stakeholders_service.populations import service as populations
from stakeholders_service.populations.models import ComparatorPopulation
from stakeholders_service.populations.schemas import ComparatorRef
from stakeholders_service.privacy import repository as privacy
from stakeholders_service.privacy.models import ConsentPurpose
from stakeholders_service.suppression import Distribution, suppress, suppressed_count

# What a representative sample would put in IMD quintile 1 (Core20: the most deprived 20%).
CORE20_EXPECTED = 0.2


async def record_response(
    session: AsyncSession,
    engagement: Engagement,
    *,
    data: EqualityCreate,
    enabled: list[str] | None = None,
) -> EqualityCreateAck:
    """`enabled`: the deployment's switched-on characteristics (None: all); a switched-off
    one accepts only `prefer_not_to_say`, so nothing is recorded that was never asked."""
    require_completed(engagement)
    asked = {c.name for c in characteristics.enabled(enabled)}
    refused = [
        FieldError(pointer=f"/{name}", location="body", detail="not asked in this deployment")
        for name in characteristics.ALL
        if name not in asked and getattr(data, name) != PNTS
    ]
    if refused:
        raise EqualityCharacteristicOff(
            "Switched-off characteristics take only prefer_not_to_say.", errors=refused
        )
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
    session: AsyncSession,
    *,
    project_id: uuid.UUID | None,
    engagement_id: uuid.UUID | None,
    enabled: list[str] | None = None,
    comparator_key: str | None = None,
    comparator_version: int | None = None,
) -> EqualityReport:
    """Distributions per switched-on characteristic. Linked answers whose consent is no longer
    current are left out: processing that relied on a withdrawn consent stops. With a
    comparator, each shown cell's share of all responses beside the comparator's share."""
    comparator = (
        None
        if comparator_key is None
        else await populations.require(session, comparator_key, comparator_version)
    )
    rows = await repository.report_rows(
        session, now=utcnow(), engagement_id=engagement_id, project_id=project_id
    )
    distributions = []
    for characteristic in characteristics.enabled(enabled):
        counts = Counter(getattr(row, characteristic.name) for row in rows)
        distributions.append(
            suppress(
                characteristic.name,
                {member.value: counts[member] for member in characteristic.values},
            )
        )
    core20 = _core20_share(distributions)
    return EqualityReport(
        project_id=project_id,
        engagement_id=engagement_id,
        responses=suppressed_count(len(rows)),
        characteristics=distributions,
        core20_share=core20,
        core20_expected_share=CORE20_EXPECTED,
        core20_difference=None if core20 is None else round(core20 - CORE20_EXPECTED, 3),
        comparator=None if comparator is None else _reference(comparator),
        comparison=[] if comparator is None else compare(distributions, comparator.shares),
    )


def _core20_share(distributions: list[Distribution]) -> float | None:
    """Share of all responses in IMD quintile 1, when that cell is shown."""
    imd = next((d for d in distributions if d.name == "imd_quintile"), None)
    if imd is None or not imd.total:
        return None
    q1 = next(c for c in imd.cells if c.value == ImdQuintile.q1.value)
    return None if q1.count is None else round(q1.count / imd.total, 3)


def compare(
    distributions: list[Distribution], shares: dict[str, dict[str, float]]
) -> list[ComparisonRow]:
    """Per category of each characteristic the comparator covers. The denominator is all
    responses (the published total), so a share reveals nothing the suppressed counts do not;
    a share is shown only where its count is, so suppression carries over unchanged."""
    out: list[ComparisonRow] = []
    for distribution in distributions:
        reference = shares.get(distribution.name)
        if reference is None:
            continue
        for cell in distribution.cells:
            ours = (
                None
                if cell.count is None or not distribution.total
                else round(cell.count / distribution.total, 3)
            )
            theirs = reference.get(cell.value)
            out.append(
                ComparisonRow(
                    characteristic=distribution.name,
                    category=cell.value,
                    participants_share=ours,
                    comparator_share=theirs,
                    difference=None if ours is None or theirs is None else round(ours - theirs, 3),
                )
            )
    return out


def _reference(population: ComparatorPopulation) -> ComparatorRef:
    return ComparatorRef(
        key=population.key,
        version=population.population_version,
        label=population.label,
        source=population.source,
        as_of=population.as_of,
    )
