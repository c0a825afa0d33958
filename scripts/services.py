"""The services of this repository: where their code, migrations and default ports are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    app: str  # uvicorn factory path
    has_database: bool = True

    @property
    def alembic_ini(self) -> Path:
        return ROOT / "services" / self.name / "alembic.ini"

    @property
    def env_prefix(self) -> str:
        return self.name.upper() + "_"

    def default_database_url(self) -> str:
        return f"sqlite+aiosqlite:///{ROOT / 'var' / f'{self.name}.db'}"


# The services that own data: each has a database, migrations and a change feed.
SERVICES = [
    Service("projects", 8001, "projects_service.main:create_app"),
    Service("assessment", 8002, "assessment_service.main:create_app"),
    Service("stakeholders", 8003, "stakeholders_service.main:create_app"),
    # Issue #13: webhooks and machine clients; it consumes the three feeds above.
    Service("integrations", 8005, "integrations_service.main:create_app"),
]
# Reports composed from the services' APIs: no database of its own.
REPORTING = Service("reporting", 8004, "reporting_service.main:create_app", has_database=False)
GATEWAY = Service("gateway", 8000, "gateway.main:create_app", has_database=False)
