"""The journals' own fixtures: `journal` (each of the three collections in turn, for what their
shared lifecycle must do alike) and `entries` (a new entry of any journal; a transition asked
for and its answer checked)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.testing import assert_problem

Json = dict[str, Any]
JOURNALS = ("outcome-journal", "strategy-journal", "performance-journal")


class Entries:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def create(
        self,
        journal: str,
        agreed: Json,
        start: str = "2026-01-01",
        end: str = "2026-03-31",
        *,
        status: int = 201,
        slug: str | None = None,
        **extra: Any,
    ) -> Json:
        """A new entry of any of the three journals on an agreed map (about its first partner,
        for the outcome journal): the draft (201), or the problem when `status` says it is
        refused."""
        anchor = (
            {"boundary_partner_id": agreed["partners"][0]["id"]}
            if journal == "outcome-journal"
            else {"outcome_map_id": agreed["id"]}
        )
        response = await self.client.post(
            f"/v1/projects/{agreed['project_id']}/{journal}",
            json={**anchor, "period_start": start, "period_end": end, **extra},
        )
        if status != 201:
            return assert_problem(response, status, slug)
        assert response.status_code == 201, response.text
        entry: Json = response.json()
        return entry

    async def move(
        self,
        journal: str,
        entry: Json,
        to: str,
        *,
        status: int = 200,
        slug: str | None = None,
        headers: dict[str, str] | None = None,
        **body: Any,
    ) -> Json:
        """`POST /{entry_id}/transitions {"to", ...}`: the entry as it now is (200, its ETag
        checked), or the problem body when `status` (and `slug`) say the move is refused."""
        url = f"/v1/projects/{entry['project_id']}/{journal}/{entry['id']}/transitions"
        response = await self.client.post(url, json={"to": to, **body}, headers=headers)
        if status != 200:
            return assert_problem(response, status, slug)
        assert response.status_code == 200, response.text
        moved: Json = response.json()
        assert response.headers["ETag"] == f'"v{moved["version"]}"'
        return moved


@pytest.fixture(params=JOURNALS)
def journal(request: pytest.FixtureRequest) -> str:
    path: str = request.param
    return path


@pytest.fixture
def entries(client: httpx.AsyncClient) -> Entries:
    return Entries(client)
