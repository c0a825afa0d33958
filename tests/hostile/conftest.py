"""The hostile-input corpus's platform, its own for the session (the corpus loads data, which
the other cross-service suites must not see): the three services on freshly migrated databases
and the gateway, each served by uvicorn inside the test loop on an ephemeral 127.0.0.1 port and
wired to the others (the gateway's aiohttp proxy and the services' reference checks need TCP),
with the demo dataset loaded through the gateway so path parameters can name real records.
Everything is stopped and dropped at the end of the session."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import assessment_service.main
import projects_service.main
import stakeholders_service.main
from assessment_service.settings import Settings as AssessmentSettings
from gateway.main import create_app as gateway_app
from gateway.settings import Settings as GatewaySettings
from projects_service.settings import Settings as ProjectsSettings
from scripts.schemathesis_gate import ids_by_parameter
from shared.testing import TokenFactory, api_client, bound_socket, serving, test_database, url_of
from stakeholders_service.settings import Settings as StakeholdersSettings

SERVER_START_SECONDS = 10.0
SEED_SECONDS = 120.0
FACTORIES: dict[str, tuple[Any, Any]] = {
    "projects": (projects_service.main, ProjectsSettings),
    "assessment": (assessment_service.main, AssessmentSettings),
    "stakeholders": (stakeholders_service.main, StakeholdersSettings),
}


@dataclass
class Platform:
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]  # in-process, admin token
    gateway: httpx.AsyncClient  # in-process gateway, admin token, services over TCP
    ids: dict[str, str]  # path parameter name -> a record of the demo dataset


def _seed(gateway_url: str) -> dict[str, str]:
    from scripts import demo

    # The core steps: the portfolio's gate histories need the change-feed consumers, which
    # these in-loop servers do not run (no lifespan).
    loaded = demo.run(gateway_url, demo.CORE_STEPS)
    return {name: values[0] for name, values in ids_by_parameter(loaded.ids).items()}


@pytest.fixture(scope="session")
async def hostile_platform(tokens: TokenFactory) -> AsyncIterator[Platform]:
    sockets = {name: bound_socket() for name in (*FACTORIES, "gateway")}
    urls = {name: url_of(sock) for name, sock in sockets.items()}
    token = tokens("admin", sub="hostile-admin")
    async with contextlib.AsyncExitStack() as stack:
        apps: dict[str, FastAPI] = {}
        for name, (module, settings) in FACTORIES.items():
            database = await stack.enter_async_context(test_database(name, module.ALEMBIC_INI))
            apps[name] = module.create_app(
                settings(
                    database_url=database,
                    log_json=False,
                    log_level="WARNING",
                    service_urls={n: u for n, u in urls.items() if n in FACTORIES and n != name},
                )
            )
            stack.push_async_callback(apps[name].state.database.dispose)
            for client in apps[name].state.clients.values():
                stack.push_async_callback(client.aclose)
        gateway = gateway_app(
            GatewaySettings(
                service_urls={n: u for n, u in urls.items() if n in FACTORIES},
                log_json=False,
                log_level="WARNING",
            )
        )
        stack.push_async_callback(gateway.state.upstreams.aclose)
        for name, sock in sockets.items():
            # No lifespan: no change-feed consumers (nothing here waits for one); databases and
            # clients are closed by the fixture.
            await stack.enter_async_context(
                serving(
                    apps.get(name, gateway),
                    sock,
                    lifespan="off",
                    start_seconds=SERVER_START_SECONDS,
                )
            )
        async with asyncio.timeout(SEED_SECONDS):
            ids = await asyncio.to_thread(_seed, urls["gateway"])
        clients = {name: api_client(app, token=token) for name, app in apps.items()}
        for client in clients.values():
            stack.push_async_callback(client.aclose)
        gateway_client = api_client(gateway, token=token)
        stack.push_async_callback(gateway_client.aclose)
        yield Platform(apps, clients, gateway_client, ids)


@pytest.fixture(scope="session")
def admin_clients(hostile_platform: Platform) -> dict[str, httpx.AsyncClient]:
    return hostile_platform.clients


@pytest.fixture(scope="session")
def gateway_client(hostile_platform: Platform) -> httpx.AsyncClient:
    return hostile_platform.gateway


@pytest.fixture(scope="session")
def seeded_ids(hostile_platform: Platform) -> dict[str, str]:
    return hostile_platform.ids
