"""The projects registry routes, and through them the shared mechanisms end to end:
problems, pagination, ETags, idempotency, audit and the change feed."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from projects_service.projects.models import Project
from shared.testing import TokenFactory, api_client, assert_problem, project_body


class TestCreateProject:
    async def test_creates_with_generated_reference_location_and_etag(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/v1/projects", json=project_body())
        assert response.status_code == 201
        body = response.json()
        assert body["reference"].startswith("CMDI-") and body["reference"].endswith("-001")
        assert body["stage"] == "idea" and body["status"] == "active"
        assert body["created_by"] == "gov-1"
        assert response.headers["location"] == f"/v1/projects/{body['id']}"
        assert response.headers["etag"] == '"v1"'
        assert uuid.UUID(body["id"]).version == 7
        assert body["created_at"].endswith("Z")

    async def test_references_are_sequential(self, build, client: httpx.AsyncClient) -> None:
        first, second = await build.project(), await build.project(title="ED streaming")
        assert int(str(second["reference"])[-3:]) == int(str(first["reference"])[-3:]) + 1

    async def test_invalid_enum_is_a_422_with_pointer_and_no_echo(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/v1/projects", json=project_body(pillar="secret-value-xyz"))
        problem = assert_problem(response, 422, "validation-error")
        assert problem["errors"][0]["pointer"] == "/pillar"
        assert problem["errors"][0]["location"] == "body"
        assert problem["request_id"] == response.headers["x-request-id"]
        assert "secret-value-xyz" not in response.text

    async def test_unknown_field_is_refused(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/projects", json=project_body(stage="pilot"))
        assert assert_problem(response, 422)["errors"][0]["pointer"] == "/stage"

    @pytest.mark.parametrize(
        ("raw", "pointer"),
        [
            ('{"title": "\\ud800", "pillar": "x"}', "/title"),
            ('{"title": "ok", "tags": ["a", "\\udfff"]}', "/tags/1"),
            ('{"title": "nul\\u0000byte"}', "/title"),
        ],
    )
    async def test_unstorable_text_is_a_422_not_a_500(
        self, client: httpx.AsyncClient, app: FastAPI, raw: str, pointer: str
    ) -> None:
        response = await client.post(
            "/v1/projects", content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == pointer
        assert await count_projects(app) == 0

    async def test_invalid_utf8_is_a_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/projects",
            content=b'{"title": "\xff"}',
            headers={"content-type": "application/json"},
        )
        assert_problem(response, 422)

    async def test_malformed_json_is_a_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/projects", content=b'{"title": ', headers={"content-type": "application/json"}
        )
        assert_problem(response, 422)

    async def test_non_json_body_is_a_415(self, client: httpx.AsyncClient, app: FastAPI) -> None:
        response = await client.post(
            "/v1/projects", content=b"title=x", headers={"content-type": "text/plain"}
        )
        assert_problem(response, 415)
        assert await count_projects(app) == 0

    async def test_oversized_body_is_a_413(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/projects", json=project_body(summary="x" * 1_100_000))
        assert_problem(response, 413)

    async def test_viewer_cannot_create(self, app: FastAPI, tokens: TokenFactory) -> None:
        async with api_client(app, token=tokens("viewer")) as viewer:
            response = await viewer.post("/v1/projects", json=project_body())
        assert_problem(response, 403, "forbidden")
        assert await count_projects(app) == 0


async def count_projects(app: FastAPI) -> int:
    async with app.state.database.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(Project)) or 0)


class TestAuthentication:
    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Authorization": "Basic Zm9vOmJhcg=="},
            {"Authorization": "Bearer not-a-jwt"},
        ],
    )
    async def test_missing_or_malformed_token_is_401(
        self, app: FastAPI, headers: dict[str, str]
    ) -> None:
        async with api_client(app) as anonymous:
            response = await anonymous.get("/v1/projects", headers=headers)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")

    async def test_expired_forged_and_alg_none_tokens_are_401(
        self, app: FastAPI, tokens: TokenFactory
    ) -> None:
        import jwt

        expired = tokens("admin", ttl=-120)
        forged = TokenFactory(key="someone-elses-key-of-sufficient-length-000")("admin")
        claims = jwt.decode(tokens("admin"), options={"verify_signature": False})
        unsigned = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
        async with api_client(app) as anonymous:
            for token in (expired, forged, unsigned):
                response = await anonymous.get(
                    "/v1/projects", headers={"Authorization": f"Bearer {token}"}
                )
                assert_problem(response, 401)


class TestReadProject:
    async def test_get_and_conditional_get(self, build, client: httpx.AsyncClient) -> None:
        project = await build.project()
        response = await client.get(f"/v1/projects/{project['id']}")
        assert response.status_code == 200
        etag = response.headers["etag"]
        again = await client.get(f"/v1/projects/{project['id']}", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""

    async def test_unknown_id_is_a_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/projects/{uuid.uuid4()}")
        assert_problem(response, 404, "project-not-found")

    async def test_malformed_id_is_a_404_problem(self, client: httpx.AsyncClient) -> None:
        # Ids are UUIDs by the documented contract (shared.routing): "not-a-uuid" names no
        # resource, so it is a 404 like an unknown id, not a validation error on a real one.
        response = await client.get("/v1/projects/not-a-uuid")
        assert_problem(response, 404)

    async def test_routing_errors_are_problems(self, client: httpx.AsyncClient) -> None:
        missing = await client.get("/v1/nothing-here")
        assert_problem(missing, 404)
        wrong_method = await client.delete("/v1/projects")
        assert_problem(wrong_method, 405)
        assert "allow" in wrong_method.headers


class TestListProjects:
    async def test_walks_500_rows_without_gaps_or_duplicates(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        async with app.state.database.sessionmaker() as session:
            session.add_all(
                Project(
                    reference=f"T-{i:04d}",
                    title=f"Project {i}",
                    pillar="project_innovation",
                    innovation_type="other",
                    lead_partner="trust",
                )
                for i in range(500)
            )
            await session.commit()
        seen: list[str] = []
        url: str | None = "/v1/projects?limit=200&sort=-title"
        pages = 0
        while url:
            response = await client.get(url)
            assert response.status_code == 200
            body = response.json()
            seen += [item["reference"] for item in body["items"]]
            link = response.headers.get("link")
            if body["next_cursor"]:
                assert link is not None and 'rel="next"' in link
                url = link[link.index("<") + 1 : link.index(">")]
                assert url.startswith("/v1/projects?")
            else:
                assert link is None
                url = None
            pages += 1
        assert pages == 3
        assert len(seen) == 500 and len(set(seen)) == 500
        titles = [f"Project {i}" for i in range(500)]
        assert [f"Project {int(r[2:])}" for r in seen] == sorted(titles, reverse=True)

    async def test_limit_bounds(self, client: httpx.AsyncClient) -> None:
        for limit in (0, 201):
            response = await client.get(f"/v1/projects?limit={limit}")
            assert response.status_code == 422
            assert response.json()["errors"][0]["pointer"] == "/limit"

    async def test_bad_cursor_and_cursor_from_another_sort(
        self, build, client: httpx.AsyncClient
    ) -> None:
        for _ in range(3):
            await build.project()
        garbage = await client.get("/v1/projects?cursor=%%%")
        assert garbage.status_code == 422
        first = (await client.get("/v1/projects?limit=1&sort=title")).json()
        other_sort = await client.get(
            f"/v1/projects?limit=1&sort=created_at&cursor={first['next_cursor']}"
        )
        assert_problem(other_sort, 422, "invalid-cursor")

    async def test_unknown_sort_is_a_422(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/projects?sort=budget")
        assert response.status_code == 422

    async def test_filters_search_and_updated_since(self, build, client: httpx.AsyncClient) -> None:
        await build.project(title="Pharmacy robotics", is_digital=True, directorate="pharmacy")
        await build.project(title="Nurse-led clinic")
        digital = (await client.get("/v1/projects?is_digital=true")).json()["items"]
        assert [p["title"] for p in digital] == ["Pharmacy robotics"]
        found = (await client.get("/v1/projects?q=NURSE")).json()["items"]
        assert [p["title"] for p in found] == ["Nurse-led clinic"]
        assert (await client.get("/v1/projects?directorate=pharmacy")).json()["items"][0][
            "is_digital"
        ] is True
        future = (await client.get("/v1/projects?updated_since=2999-01-01T00:00:00Z")).json()[
            "items"
        ]
        assert future == []
        bad_enum = await client.get("/v1/projects?stage=launched")
        assert bad_enum.status_code == 422


class TestUpdateProject:
    async def test_merge_patch_changes_and_clears(self, build, client: httpx.AsyncClient) -> None:
        project = await build.project()
        response = await client.patch(
            f"/v1/projects/{project['id']}",
            content=b'{"summary": "Revised", "directorate": null}',
            headers={"content-type": "application/merge-patch+json"},
        )
        assert response.status_code == 200
        assert response.json()["summary"] == "Revised"
        assert response.json()["directorate"] is None
        assert response.json()["title"] == project["title"]
        assert response.headers["etag"] == '"v2"'

    async def test_required_field_cannot_be_cleared(self, build, client: httpx.AsyncClient) -> None:
        project = await build.project()
        response = await client.patch(f"/v1/projects/{project['id']}", json={"title": None})
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/title"

    async def test_stale_if_match_is_412_and_changes_nothing(
        self, build, client: httpx.AsyncClient
    ) -> None:
        project = await build.project()
        url = f"/v1/projects/{project['id']}"
        assert (
            await client.patch(url, json={"summary": "one"}, headers={"If-Match": '"v1"'})
        ).status_code == 200
        stale = await client.patch(url, json={"summary": "two"}, headers={"If-Match": '"v1"'})
        assert_problem(stale, 412, "precondition-failed")
        assert (await client.get(url)).json()["summary"] == "one"

    async def test_dates_must_be_in_order_after_merge(
        self, build, client: httpx.AsyncClient
    ) -> None:
        project = await build.project(start_date="2026-04-01")
        response = await client.patch(
            f"/v1/projects/{project['id']}", json={"planned_end_date": "2026-01-01"}
        )
        assert response.status_code == 422

    async def test_archive_then_edit_is_409(self, build, client: httpx.AsyncClient) -> None:
        project = await build.project()
        archived = await client.post(
            f"/v1/projects/{project['id']}/archive", json={"reason": "Merged into another project."}
        )
        assert archived.status_code == 200 and archived.json()["status"] == "archived"
        response = await client.patch(f"/v1/projects/{project['id']}", json={"summary": "late"})
        assert_problem(response, 409, "project-archived")

    @pytest.mark.parametrize(
        ("body", "pointer"), [(None, None), ({}, "/reason"), ({"reason": "   "}, "/reason")]
    )
    async def test_archive_without_a_reason_is_422_and_changes_nothing(
        self, build, client: httpx.AsyncClient, body, pointer
    ) -> None:
        project = await build.project()
        response = await client.post(f"/v1/projects/{project['id']}/archive", json=body)
        problem = assert_problem(response, 422)
        if pointer:
            assert [e["pointer"] for e in problem["errors"]] == [pointer]
        again = (await client.get(f"/v1/projects/{project['id']}")).json()
        assert (again["status"], again["archive_reason"]) == ("active", None)

    async def test_archive_keeps_its_reason_in_the_project_audit_and_event(
        self, build, client: httpx.AsyncClient, app: FastAPI, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        url = f"/v1/projects/{project['id']}"
        archived = await build.ok(
            "POST", f"{url}/archive", {"reason": "  Merged into CMDI-9. "}, 200
        )
        assert archived["archive_reason"] == "Merged into CMDI-9."
        # Archiving again changes nothing: the first reason stands.
        again = await build.ok("POST", f"{url}/archive", {"reason": "Second thoughts."}, 200)
        assert (again["archive_reason"], again["version"]) == (
            "Merged into CMDI-9.",
            archived["version"],
        )
        audit = (
            await client.get(f"/v1/audit?entity_type=project&entity_id={project['id']}")
        ).json()
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=project.archived")).json()["items"]
        entry = next(e for e in audit["items"] if e["action"] == "archived")
        assert entry["changes"]["archive_reason"] == {
            "before": None,
            "after": "Merged into CMDI-9.",
        }
        assert [e["data"]["entity"]["archive_reason"] for e in events] == ["Merged into CMDI-9."]


class TestIdempotency:
    async def test_replay_creates_one_row_and_returns_the_first_response(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        headers = {"Idempotency-Key": "create-virtual-ward"}
        first = await client.post("/v1/projects", json=project_body(), headers=headers)
        second = await client.post("/v1/projects", json=project_body(), headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert second.headers["idempotent-replayed"] == "true"
        assert second.headers["location"] == first.headers["location"]
        assert await count_projects(app) == 1

    async def test_same_key_different_body_is_422(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        headers = {"Idempotency-Key": "k-1"}
        await client.post("/v1/projects", json=project_body(), headers=headers)
        response = await client.post(
            "/v1/projects", json=project_body(title="Other"), headers=headers
        )
        assert_problem(response, 422, "idempotency-key-reused")
        assert await count_projects(app) == 1

    async def test_keys_are_scoped_to_the_caller(self, app: FastAPI, tokens: TokenFactory) -> None:
        headers = {"Idempotency-Key": "shared-key"}
        async with (
            api_client(app, token=tokens("governance", sub="a")) as a,
            api_client(app, token=tokens("governance", sub="b")) as b,
        ):
            assert (
                await a.post("/v1/projects", json=project_body(), headers=headers)
            ).status_code == 201
            second = await b.post("/v1/projects", json=project_body(), headers=headers)
            assert second.status_code == 201 and "idempotent-replayed" not in second.headers
        assert await count_projects(app) == 2

    async def test_concurrent_duplicate_is_409(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        headers = {"Idempotency-Key": "concurrent"}
        responses = await asyncio.gather(
            *(client.post("/v1/projects", json=project_body(), headers=headers) for _ in range(4))
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses.count(201) >= 1
        assert set(statuses) <= {201, 409}
        assert await count_projects(app) == 1

    async def test_failed_validation_is_stored_and_replayed(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        headers = {"Idempotency-Key": "bad"}
        body = project_body(pillar="nope")
        assert (await client.post("/v1/projects", json=body, headers=headers)).status_code == 422
        replay = await client.post("/v1/projects", json=body, headers=headers)
        assert replay.status_code == 422 and replay.headers["idempotent-replayed"] == "true"


class TestAuditAndEvents:
    async def test_each_write_is_audited_with_before_and_after(
        self, build, client: httpx.AsyncClient, app: FastAPI, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        await client.patch(
            f"/v1/projects/{project['id']}",
            json={"summary": "v2"},
            headers={"X-Request-ID": "req-patch-1"},
        )
        await client.post(
            f"/v1/projects/{project['id']}/archive", json={"reason": "Merged into another project."}
        )
        response = await client.get(f"/v1/audit?entity_type=project&entity_id={project['id']}")
        assert response.status_code == 200
        entries = response.json()["items"]
        assert [e["action"] for e in entries] == ["archived", "updated", "created"]
        assert entries[1]["changes"] == {"summary": {"before": project["summary"], "after": "v2"}}
        assert entries[1]["request_id"] == "req-patch-1"
        assert {e["actor"] for e in entries} == {"gov-1"}
        assert entries[2]["changes"]["title"] == {"before": None, "after": project["title"]}

    async def test_audit_is_not_for_viewers(self, app: FastAPI, tokens: TokenFactory) -> None:
        async with api_client(app, token=tokens("viewer")) as viewer:
            assert (await viewer.get("/v1/audit")).status_code == 403

    async def test_change_feed_records_each_write_in_order(
        self, build, client: httpx.AsyncClient, app: FastAPI, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        await client.patch(f"/v1/projects/{project['id']}", json={"title": "Renamed"})
        async with api_client(app, token=tokens("service", sub="service:test")) as service:
            feed = (await service.get("/v1/events?limit=1")).json()
            assert [e["type"] for e in feed["items"]] == ["project.created"]
            assert feed["has_more"] is True
            rest = (await service.get(f"/v1/events?after={feed['next_cursor']}")).json()
        assert [e["type"] for e in rest["items"]] == ["project.updated"]
        assert rest["items"][0]["data"]["changed"] == ["title"]
        assert rest["items"][0]["data"]["entity"]["title"] == "Renamed"
        assert rest["items"][0]["entity_id"] == project["id"]
        assert rest["has_more"] is False

    async def test_a_rejected_write_records_nothing(
        self, build, client: httpx.AsyncClient, tokens: TokenFactory, app: FastAPI
    ) -> None:
        project = await build.project()
        await client.patch(
            f"/v1/projects/{project['id']}", json={"summary": "x"}, headers={"If-Match": '"v9"'}
        )
        async with api_client(app, token=tokens("service")) as service:
            events = (await service.get("/v1/events")).json()["items"]
        assert [e["type"] for e in events] == ["project.created"]

    async def test_bad_feed_position_is_422(self, app: FastAPI, tokens: TokenFactory) -> None:
        async with api_client(app, token=tokens("service")) as service:
            assert (await service.get("/v1/events?after=abc")).status_code == 422
