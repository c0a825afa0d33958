"""Entry point: `uvicorn integrations_service.main:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from integrations_service.api import routers
from integrations_service.db import platform
from integrations_service.settings import Settings, get_settings
from shared.app import ServiceSpec, create_service_app

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(
    settings: Settings | None = None, *, transports: dict[str, object] | None = None
) -> FastAPI:
    settings = settings or get_settings()
    return create_service_app(
        ServiceSpec(
            name="integrations",
            title="CMDI integrations service",
            description="Signed webhooks and machine clients (OAuth 2.0 client credentials).",
            settings=settings,
            routers=routers,
            platform=platform,
            alembic_ini=ALEMBIC_INI,
            transports=dict(transports or {}),
        )
    )
