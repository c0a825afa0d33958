"""Developmental evaluation tests: the suite's app, its projects upstream the kit's fake (the
`projects` fixture of the service's conftest: `GET /v1/projects/{id}` and
`GET /v1/projects?id=&team_member=`, which each test fills in), the builders of
`services.assessment.tests.builders` handed to tests as `kit`. The same contract against the real
projects app is tests/cross_service/test_evaluation_with_projects.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.assessment.tests.builders import DE, evaluation_body, ts
from shared.testing import FakeProjects, TokenFactory, api_client


def _client(name: str, role: str, sub: str) -> Any:
    """The fixture `name`: an in-process client holding a `role` token for `sub`."""

    @pytest.fixture(name=name)
    async def fixture(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
        async with api_client(app, token=tokens(role, sub=sub)) as api:
            yield api

    return fixture


evaluator = _client("evaluator", "evaluator", "eve")
reporter = _client("reporter", "reporter", "rita")
viewer = _client("viewer", "viewer", "vic")
contributor = _client("contributor", "contributor", "carl")
# A client reading the change feed as another service does.
feed = _client("feed", "service", "service:projects")


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
