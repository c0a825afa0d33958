"""`make lint` step: per service, one migration head, and models agree with migrations."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from scripts.services import SERVICES
from shared.migrations import alembic_config, upgrade


def main() -> int:
    failures = 0
    for service in SERVICES:
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'check.db'}"
            config = alembic_config(service.alembic_ini, url)
            heads = ScriptDirectory.from_config(config).get_heads()
            if len(heads) != 1:
                print(
                    f"{service.name}: {len(heads)} migration heads {heads}; merge them",
                    file=sys.stderr,
                )
                failures += 1
                continue
            upgrade(service.alembic_ini, url)
            try:
                command.check(config)
            except CommandError as exc:
                print(f"{service.name}: models and migrations disagree: {exc}", file=sys.stderr)
                failures += 1
                continue
            print(f"{service.name}: one head ({heads[0]}), models match migrations")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
