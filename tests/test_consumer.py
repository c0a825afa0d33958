"""The change-feed consumer: one service applying another's events, idempotently and in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import event as sqlalchemy_event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.changes import record_audit
from shared.consumer import ChangeFeedConsumer, ConsumerError, ConsumerSpec, Event, EventHandler
from shared.db import Database
from shared.http import ServiceClient
from shared.platform import PLATFORM_INFO_KEY, platform_of
from shared.testing import TokenFactory, api_client, backend, project_body


async def audit_applied(session: AsyncSession, event: Event) -> str:
    """A handler with a visible effect in the consumer's own database."""
    await record_audit(
        session,
        entity_type="seen_project",
        entity_id=event["entity_id"],
        action=event["type"],
        changes={},
    )
    return "recorded"


def make_consumer(
    producer: FastAPI,
    consumer: FastAPI,
    tokens: TokenFactory,
    *,
    batch_size: int = 2,
    **handlers: EventHandler,
) -> ChangeFeedConsumer:
    client = ServiceClient(
        "projects",
        "http://projects",
        token_provider=lambda: tokens("service", sub="service:assessment"),
        transport=httpx.ASGITransport(app=producer),
    )
    return ChangeFeedConsumer(
        spec=ConsumerSpec(
            producer="projects", handlers={"project.created": audit_applied, **handlers}
        ),
        client=client,
        database=consumer.state.database,
        batch_size=batch_size,
    )


async def applied_ids(consumer_app: FastAPI) -> list[str]:
    async with consumer_app.state.database.sessionmaker() as session:
        audit = platform_of(session).audit
        rows = await session.execute(
            select(audit.c.entity_id).where(audit.c.entity_type == "seen_project")
        )
        return [row[0] for row in rows]


@contextmanager
def counting_commits(engine: AsyncEngine) -> Iterator[list[object]]:
    """Every COMMIT on the consumer's writing engine while the block runs."""
    commits: list[object] = []

    def on_commit(connection: Any) -> None:
        commits.append(connection)

    sqlalchemy_event.listen(engine.sync_engine, "commit", on_commit)
    try:
        yield commits
    finally:
        sqlalchemy_event.remove(engine.sync_engine, "commit", on_commit)


async def cursor_row(consumer_app: FastAPI) -> int | None:
    async with consumer_app.state.database.sessionmaker() as session:
        table = platform_of(session).consumer_cursor
        value = await session.scalar(select(table.c.position).where(table.c.producer == "projects"))
        return None if value is None else int(value)


async def feed_positions(producer_app: FastAPI, tokens: TokenFactory) -> list[int]:
    """The producer's project.created positions, in feed order."""
    async with api_client(producer_app, token=tokens("service", sub="service:assessment")) as c:
        response = await c.get("/v1/events", params={"type": "project.created", "limit": 100})
        return [int(item["position"]) for item in response.json()["items"]]


@pytest.fixture(autouse=True)
async def _clean(projects_app: FastAPI, assessment_app: FastAPI) -> object:
    from assessment_service.db import Base as AssessmentBase
    from projects_service.db import Base as ProjectsBase
    from shared.testing import reset_database

    async def reset() -> None:
        await reset_database(projects_app.state.database, ProjectsBase.metadata)
        await reset_database(assessment_app.state.database, AssessmentBase.metadata)

    # Before as well as after: other suites share these session apps and may leave rows behind.
    await reset()
    yield None
    await reset()


async def create_projects(app: FastAPI, tokens: TokenFactory, count: int) -> list[str]:
    ids = []
    async with api_client(app, token=tokens("governance")) as client:
        for i in range(count):
            response = await client.post(
                "/v1/projects",
                json=project_body(title=f"Project {i}"),
            )
            ids.append(response.json()["id"])
            await client.patch(f"/v1/projects/{ids[-1]}", json={"summary": "touched"})
    return ids


async def test_stepping_twice_applies_each_event_once(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:
    ids = await create_projects(projects_app, tokens, 3)
    consumer = make_consumer(projects_app, assessment_app, tokens)
    assert await consumer.step() == 3
    assert await consumer.step() == 0
    assert await applied_ids(assessment_app) == ids
    # The feed was filtered to handled types, yet the cursor moved past the updates too.
    assert await consumer.position() == 6


async def test_redelivered_event_is_skipped(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:
    await create_projects(projects_app, tokens, 2)
    consumer = make_consumer(projects_app, assessment_app, tokens)
    await consumer.step()
    # Simulate a lost cursor update (crash after commit of the event, before the cursor moved).
    async with assessment_app.state.database.sessionmaker() as session:
        table = platform_of(session).consumer_cursor
        await session.execute(table.update().values(position=0))
        await session.commit()
    assert await consumer.step() == 0
    assert len(await applied_ids(assessment_app)) == 2


async def test_failing_handler_stops_in_order_and_retries(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:
    ids = await create_projects(projects_app, tokens, 3)
    failures = {"left": 1}

    async def flaky(session: AsyncSession, event: Event) -> str:
        if event["entity_id"] == ids[1] and failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("downstream hiccup")
        return await audit_applied(session, event)

    handlers: dict[str, EventHandler] = {"project.created": flaky}
    consumer = make_consumer(projects_app, assessment_app, tokens, batch_size=2, **handlers)
    with pytest.raises(RuntimeError):
        await consumer.step()
    assert await applied_ids(assessment_app) == ids[:1]  # nothing after the failure was applied
    assert await consumer.step() == 2
    assert await applied_ids(assessment_app) == ids


async def test_unreachable_or_refusing_producer_raises(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:
    consumer = make_consumer(projects_app, assessment_app, tokens)
    consumer.client.token_provider = lambda: tokens("viewer")
    with pytest.raises(ConsumerError):
        await consumer.step()


async def test_background_loop_applies_new_events_and_stops(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:

    consumer = make_consumer(projects_app, assessment_app, tokens)
    consumer.poll_seconds = 0.05
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    ids = await create_projects(projects_app, tokens, 2)
    async with asyncio.timeout(5):
        while len(await applied_ids(assessment_app)) < 2:
            await asyncio.sleep(0.05)
    stop.set()
    async with asyncio.timeout(2):
        await task
    assert await applied_ids(assessment_app) == ids


async def test_a_page_is_applied_in_one_commit_and_an_idle_poll_writes_nothing(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:
    ids = await create_projects(projects_app, tokens, 4)
    consumer = make_consumer(projects_app, assessment_app, tokens, batch_size=100)
    engine = assessment_app.state.database.engine
    with counting_commits(engine) as commits:
        assert await consumer.step() == 4
    assert len(commits) == 1  # handlers, consumed rows and cursor: one transaction
    assert await applied_ids(assessment_app) == ids  # in feed order
    assert await cursor_row(assessment_app) == 8
    # Nothing new: the cursor is read with the read session, and nothing is written.
    with counting_commits(engine) as commits:
        assert await consumer.step() == 0
    assert commits == []


async def test_pages_commit_once_each(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:
    ids = await create_projects(projects_app, tokens, 5)
    consumer = make_consumer(projects_app, assessment_app, tokens, batch_size=2)
    with counting_commits(assessment_app.state.database.engine) as commits:
        assert await consumer.step() == 5
    assert len(commits) == 3  # pages of 2, 2 and 1
    assert await applied_ids(assessment_app) == ids


async def test_failure_mid_page_keeps_the_events_before_it_and_retries_the_failing_one(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:
    ids = await create_projects(projects_app, tokens, 4)
    positions = await feed_positions(projects_app, tokens)
    failures = {"left": 1}
    calls: list[str] = []

    async def flaky(session: AsyncSession, event: Event) -> str:
        calls.append(event["entity_id"])
        if event["entity_id"] == ids[2] and failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("downstream hiccup")
        return await audit_applied(session, event)

    consumer = make_consumer(
        projects_app, assessment_app, tokens, batch_size=100, **{"project.created": flaky}
    )
    with pytest.raises(RuntimeError, match="downstream hiccup"):
        await consumer.step()
    # The page was rolled back, the two before the failure applied again and kept.
    assert await applied_ids(assessment_app) == ids[:2]
    assert await cursor_row(assessment_app) == positions[1]
    assert calls == [ids[0], ids[1], ids[2], ids[0], ids[1]]
    calls.clear()
    assert await consumer.step() == 2
    assert calls == ids[2:]  # the kept ones are not applied again
    assert await applied_ids(assessment_app) == ids


async def test_failure_on_the_first_event_of_a_page_applies_nothing(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:
    await create_projects(projects_app, tokens, 2)

    async def broken(session: AsyncSession, event: Event) -> str:
        raise RuntimeError("always")

    consumer = make_consumer(
        projects_app, assessment_app, tokens, batch_size=100, **{"project.created": broken}
    )
    with pytest.raises(RuntimeError, match="always"):
        await consumer.step()
    assert await applied_ids(assessment_app) == []
    assert await cursor_row(assessment_app) is None


async def test_redelivered_events_in_a_page_are_skipped_and_new_ones_applied(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:
    ids = await create_projects(projects_app, tokens, 2)
    consumer = make_consumer(projects_app, assessment_app, tokens, batch_size=100)
    assert await consumer.step() == 2
    async with assessment_app.state.database.sessionmaker() as session:
        table = platform_of(session).consumer_cursor
        await session.execute(table.update().values(position=0))  # a lost cursor update
        await session.commit()
    ids += await create_projects(projects_app, tokens, 1)
    with counting_commits(assessment_app.state.database.engine) as commits:
        assert await consumer.step() == 1  # the two redelivered ones skipped in the same page
    assert len(commits) == 1
    assert await applied_ids(assessment_app) == ids
    assert await cursor_row(assessment_app) == 6


# Replicas: two processes' worth of consumers (each its own Database, engine and pool) on the
# same consuming database, reading the same producer's feed.


@asynccontextmanager
async def replica_database(consumer_app: FastAPI) -> AsyncIterator[Database]:
    """A second process's connection to the consumer's database: its own engine and pool."""
    database = Database.connect(
        consumer_app.state.settings.database_url,
        info={PLATFORM_INFO_KEY: consumer_app.state.platform},
        pool_size=2,
    )
    try:
        yield database
    finally:
        await database.dispose()


def replica_consumer(
    producer: FastAPI, database: Database, tokens: TokenFactory, handler: EventHandler
) -> ChangeFeedConsumer:
    client = ServiceClient(
        "projects",
        "http://projects",
        token_provider=lambda: tokens("service", sub="service:assessment"),
        transport=httpx.ASGITransport(app=producer),
    )
    return ChangeFeedConsumer(
        spec=ConsumerSpec(producer="projects", handlers={"project.created": handler}),
        client=client,
        database=database,
        batch_size=3,
        poll_seconds=0.01,
    )


def counting_handler(calls: list[str]) -> EventHandler:
    async def handler(session: AsyncSession, event: Event) -> str:
        calls.append(event["entity_id"])
        # Hold the page transaction open across a few event-loop turns, so the two replicas'
        # page transactions really overlap (without the lock both would apply the page).
        await asyncio.sleep(0.005)
        return await audit_applied(session, event)

    return handler


def skipped_rounds(service: str) -> float:
    value = REGISTRY.get_sample_value(
        "cmdi_consumer_rounds_skipped_total", {"service": service, "producer": "projects"}
    )
    return value or 0.0


def failures_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def test_two_replicas_stepping_concurrently_apply_each_event_once(
    projects_app: FastAPI,
    assessment_app: FastAPI,
    tokens: TokenFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids = await create_projects(projects_app, tokens, 12)
    calls: list[str] = []
    skipped_before = skipped_rounds("assessment")
    async with (
        replica_database(assessment_app) as first,
        replica_database(assessment_app) as second,
    ):
        replicas = [
            replica_consumer(projects_app, database, tokens, counting_handler(calls))
            for database in (first, second)
        ]
        with caplog.at_level(logging.WARNING):
            async with asyncio.timeout(30):
                while await cursor_row(assessment_app) != 24:
                    await asyncio.gather(*(replica.step() for replica in replicas))
    assert sorted(calls) == sorted(ids)  # each handler call exactly once, none twice
    assert calls == ids  # and in feed order, whichever replica applied a page
    assert await applied_ids(assessment_app) == ids
    assert failures_logged(caplog) == []
    if backend() == "postgresql":
        # The lock did the work: a replica found the feed taken and stood by.
        assert skipped_rounds("assessment") > skipped_before


async def test_two_replicas_polling_in_the_background_apply_each_event_once(
    projects_app: FastAPI,
    assessment_app: FastAPI,
    tokens: TokenFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []
    stop = asyncio.Event()
    async with (
        replica_database(assessment_app) as first,
        replica_database(assessment_app) as second,
    ):
        replicas = [
            replica_consumer(projects_app, database, tokens, counting_handler(calls))
            for database in (first, second)
        ]
        with caplog.at_level(logging.WARNING):
            tasks = [asyncio.create_task(replica.run(stop)) for replica in replicas]
            ids = await create_projects(projects_app, tokens, 8)  # while both poll
            async with asyncio.timeout(30):
                while await cursor_row(assessment_app) != 16:
                    await asyncio.sleep(0.02)
            stop.set()
            async with asyncio.timeout(5):
                await asyncio.gather(*tasks)
    assert sorted(calls) == sorted(ids)
    assert await applied_ids(assessment_app) == ids
    assert failures_logged(caplog) == []  # no unique-key violations, no backoff


async def backend_pid(session: AsyncSession) -> int:
    return int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)


async def test_a_replica_that_dies_mid_page_does_not_block_the_other(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:
    if backend() != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; on SQLite one process owns the database")
    ids = await create_projects(projects_app, tokens, 4)
    entered = asyncio.Event()
    pids: list[int] = []

    async def hangs(session: AsyncSession, event: Event) -> str:
        pids.append(await backend_pid(session))
        entered.set()
        await asyncio.Event().wait()  # the process stops here, holding the page's lock
        return "never"

    calls: list[str] = []
    async with (
        replica_database(assessment_app) as dying_db,
        replica_database(assessment_app) as survivor_db,
    ):
        dying = replica_consumer(projects_app, dying_db, tokens, hangs)
        survivor = replica_consumer(projects_app, survivor_db, tokens, counting_handler(calls))
        task = asyncio.create_task(dying.step())
        async with asyncio.timeout(10):
            await entered.wait()
        assert await survivor.step() == 0  # the feed is taken: stand by
        assert calls == []
        # The process dies: the server sees its connection go, as after a SIGKILL.
        async with survivor_db.engine.connect() as admin:
            killed = await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pids[0]})
        assert killed is True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        async with asyncio.timeout(10):
            assert await survivor.step() == 4
    assert calls == ids
    assert await applied_ids(assessment_app) == ids
    assert await cursor_row(assessment_app) == 8


def consumer_metric(name: str, consumer: ChangeFeedConsumer) -> float:
    value = REGISTRY.get_sample_value(
        name, {"service": consumer.service, "producer": consumer.producer}
    )
    return value or 0.0


async def test_a_stuck_consumer_shows_in_its_metrics(
    projects_app: FastAPI, assessment_app: FastAPI, tokens: TokenFactory
) -> None:
    """The lag gauge moves only on a successful poll: a consumer refused by its producer (an
    expired service token) must still show, as failures and an old last success."""
    consumer = make_consumer(projects_app, assessment_app, tokens)
    consumer.poll_seconds = 0.01
    consumer.max_backoff_seconds = 0.02
    consumer.client.token_provider = lambda: tokens("viewer")  # refused: 403
    failures_before = consumer_metric("cmdi_consumer_failures_total", consumer)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    async with asyncio.timeout(5):
        while consumer_metric("cmdi_consumer_failures_total", consumer) < failures_before + 2:
            await asyncio.sleep(0.01)
    stuck_since = consumer_metric("cmdi_consumer_last_success_timestamp_seconds", consumer)
    consumer.client.token_provider = lambda: tokens("service", sub="service:assessment")
    async with asyncio.timeout(5):
        while consumer_metric("cmdi_consumer_last_success_timestamp_seconds", consumer) <= max(
            stuck_since, 1.0
        ):
            await asyncio.sleep(0.01)
    stop.set()
    async with asyncio.timeout(2):
        await task
    assert (
        consumer_metric("cmdi_consumer_last_success_timestamp_seconds", consumer) > time.time() - 5
    )
