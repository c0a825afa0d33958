"""Load the shipped templates (CMDI IIAF, NASSS complexity) and activate them:
`python -m assessment_service.seed_templates` (uses ASSESSMENT_DATABASE_URL, migrated). The
migration step every start runs (`scripts.migrate`: `make run`, `make migrate`, the deployment
unit) calls `seed_url` after migrating, so a fresh platform has them active.

Idempotent: a name and version that exists already is left as it is, so a template that
governance staff have since retired or superseded is never resurrected.
"""

from __future__ import annotations

import asyncio
import sys

from assessment_service.db import platform
from assessment_service.frameworks import service
from assessment_service.frameworks.defaults import DEFAULT_TEMPLATES
from assessment_service.frameworks.models import FrameworkStatus
from assessment_service.frameworks.schemas import FrameworkDocument
from assessment_service.settings import get_settings
from shared.auth import Principal
from shared.changes import install_change_capture
from shared.context import actor_var
from shared.db import Database
from shared.platform import PLATFORM_INFO_KEY

SEED_ACTOR = "system:seed-templates"


async def seed(database: Database) -> list[str]:
    """Create and activate each missing default template; returns what it did, per template."""
    install_change_capture()
    actor_var.set(SEED_ACTOR)  # audit entries name the command, not a person
    actor = Principal(subject=SEED_ACTOR, roles=frozenset({"governance"}))
    report = []
    async with database.sessionmaker() as session:
        for raw in DEFAULT_TEMPLATES:
            document = FrameworkDocument.model_validate(raw)
            found = await service.find_version(session, document.name, document.semver)
            if found is not None:
                report.append(f"{document.name} {document.semver}: already there ({found.status})")
                continue
            framework = await service.create_framework(session, data=document, actor=actor)
            await service.transition_framework(session, framework, to=FrameworkStatus.active)
            report.append(f"{document.name} {document.semver}: created and activated")
        await session.commit()
    return report


async def seed_url(database_url: str) -> list[str]:
    """`seed` on the (migrated) database at `database_url`, connected for this call only."""
    database = Database.connect(database_url, info={PLATFORM_INFO_KEY: platform})
    try:
        return await seed(database)
    finally:
        await database.dispose()


async def main() -> int:
    for line in await seed_url(get_settings().database_url):
        print(line)  # noqa: T201 - a command's report
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
