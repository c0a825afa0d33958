"""Migrate every service's database to head (`var/*.db`, or each `<PREFIX>_DATABASE_URL`)."""

from __future__ import annotations

import os
import sys

from scripts.services import ROOT, SERVICES
from shared.migrations import upgrade


def database_url(service_name: str, default: str) -> str:
    return os.environ.get(f"{service_name.upper()}_DATABASE_URL", default)


def migrate_all() -> None:
    (ROOT / "var").mkdir(exist_ok=True)
    for service in SERVICES:
        upgrade(service.alembic_ini, database_url(service.name, service.default_database_url()))


if __name__ == "__main__":
    migrate_all()
    sys.exit(0)
