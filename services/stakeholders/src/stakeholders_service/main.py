"""Entry point: `uvicorn stakeholders_service.main:create_app --factory`."""

from pathlib import Path

import structlog
from fastapi import FastAPI

from shared.app import PeriodicJob, ServiceSpec, create_service_app
from stakeholders_service.api import routers
from stakeholders_service.consumers import CONSUMERS
from stakeholders_service.db import platform
from stakeholders_service.privacy.retention import run_once
from stakeholders_service.settings import Settings, get_settings

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
logger = structlog.get_logger("stakeholders_service.retention")


def create_app(
    settings: Settings | None = None, *, transports: dict[str, object] | None = None
) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        ServiceSpec(
            name="stakeholders",
            title="CMDI stakeholders service",
            description="Stakeholder engagement, public involvement and personal data (UK GDPR).",
            settings=settings,
            routers=routers,
            platform=platform,
            alembic_ini=ALEMBIC_INI,
            upstreams=("projects",),
            consumers=CONSUMERS,
            jobs=[retention_job(settings)] if settings.retention_enabled else [],
            transports=dict(transports or {}),
        )
    )
    return app


def retention_job(settings: Settings) -> PeriodicJob:
    """Storage limitation: apply the retention periods on a schedule for the app's lifetime."""

    async def apply(app: FastAPI) -> None:
        run = await run_once(app.state.database, retention_days=settings.retention_days)
        logger.info("retention_applied", run_id=str(run.run_id), erased=run.erased_stakeholders)

    return PeriodicJob("retention", settings.retention_interval_seconds, apply)
