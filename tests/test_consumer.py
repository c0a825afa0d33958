"""The change-feed consumer: one service applying another's events, idempotently and in order."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event as sqlalchemy_event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.changes import record_audit
from shared.consumer import ChangeFeedConsumer, ConsumerError, ConsumerSpec, Event, EventHandler
from shared.http import ServiceClient
from shared.platform import platform_of
from shared.testing import TokenFactory, api_client, project_body


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
    import asyncio

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
