"""Organisations' lean read path (Core rows straight into the read model): a GET and a page
answer exactly what a write returned, with ETags, 304s, 404s, filters, sorts and cursors."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared.testing import assert_problem


async def _create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/organisations", json={"type": "nhs_trust", **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class TestGetOrganisation:
    async def test_answers_what_the_write_returned_with_its_etag(
        self, client: httpx.AsyncClient
    ) -> None:
        parent = await _create(client, name="Leeds ICB", type="integrated_care_board")
        created = await _create(
            client,
            name="Leeds Teaching Hospitals",
            ods_code="RR8",
            parent_id=parent["id"],
            website="https://www.leedsth.nhs.uk/",
        )
        response = await client.get(f"/v1/organisations/{created['id']}")
        assert response.status_code == 200
        assert response.json() == created
        assert created["ods_code"] == "RR8"
        assert created["parent_id"] == parent["id"]
        assert created["created_at"].endswith("Z")
        assert response.headers["etag"] == '"v1"'
        # The suite's cleanup deletes the table in one statement, which SQLite refuses while a
        # row references another: unlink the child first.
        unlinked = await client.patch(
            f"/v1/organisations/{created['id']}",
            json={"parent_id": None},
            headers={"content-type": "application/merge-patch+json"},
        )
        assert unlinked.status_code == 200

    async def test_a_patch_is_seen_by_the_next_get(self, client: httpx.AsyncClient) -> None:
        created = await _create(client, name="Old name")
        patched = await client.patch(
            f"/v1/organisations/{created['id']}",
            json={"name": "New name"},
            headers={"content-type": "application/merge-patch+json", "if-match": '"v1"'},
        )
        assert patched.status_code == 200, patched.text
        response = await client.get(f"/v1/organisations/{created['id']}")
        assert response.json() == patched.json()
        assert response.json()["name"] == "New name"
        assert response.headers["etag"] == '"v2"'

    async def test_if_none_match_is_a_304(self, client: httpx.AsyncClient) -> None:
        created = await _create(client, name="Cached")
        response = await client.get(
            f"/v1/organisations/{created['id']}", headers={"if-none-match": '"v1"'}
        )
        assert response.status_code == 304
        assert response.headers["etag"] == '"v1"'
        assert response.content == b""

    async def test_an_unknown_id_is_a_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/organisations/{uuid.uuid4()}")
        assert_problem(response, 404, "organisation-not-found")


class TestListOrganisations:
    async def test_pages_follow_the_cursor_in_id_order(self, client: httpx.AsyncClient) -> None:
        created = [await _create(client, name=f"Trust {index}") for index in range(5)]
        first = await client.get("/v1/organisations", params={"limit": 2})
        assert first.status_code == 200
        body = first.json()
        assert body["items"] == created[:2]
        assert 'rel="next"' in first.headers["link"]
        second = await client.get(
            "/v1/organisations", params={"limit": 2, "cursor": body["next_cursor"]}
        )
        assert second.json()["items"] == created[2:4]
        last = await client.get(
            "/v1/organisations", params={"limit": 2, "cursor": second.json()["next_cursor"]}
        )
        assert last.json() == {"items": created[4:], "next_cursor": None}

    async def test_sort_filters_and_an_empty_page(self, client: httpx.AsyncClient) -> None:
        beta = await _create(client, name="Beta", type="university")
        alpha = await _create(client, name="Alpha", type="university", ods_code="ABC")
        await _create(client, name="Gamma")
        by_name = await client.get("/v1/organisations", params={"sort": "-name", "limit": 2})
        assert [item["name"] for item in by_name.json()["items"]] == ["Gamma", "Beta"]
        after = await client.get(
            "/v1/organisations",
            params={"sort": "-name", "limit": 2, "cursor": by_name.json()["next_cursor"]},
        )
        assert after.json() == {"items": [alpha], "next_cursor": None}
        universities = await client.get("/v1/organisations", params={"type": "university"})
        assert universities.json()["items"] == [beta, alpha]
        by_code = await client.get("/v1/organisations", params={"ods_code": "abc"})
        assert by_code.json()["items"] == [alpha]
        none = await client.get("/v1/organisations", params={"parent_id": str(uuid.uuid4())})
        assert none.json() == {"items": [], "next_cursor": None}
