"""Entry point: `uvicorn stakeholders_service.main:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from stakeholders_service.api import routers
from stakeholders_service.db import platform
from stakeholders_service.settings import Settings, get_settings
from shared.app import ServiceSpec, create_service_app

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(settings: Settings | None = None, *, transports: dict[str, object] | None = None) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name="stakeholders",
            title="CMDI stakeholders service",
            description="Stakeholder engagement, public involvement and personal data (UK GDPR).",
            settings=settings or get_settings(),
            routers=routers,
            platform=platform,
            alembic_ini=ALEMBIC_INI,
            transports=dict(transports or {}),
        )
    )
