"""Framework sources and templates: reference data, lifecycle, immutability once used, clone,
import/export with pointer errors, and the shipped templates."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from assessment_service.frameworks.defaults import IIAF, NASSS
from assessment_service.frameworks.models import Framework
from assessment_service.seed_templates import seed
from shared.db import utcnow
from shared.testing import TokenFactory, api_client, assert_problem


def minimal(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Mini",
        "semver": "1.0.0",
        "gates_used": ["g0_triage"],
        "domains": [
            {
                "code": "d1",
                "label": "Domain",
                "criteria": [{"code": "c1", "question": "Good?", "scale": "likert_1_5"}],
            }
        ],
        **overrides,
    }


async def create(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/frameworks", json=minimal(**overrides))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def move(client: httpx.AsyncClient, framework_id: str, to: str) -> httpx.Response:
    return await client.post(f"/v1/frameworks/{framework_id}/transitions", json={"to": to})


async def mark_used(app: FastAPI, framework_id: str) -> None:
    async with app.state.database.sessionmaker() as session:
        framework = await session.get(Framework, uuid.UUID(framework_id))
        framework.first_used_at = utcnow()
        await session.commit()


class TestFrameworkSources:
    async def test_sources_are_seeded_with_their_structure(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/frameworks/sources")
        assert response.status_code == 200
        sources = {s["code"]: s for s in response.json()["items"]}
        assert set(sources) == {
            "nasss", "re_aim", "cfir_2022", "nice_esf_2022", "dtac", "five_case", "mast",
            "nhs_sustainability_model", "core20plus5", "nhs_net_zero", "nesta_soe", "iiaf_local",
        }  # fmt: skip
        counts = {code: len(s["items"]) for code, s in sources.items()}
        assert counts["nasss"] == 7
        assert counts["re_aim"] == 5
        assert counts["cfir_2022"] == 5
        assert counts["dtac"] == 5
        assert counts["five_case"] == 5
        assert counts["nhs_sustainability_model"] == 10
        assert counts["nesta_soe"] == 5
        assert {"tier_a", "tier_b", "tier_c"} <= {
            i["code"] for i in sources["nice_esf_2022"]["items"]
        }

    async def test_one_source(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/frameworks/sources/dtac")
        assert response.json()["items"][0] == {
            "code": "clinical_safety",
            "label": "Clinical safety",
        }

    async def test_unknown_source_is_a_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/frameworks/sources/nope")
        assert_problem(response, 404, "framework-source-not-found")


class TestCreateFramework:
    async def test_creates_a_draft(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/frameworks", json=minimal())
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "draft" and body["in_use"] is False
        assert body["domains"][0]["criteria"][0]["weight"] == 1.0
        assert response.headers["location"] == f"/v1/frameworks/{body['id']}"

    async def test_name_and_version_only_is_enough(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/v1/frameworks", json={"name": "Empty", "semver": "0.1.0"})
        assert response.status_code == 201
        assert response.json()["domains"] == []

    async def test_duplicate_version_is_a_409(self, client: httpx.AsyncClient) -> None:
        await create(client)
        response = await client.post("/v1/frameworks", json=minimal())
        assert_problem(response, 409, "framework-version-exists")

    async def test_viewer_cannot_author(self, app: FastAPI, tokens: TokenFactory) -> None:
        async with api_client(app, token=tokens("viewer")) as viewer:
            response = await viewer.post("/v1/frameworks", json=minimal())
        assert response.status_code == 403


class TestDefinitionValidation:
    @pytest.mark.parametrize(
        ("change", "pointer"),
        [
            ({"scale": "numeric"}, "/domains/0/criteria/0/unit"),
            ({"is_gate": True}, "/domains/0/criteria/0/gate_rule"),
            ({"is_gate": True, "gate_rule": "must_equal:6"}, "/domains/0/criteria/0/gate_rule"),
            ({"gate_rule": "min:2"}, "/domains/0/criteria/0/is_gate"),
            ({"source_refs": ["nasss:not_a_domain"]}, "/domains/0/criteria/0/source_refs/0"),
            ({"bands": [{"score": 1}]}, "/domains/0/criteria/0/bands"),
        ],
    )
    async def test_rule_errors_point_into_the_document(
        self, client: httpx.AsyncClient, change: dict[str, Any], pointer: str
    ) -> None:
        document = minimal()
        document["domains"][0]["criteria"][0].update(change)
        response = await client.post("/v1/frameworks", json=document)
        problem = assert_problem(response, 422, "invalid-framework-definition")
        assert pointer in [e["pointer"] for e in problem["errors"]]

    async def test_duplicate_codes_are_refused(self, client: httpx.AsyncClient) -> None:
        document = minimal()
        document["domains"].append(copy.deepcopy(document["domains"][0]))
        response = await client.post("/v1/frameworks", json=document)
        pointers = [e["pointer"] for e in response.json()["errors"]]
        assert "/domains/1/code" in pointers and "/domains/1/criteria/0/code" in pointers

    async def test_shape_errors_point_too(self, client: httpx.AsyncClient) -> None:
        document = minimal()
        document["domains"][0]["criteria"][0]["scale"] = "stars_1_10"
        response = await client.post("/v1/frameworks", json=document)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/domains/0/criteria/0/scale"


class TestFrameworkLifecycle:
    async def test_draft_to_piloting_to_active_to_retired(self, client: httpx.AsyncClient) -> None:
        framework = await create(client)
        for to in ("piloting", "active", "retired"):
            response = await move(client, framework["id"], to)
            assert response.status_code == 200, response.text
            assert response.json()["status"] == to

    async def test_illegal_transition_names_the_rule(self, client: httpx.AsyncClient) -> None:
        framework = await create(client)
        await move(client, framework["id"], "retired")
        response = await move(client, framework["id"], "active")
        assert_problem(response, 409, "illegal-transition")

    async def test_moving_to_where_it_is_is_illegal_too(self, client: httpx.AsyncClient) -> None:
        framework = await create(client)
        body = assert_problem(
            await move(client, framework["id"], "draft"), 409, "illegal-transition"
        )
        assert "piloting" in body["detail"]

    async def test_allowed_transitions_are_listed_for_authors(
        self, client: httpx.AsyncClient, app: FastAPI, tokens: TokenFactory
    ) -> None:
        framework = await create(client)
        assert framework["allowed_transitions"] == ["piloting", "active", "retired"]
        moved = (await move(client, framework["id"], "piloting")).json()
        assert moved["allowed_transitions"] == ["active", "retired"]
        retired = (await move(client, framework["id"], "retired")).json()
        assert retired["allowed_transitions"] == []
        async with api_client(app, token=tokens("viewer")) as viewer:
            read = (await viewer.get(f"/v1/frameworks/{framework['id']}")).json()
        assert read["allowed_transitions"] == []  # a viewer moves nothing

    async def test_the_reason_is_kept_in_the_audit_trail(self, client: httpx.AsyncClient) -> None:
        framework = await create(client)
        response = await client.post(
            f"/v1/frameworks/{framework['id']}/transitions",
            json={"to": "retired", "reason": "Superseded by the regional template"},
        )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == f'"v{response.json()["version"]}"'
        audit = await client.get(
            "/v1/audit", params={"entity_type": "framework", "entity_id": framework["id"]}
        )
        reasons = [e for e in audit.json()["items"] if e["action"] == "transition_reason"]
        assert [e["changes"]["reason"]["after"] for e in reasons] == [
            "Superseded by the regional template"
        ]

    async def test_an_incomplete_template_cannot_be_used(self, client: httpx.AsyncClient) -> None:
        framework = await create(client, domains=[])
        response = await move(client, framework["id"], "piloting")
        problem = assert_problem(response, 409, "framework-incomplete")
        assert problem["errors"][0]["pointer"] == "/domains"

    async def test_one_active_version_per_name(self, client: httpx.AsyncClient) -> None:
        first = await create(client)
        second = await create(client, semver="1.1.0")
        await move(client, first["id"], "active")
        response = await move(client, second["id"], "active")
        assert response.json()["status"] == "active"
        old = (await client.get(f"/v1/frameworks/{first['id']}")).json()
        assert old["status"] == "retired" and old["retired_at"] is not None
        listed = await client.get("/v1/frameworks", params={"name": "Mini", "status": "active"})
        assert [f["id"] for f in listed.json()["items"]] == [second["id"]]


class TestUpdateFramework:
    async def test_merge_patch_of_a_draft(self, client: httpx.AsyncClient) -> None:
        framework = await create(client)
        response = await client.patch(
            f"/v1/frameworks/{framework['id']}",
            json={"description": "Pilot", "scoring_policy": {"min_assessors": 3}},
            headers={"If-Match": '"v1"'},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["description"] == "Pilot"
        assert body["scoring_policy"]["min_assessors"] == 3
        assert body["scoring_policy"]["proceed_threshold"] == 0.7  # untouched keys stay
        assert response.headers["etag"] == '"v2"'

    async def test_a_used_version_is_immutable(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        framework = await create(client)
        await move(client, framework["id"], "active")
        await mark_used(app, framework["id"])
        response = await client.patch(
            f"/v1/frameworks/{framework['id']}", json={"description": "x"}
        )
        assert_problem(response, 409, "framework-in-use")

    async def test_an_active_version_is_not_edited(self, client: httpx.AsyncClient) -> None:
        framework = await create(client)
        await move(client, framework["id"], "active")
        response = await client.patch(
            f"/v1/frameworks/{framework['id']}", json={"description": "x"}
        )
        assert_problem(response, 409, "framework-not-editable")

    async def test_stale_etag_is_a_412(self, client: httpx.AsyncClient) -> None:
        framework = await create(client)
        response = await client.patch(
            f"/v1/frameworks/{framework['id']}",
            json={"description": "x"},
            headers={"If-Match": '"v9"'},
        )
        assert response.status_code == 412


class TestCloneFramework:
    async def test_clone_makes_version_n_plus_one(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        framework = await create(client)
        await move(client, framework["id"], "active")
        await mark_used(app, framework["id"])
        response = await client.post(f"/v1/frameworks/{framework['id']}/clone", json={})
        assert response.status_code == 201
        clone = response.json()
        assert (clone["semver"], clone["status"], clone["in_use"]) == ("1.1.0", "draft", False)
        assert clone["cloned_from_id"] == framework["id"]
        assert clone["domains"] == framework["domains"]

    async def test_clone_bumps_past_the_highest_version(self, client: httpx.AsyncClient) -> None:
        framework = await create(client)
        await create(client, semver="1.4.2")
        response = await client.post(
            f"/v1/frameworks/{framework['id']}/clone", json={"bump": "major"}
        )
        assert response.json()["semver"] == "2.0.0"


class TestImportExport:
    async def test_export_then_import_round_trips(self, client: httpx.AsyncClient) -> None:
        framework = await create(client)
        exported = (await client.get(f"/v1/frameworks/{framework['id']}/export")).json()
        assert exported["format"] == "cmdi-framework-template/1"
        exported["semver"] = "2.0.0"
        response = await client.post("/v1/frameworks/import", json=exported)
        assert response.status_code == 201, response.text
        assert response.json()["domains"] == framework["domains"]

    async def test_import_errors_point_into_the_document(self, client: httpx.AsyncClient) -> None:
        document = copy.deepcopy(IIAF)
        document["domains"][2]["criteria"][3]["gate_rule"] = "must_equal:yes"
        response = await client.post("/v1/frameworks/import", json=document)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/domains/2/criteria/3/gate_rule"

    async def test_import_needs_the_format_marker(self, client: httpx.AsyncClient) -> None:
        document = {k: v for k, v in IIAF.items() if k != "format"}
        response = await client.post("/v1/frameworks/import", json=document)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/format"


class TestShippedTemplates:
    async def test_iiaf_has_nine_weighted_domains_and_dtac_gates(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post("/v1/frameworks/import", json=IIAF)
        assert response.status_code == 201, response.text
        body = response.json()
        weights = [d["weight"] for d in body["domains"]]
        assert weights == [1.0, 1.5, 1.5, 1.0, 1.0, 1.0, 1.0, 0.5, 1.0]
        gates = [c for d in body["domains"] for c in d["criteria"] if c["is_gate"]]
        assert [g["code"] for g in gates] == [
            "dtac_clinical_safety", "dtac_data_protection", "dtac_technical_security",
            "dtac_interoperability",
        ]  # fmt: skip
        assert all(g["applies_if"]["is_digital"] is True for g in gates)

    async def test_nasss_template_rates_seven_domains_on_complexity(
        self, client: httpx.AsyncClient
    ) -> None:
        body = (await client.post("/v1/frameworks/import", json=NASSS)).json()
        scales = {c["scale"] for d in body["domains"] for c in d["criteria"]}
        assert len(body["domains"]) == 7 and scales == {"complexity_3"}

    async def test_the_seed_command_loads_and_activates_once(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        first = await seed(app.state.database)
        again = await seed(app.state.database)
        assert all("created and activated" in line for line in first)
        assert all("already there (active)" in line for line in again)
        listed = (await client.get("/v1/frameworks", params={"status": "active"})).json()
        assert {f["name"] for f in listed["items"]} == {"CMDI IIAF", "NASSS complexity"}
