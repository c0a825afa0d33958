"""Back up and restore a service's PostgreSQL database with `pg_dump` / `pg_restore`.

Each service owns one database, so a backup is one custom-format dump per service. This is an
operator's tool: nothing in the platform imports it at run time. It runs exactly the commands
deploy/README.md shows, so an operator may equally type them by hand:

    pg_dump --format=custom --no-password --file=projects.dump --dbname=postgresql://…/projects
    createdb --owner=projects projects_restored          # a fresh, empty database
    pg_restore --no-owner --role=projects --exit-on-error --single-transaction \\
        --no-password --dbname=postgresql://…/projects_restored projects.dump
    vacuumdb --analyze-only --no-password --dbname=postgresql://…/projects_restored

    python -m scripts.backup dump [SERVICE ...] [--output-dir DIR] [--database-url URL]
    python -m scripts.backup restore FILE --database-url URL [--role ROLE]

URLs default to each service's own `<PREFIX>DATABASE_URL` (the SQLAlchemy form,
`postgresql+psycopg://…`, is accepted). The password never appears on a command line (where `ps`
shows it): it goes to the child in `PGPASSWORD`. The client tools must be at least the server's
major version (`pg_dump` refuses a newer server).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from scripts.services import ROOT, SERVICES

DATA_SERVICES = {service.name: service for service in SERVICES}


class BackupError(RuntimeError):
    """A backup or restore could not be done (bad URL, a tool failed)."""


@dataclass(frozen=True)
class Target:
    """One database as the libpq tools take it: a URL without its password, and the password
    for `PGPASSWORD` (None when the URL has none: trust, peer, `.pgpass` or a client cert)."""

    dsn: str
    password: str | None

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env


def target(database_url: str) -> Target:
    """The libpq form of a service's database URL; SQLite is refused with what to do instead."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise BackupError(
            f"not a PostgreSQL URL ({url.get_backend_name()}): back a SQLite file up with "
            "sqlite3 FILE \".backup 'COPY'\" while the service is stopped"
        )
    if not url.database:
        raise BackupError("the database URL names no database")
    # Built afresh: `URL.set(password=None)` would keep the password (None means "unchanged").
    libpq = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return Target(dsn=libpq.render_as_string(hide_password=False), password=url.password)


def service_database_url(service: str) -> str:
    """The URL the service itself is configured with (`<PREFIX>DATABASE_URL`)."""
    name = f"{DATA_SERVICES[service].env_prefix}DATABASE_URL"
    value = os.environ.get(name)
    if not value:
        raise BackupError(f"{name} is not set: give --database-url")
    return value


def _run(command: Sequence[str], where: Target) -> None:
    # The DSN is in `command` without its password, so the message below is safe to print.
    finished = subprocess.run(
        command, env=where.environment(), capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        raise BackupError(
            f"{command[0]} failed with exit code {finished.returncode}: {finished.stderr.strip()}"
        )


def dump(database_url: str, output: Path) -> Path:
    """`pg_dump --format=custom` of one database into `output` (compressed; restorable table by
    table, in parallel or into another PostgreSQL major version with `pg_restore`)."""
    where = target(database_url)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-password",
            f"--file={partial}",
            f"--dbname={where.dsn}",
        ],
        where,
    )
    # Renamed only when complete, so a dump interrupted half-way never looks like a backup.
    partial.replace(output)
    return output


def restore(dump_file: Path, database_url: str, *, role: str | None = None) -> None:
    """Restore `dump_file` into an existing, empty database, then refresh its planner statistics.

    `--no-owner`: the objects belong to whoever restores (or `role`, through `SET ROLE`), not to
    the role that owned them where the dump was taken, which need not exist here. One transaction
    and `--exit-on-error`: a failed restore leaves the database empty, never half-restored.
    `pg_restore` does not carry statistics over, hence the `ANALYZE` (vacuumdb) before serving.
    """
    if not dump_file.is_file():
        raise BackupError(f"no dump at {dump_file}")
    where = target(database_url)
    command = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"]
    if role is not None:
        command.append(f"--role={role}")
    command += ["--no-password", f"--dbname={where.dsn}", str(dump_file)]
    _run(command, where)
    _run(["vacuumdb", "--analyze-only", "--no-password", f"--dbname={where.dsn}"], where)


def dump_services(
    services: Sequence[str], output_dir: Path, database_url: str | None = None
) -> list[Path]:
    """One dump per service, named `<service>-<UTC time>.dump`, from its configured URL."""
    if database_url is not None and len(services) != 1:
        raise BackupError("--database-url needs exactly one service")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    written = []
    for service in services:
        url = database_url or service_database_url(service)
        written.append(dump(url, output_dir / f"{service}-{stamp}.dump"))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="pg_dump each service's database")
    dumping.add_argument("services", nargs="*", choices=sorted(DATA_SERVICES), metavar="SERVICE")
    dumping.add_argument("--output-dir", type=Path, default=ROOT / "var" / "backups")
    dumping.add_argument("--database-url", help="instead of <PREFIX>DATABASE_URL (one service)")
    restoring = commands.add_parser("restore", help="pg_restore a dump into an empty database")
    restoring.add_argument("dump_file", type=Path)
    restoring.add_argument("--database-url", required=True, help="the fresh, empty database")
    restoring.add_argument("--role", help="own the restored objects as this role (SET ROLE)")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "dump":
            chosen = arguments.services or sorted(DATA_SERVICES)
            for path in dump_services(chosen, arguments.output_dir, arguments.database_url):
                print(path)
        else:
            restore(arguments.dump_file, arguments.database_url, role=arguments.role)
            print(f"restored {arguments.dump_file}", file=sys.stderr)
    except BackupError as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
