"""Entry point: `uvicorn assessment_service.main:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from assessment_service.api import routers
from assessment_service.db import platform
from assessment_service.settings import Settings, get_settings
from shared.app import ServiceSpec, create_service_app

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(
    settings: Settings | None = None, *, transports: dict[str, object] | None = None
) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name="assessment",
            title="CMDI assessment service",
            description=(
                "Innovation Impact Assessment Framework, governance decisions "
                "and developmental evaluation."
            ),
            settings=settings or get_settings(),
            routers=routers,
            platform=platform,
            alembic_ini=ALEMBIC_INI,
            upstreams=("projects", "stakeholders"),
            transports=dict(transports or {}),
        )
    )
