"""The change-feed consumer: one service applying another's events, idempotently and in order."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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
    producer: FastAPI, consumer: FastAPI, tokens: TokenFactory, **handlers: EventHandler
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
        batch_size=2,
    )


async def applied_ids(consumer_app: FastAPI) -> list[str]:
    async with consumer_app.state.database.sessionmaker() as session:
        audit = platform_of(session).audit
        rows = await session.execute(
            select(audit.c.entity_id).where(audit.c.entity_type == "seen_project")
        )
        return [row[0] for row in rows]


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

    consumer = make_consumer(projects_app, assessment_app, tokens, **{"project.created": flaky})
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
