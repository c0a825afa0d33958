"""Replicas of one service sharing work: one applies a feed page, one runs a periodic job's tick.

Two mechanisms, both kept in the service's own database so no extra component is needed:

- `try_transaction_lock`: PostgreSQL's `pg_try_advisory_xact_lock`, taken as the first statement
  of a transaction and released when it ends (commit, rollback, or the connection's death, so a
  replica killed mid-page never blocks the others). A change-feed consumer takes it per page.
- `JobRuns`: a row per periodic job in the `job_run` platform table, claimed by a conditional
  UPDATE (`last_started_at` at least one interval ago), which is atomic on both databases: on
  PostgreSQL a concurrent claimer waits for the row lock and re-checks the condition against the
  winner's row; on SQLite writers are serialised by BEGIN IMMEDIATE. So N replicas ticking at
  different moments run the job once per interval, and a replica that dies mid-run holds the job
  for at most one interval.

Times come from `shared.db.utcnow()`, each replica's own clock: replicas are assumed NTP-synced,
and a skew well under the interval only shifts when a run happens, never doubles it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import uuid
from dataclasses import dataclass

from prometheus_client import Counter
from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database, utcnow

JOB_RUNS = Counter(
    "cmdi_job_runs_total",
    "Periodic job runs this replica claimed and ran, by outcome (ok, failed).",
    ["service", "job", "outcome"],
)


def advisory_key(service: str, name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name` in `service` (PostgreSQL's bigint);
    the same on every replica and every release, unlike Python's salted `hash()`."""
    digest = hashlib.blake2b(f"{service}\x00{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def try_transaction_lock(session: AsyncSession, key: int) -> bool:
    """Take `key` for the rest of this session's transaction, without waiting: False when
    another transaction (another replica) holds it.

    PostgreSQL only. On SQLite this returns True: its write transactions (BEGIN IMMEDIATE)
    already serialise every writer of the file, and one process per database is the SQLite rule.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def new_holder() -> str:
    """Who holds a claim: host, process and a per-instance suffix (two apps in one process,
    as tests run them, are two holders)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Claim:
    """The answer to one tick: whether this replica runs the job now, and when the job is due
    again (from the run this replica just claimed, or the one another replica did)."""

    job: str
    claimed: bool
    started_at: dt.datetime | None
    due_at: dt.datetime

    def seconds_until_due(self) -> float:
        return max((self.due_at - utcnow()).total_seconds(), 0.0)


class JobRuns:
    """Claims and records the runs of a service's periodic jobs in its `job_run` table."""

    def __init__(self, database: Database, table: Table, *, holder: str | None = None) -> None:
        self.database = database
        self.table = table
        self.holder = holder or new_holder()

    async def claim(self, job: str, interval_seconds: float) -> Claim:
        """Claim this interval's run of `job`, if no replica has started one within it."""
        table = self.table
        interval = dt.timedelta(seconds=interval_seconds)
        now = utcnow()
        async with self.database.sessionmaker() as session:
            await self._insert_if_missing(session, job)
            result = await session.execute(
                update(table)
                .where(
                    table.c.name == job,
                    or_(
                        table.c.last_started_at.is_(None), table.c.last_started_at <= now - interval
                    ),
                )
                .values(
                    last_started_at=now,
                    last_finished_at=None,
                    last_outcome="running",
                    holder=self.holder,
                    runs=table.c.runs + 1,
                )
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                await session.commit()
                return Claim(job=job, claimed=True, started_at=now, due_at=now + interval)
            started = await session.scalar(
                select(table.c.last_started_at).where(table.c.name == job)
            )
            await session.commit()  # the inserted row, if this was the job's first tick
        # Not claimed: some replica started a run within the interval; due when it expires.
        return Claim(job=job, claimed=False, started_at=None, due_at=(started or now) + interval)

    async def finish(self, claim: Claim, *, outcome: str) -> None:
        """Record how the claimed run ended, unless a later claim has replaced it (a run that
        outlived its interval)."""
        table = self.table
        async with self.database.sessionmaker() as session:
            await session.execute(
                update(table)
                .where(
                    table.c.name == claim.job,
                    table.c.holder == self.holder,
                    table.c.last_started_at == claim.started_at,
                )
                .values(last_finished_at=utcnow(), last_outcome=outcome)
            )
            await session.commit()

    async def _insert_if_missing(self, session: AsyncSession, job: str) -> None:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(
            insert(self.table)
            .values(name=job, runs=0)
            .on_conflict_do_nothing(index_elements=[self.table.c.name])
        )
