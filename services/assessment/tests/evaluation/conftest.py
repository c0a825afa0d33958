"""Developmental evaluation tests: the suite's app, its projects upstream the kit's fake (the
`projects` fixture of the service's conftest: `GET /v1/projects/{id}` and
`GET /v1/projects?id=&team_member=`, which each test fills in), the builders of
`services.assessment.tests.builders` handed to tests as `kit`. The same contract against the real
projects app is tests/cross_service/test_evaluation_with_projects.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from services.assessment.tests.builders import DE, evaluation_body, ts
from shared.testing import FakeProjects, TokenFactory, api_client


@pytest.fixture
async def evaluator(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, token=tokens("evaluator", sub="eve")) as api:
        yield api


@pytest.fixture
async def reporter(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, token=tokens("reporter", sub="rita")) as api:
        yield api


@pytest.fixture
async def viewer(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, token=tokens("viewer", sub="vic")) as api:
        yield api


@pytest.fixture
async def contributor(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, token=tokens("contributor", sub="carl")) as api:
        yield api


@pytest.fixture
async def feed(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    """A client reading the change feed as another service does."""
    async with api_client(app, token=tokens("service", sub="service:projects")) as api:
        yield api


@pytest.fixture
async def de(evaluator: httpx.AsyncClient, projects: FakeProjects) -> DE:
    return await DE.start(evaluator, projects)


class Kit:
    """The evaluation builders, handed to tests as a fixture."""

    DE = DE
    ts = staticmethod(ts)
    evaluation_body = staticmethod(evaluation_body)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
