"""Migrate every service's database to head (`var/*.db`, or each `<PREFIX>_DATABASE_URL`) and load
the reference data the code ships (the assessment service's default framework templates).

This is the one step every start of the platform runs first: `make run` (scripts.run),
`make migrate` and the deployment unit's `ExecStartPre` (`--only <service>`). The defaults are
seeded here rather than when an app starts or in a data migration, because tests build their
apps and databases from the migrations directly and expect empty collections, and because a
migration is frozen history while the shipped templates are versioned documents (the seed only
adds a name and version that is missing, so a template retired since is never resurrected).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from scripts.services import ROOT, SERVICES, Service
from shared.migrations import upgrade


def database_url(service_name: str, default: str) -> str:
    return os.environ.get(f"{service_name.upper()}_DATABASE_URL", default)


def seed_defaults(service: Service, url: str) -> list[str]:
    """Load the service's shipped reference data (idempotent); what it did, one line each."""
    if service.name != "assessment":
        return []
    # Imported here: only this service's seed needs its package (and its settings).
    from assessment_service.seed_templates import seed_url

    return asyncio.run(seed_url(url))


def prepare(service: Service, url: str) -> list[str]:
    """Migrate one service's database to head, then seed its defaults."""
    upgrade(service.alembic_ini, url)
    return seed_defaults(service, url)


def migrate_all(only: str | None = None) -> None:
    (ROOT / "var").mkdir(exist_ok=True)
    for service in SERVICES:
        if only is None or service.name == only:
            url = database_url(service.name, service.default_database_url())
            for line in prepare(service, url):
                print(f"{service.name}: {line}", file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="migrate just this service (the gateway has no database)")
    migrate_all(parser.parse_args().only)
    sys.exit(0)
