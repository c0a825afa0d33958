"""Migrate every service's database to head (`var/*.db`, or each `<PREFIX>_DATABASE_URL`)."""

from __future__ import annotations

import argparse
import os
import sys

from scripts.services import ROOT, SERVICES
from shared.migrations import upgrade


def database_url(service_name: str, default: str) -> str:
    return os.environ.get(f"{service_name.upper()}_DATABASE_URL", default)


def migrate_all(only: str | None = None) -> None:
    (ROOT / "var").mkdir(exist_ok=True)
    for service in SERVICES:
        if only is None or service.name == only:
            upgrade(service.alembic_ini, database_url(service.name, service.default_database_url()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="migrate just this service (the gateway has no database)")
    migrate_all(parser.parse_args().only)
    sys.exit(0)
