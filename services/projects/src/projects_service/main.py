"""Entry point: `uvicorn projects_service.main:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from projects_service.api import routers
from projects_service.consumers import CONSUMERS
from projects_service.db import platform
from projects_service.settings import Settings, get_settings
from shared.app import ServiceSpec, create_service_app

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(
    settings: Settings | None = None, *, transports: dict[str, object] | None = None
) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name="projects",
            title="CMDI projects service",
            description="Project registry and outcome mapping.",
            settings=settings or get_settings(),
            routers=routers,
            platform=platform,
            alembic_ini=ALEMBIC_INI,
            upstreams=("assessment", "stakeholders"),
            consumers=CONSUMERS,
            transports=dict(transports or {}),
        )
    )
