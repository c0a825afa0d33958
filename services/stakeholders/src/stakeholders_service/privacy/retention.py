"""Storage limitation: retention periods per record type, applied by `python -m
stakeholders_service.privacy.retention` and by a background task (see `main.py`); each run is
audited (entity `retention_run`) and also raises overdue data-subject-request events.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from shared.changes import install_change_capture, record_audit
from shared.context import actor_var
from shared.db import Database, new_id, utcnow
from stakeholders_service.equality import repository as equality
from stakeholders_service.privacy import repository, service
from stakeholders_service.privacy.schemas import RetentionRun
from stakeholders_service.stakeholders import repository as stakeholders

logger = structlog.get_logger("stakeholders.retention")
SYSTEM_ACTOR = "system:retention"


async def apply_retention(
    session: AsyncSession, *, retention_days: dict[str, int], now: dt.datetime | None = None
) -> RetentionRun:
    """Erase or delete what is past its retention period; flush, never commit."""
    now = now or utcnow()

    def cutoff(record_type: str) -> dt.datetime | None:
        days = retention_days.get(record_type)
        return None if days is None else now - dt.timedelta(days=days)

    deleted: dict[str, int] = {}
    erased = 0
    if (limit := cutoff("inactive_stakeholder")) is not None:
        for stakeholder_id in await stakeholders.inactive_ids_before(session, limit):
            stakeholder = await stakeholders.get(session, stakeholder_id)
            if stakeholder is not None:
                await service.erase_stakeholder(session, stakeholder=stakeholder, now=now)
                erased += 1
    if (limit := cutoff("equality_response")) is not None:
        deleted["equality_responses"] = await equality.delete_anonymous_before(session, limit)
    if (limit := cutoff("ended_consent")) is not None:
        ended = repository.ended_consent_ids(limit)
        # Linked equality answers rest on the consent: they go with it.
        await equality.delete_resting_on(session, ended)
        deleted["consent_records"] = await repository.delete_consents_in(session, ended)
    if (limit := cutoff("closed_data_subject_request")) is not None:
        deleted["data_subject_requests"] = await repository.delete_closed_requests_before(
            session, limit
        )
    flagged = await service.flag_overdue_requests(session, now=now)
    run = RetentionRun(
        run_id=new_id(),
        ran_at=now,
        retention_days=dict(retention_days),
        erased_stakeholders=erased,
        deleted=deleted,
        overdue_requests_flagged=flagged,
    )
    await record_audit(
        session,
        entity_type="retention_run",
        entity_id=run.run_id,
        action="retention_applied",
        changes=run.model_dump(exclude={"run_id"}),
    )
    await session.flush()
    return run


async def run_once(database: Database, *, retention_days: dict[str, int]) -> RetentionRun:
    token = actor_var.set(SYSTEM_ACTOR)
    try:
        async with database.sessionmaker() as session:
            run = await apply_retention(session, retention_days=retention_days)
            await session.commit()
            return run
    finally:
        actor_var.reset(token)


async def _main() -> int:
    from shared.platform import PLATFORM_INFO_KEY
    from stakeholders_service.db import platform
    from stakeholders_service.settings import get_settings

    install_change_capture()
    settings = get_settings()
    database = Database.connect(settings.database_url, info={PLATFORM_INFO_KEY: platform})
    try:
        run = await run_once(database, retention_days=settings.retention_days)
    finally:
        await database.dispose()
    print(run.model_dump_json(indent=2))  # noqa: T201 - the command's output
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
