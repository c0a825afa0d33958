"""The reporting suite: the service in-process, its three upstreams played by the kit's
`shared.testing.reads` fakes, each checked against its upstream's OpenAPI as the upstream's app
publishes it now (its live document: the committed snapshots are regenerated only at release),
and failing a test that strays from it.

Fixtures: `app`; `upstreams` (the three fakes, emptied after each test); `reports(role, sub)`,
an in-process client of the reporting service for a caller. `services.reporting.tests.upstreams`
fills the fakes with a small, consistent portfolio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack

import httpx
import pytest
from fastapi import FastAPI

from reporting_service.main import create_app
from reporting_service.settings import Settings
from services.reporting.tests.upstreams import Upstreams, live_contracts
from shared.testing import TokenFactory, api_client
from shared.testing.reads import FakeAssessmentReads, FakeProjectReads, FakeStakeholderReads

CONTRACTS = live_contracts()
UPSTREAMS = Upstreams(
    projects=FakeProjectReads(CONTRACTS["projects"]),
    assessment=FakeAssessmentReads(CONTRACTS["assessment"]),
    stakeholders=FakeStakeholderReads(CONTRACTS["stakeholders"]),
)


@pytest.fixture(scope="session")
async def app() -> AsyncIterator[FastAPI]:
    application = create_app(
        Settings(log_json=False, log_level="WARNING"), transports=UPSTREAMS.transports()
    )
    yield application
    for client in application.state.clients.values():
        await client.aclose()


@pytest.fixture
def upstreams() -> Iterator[Upstreams]:
    yield UPSTREAMS
    try:
        for fake in UPSTREAMS.fakes():
            fake.verify()
    finally:
        UPSTREAMS.reset()


@pytest.fixture
async def reports(
    app: FastAPI, tokens: TokenFactory, upstreams: Upstreams
) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """`reports("governance", sub="gov-1")`: a client of the reporting service for that caller."""
    async with AsyncExitStack() as stack:

        def client(*roles: str, sub: str = "gov-1") -> httpx.AsyncClient:
            made = api_client(app, token=tokens(*(roles or ("governance",)), sub=sub))
            stack.push_async_callback(made.aclose)
            return made

        yield client
