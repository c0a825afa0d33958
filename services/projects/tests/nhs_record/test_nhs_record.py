"""NHS Innovation Service innovation records (202304): import creates or updates a project, its
adoption milestones and the kept record; export gives the record back, with our registry's
answers where they changed. Expected values are worked out by hand from the fixtures and the
mapping table in docs/domain/nhs_innovation_record.md."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.testing import api_client, assert_problem

FIXTURES = Path(__file__).parent / "fixtures"
IMPORT = "/v1/projects/import/nhs-innovation-record"
Json = dict[str, Any]


def fixture(name: str) -> Json:
    return json.loads((FIXTURES / f"{name}.json").read_text())  # type: ignore[no-any-return]


async def import_record(
    client: httpx.AsyncClient,
    record: Json,
    innovation_id: uuid.UUID,
    status: int = 201,
    **params: str,
) -> Json:
    response = await client.post(
        IMPORT, json=record, params={"innovation_id": str(innovation_id), **params}
    )
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


async def export(client: httpx.AsyncClient, project_id: str) -> Json:
    response = await client.get(f"/v1/projects/{project_id}/nhs-innovation-record")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def tracker(client: httpx.AsyncClient, project_id: str) -> dict[str, str]:
    body = (await client.get(f"/v1/projects/{project_id}/adoption-tracker")).json()
    return {
        row["milestone_type"]["code"]: row["milestone"]["status"]
        for row in body["rows"]
        if row["milestone"] is not None
    }


class TestRoundTrip:
    @pytest.mark.parametrize("name", ["virtual_ward_monitoring", "pessary_device", "early_idea"])
    async def test_import_then_export_gives_the_record_back(
        self, client: httpx.AsyncClient, name: str
    ) -> None:
        record = fixture(name)
        response = await client.post(
            IMPORT, json=record, params={"innovation_id": str(uuid.uuid4())}
        )
        assert response.status_code == 201, response.text
        project = response.json()["project"]
        assert response.headers["Location"] == f"/v1/projects/{project['id']}"
        assert await export(client, project["id"]) == record


class TestImportMapping:
    async def test_virtual_ward_record_sets_registry_and_milestones(
        self, client: httpx.AsyncClient
    ) -> None:
        innovation = uuid.uuid4()
        body = await import_record(client, fixture("virtual_ward_monitoring"), innovation)
        project = body["project"]
        assert body["created"] is True and body["imports"] == 1
        assert body["innovation_id"] == str(innovation) and body["record_version"] == "202304"
        assert project["title"] == "BreatheWell remote monitoring for COPD virtual wards"
        assert project["summary"].startswith("A tablet app and Bluetooth pulse oximeter")
        assert project["problem_statement"].startswith("People with COPD discharged early")
        assert project["innovation_type"] == "digital_technology"  # mainCategory DIGITAL
        assert project["is_digital"] is True
        assert project["net_zero_relevant"] is True  # areas has NET_ZERO_GREENER_INNOVATION
        assert project["core20plus5_tags"] == [
            "chronic_respiratory_disease",
            "hypertension_case_finding",
        ]
        assert project["funding_source"] == "SBRI Healthcare Phase 2"
        assert (project["pillar"], project["lead_partner"], project["stage"]) == (
            "project_innovation",
            "trust",
            "idea",
        )
        assert body["mapped"] == {
            "title": "/INNOVATION_DESCRIPTION/name",
            "summary": "/INNOVATION_DESCRIPTION/description",
            "innovation_type": "/INNOVATION_DESCRIPTION/mainCategory",
            "is_digital": "/INNOVATION_DESCRIPTION/categories",
            "net_zero_relevant": "/INNOVATION_DESCRIPTION/areas",
            "problem_statement": "/UNDERSTANDING_OF_NEEDS/problemsTackled",
            "core20plus5_tags": "/UNDERSTANDING_OF_NEEDS/keyHealthInequalities",
            "funding_source": "/REVENUE_MODEL/fundingDescription",
        }
        assert body["milestones"] == [
            {
                "adoption_code": "dtac_passed",
                "status": "done",
                "outcome": "created",
                "pointer": "/REGULATIONS_AND_STANDARDS/standards/0/hasMet",
            },
            {
                # UKCA/CE marking applies to medical devices; this is a digital technology.
                "adoption_code": "ukca_ce_marking",
                "status": "in_progress",
                "outcome": "not_applicable",
                "pointer": "/REGULATIONS_AND_STANDARDS/standards/1/hasMet",
            },
            {
                "adoption_code": "carbon_reduction_plan",
                "status": "in_progress",
                "outcome": "created",
                "pointer": "/UNDERSTANDING_OF_NEEDS/carbonReductionPlan",
            },
            {
                "adoption_code": "real_world_evidence",
                "status": "done",
                "outcome": "created",
                "pointer": "/evidences/0",
            },
        ]
        assert await tracker(client, project["id"]) == {
            "dtac_passed": "done",
            "carbon_reduction_plan": "in_progress",
            "real_world_evidence": "done",
        }
        milestones = (
            await client.get(
                f"/v1/projects/{project['id']}/milestones", params={"adoption": "true"}
            )
        ).json()["items"]
        notes = {m["adoption_code"]: m["evidence_note"] for m in milestones}
        assert notes["dtac_passed"] == (
            "Declared met in the NHS Innovation Service record (REGULATIONS_AND_STANDARDS: DTAC)."
        )
        assert notes["real_world_evidence"].startswith("30-day readmissions fell from 22% to 14%")

    async def test_device_record_maps_type_marking_and_keeps_long_funding(
        self, client: httpx.AsyncClient
    ) -> None:
        body = await import_record(
            client, fixture("pessary_device"), uuid.uuid4(), lead_partner="joint"
        )
        project = body["project"]
        assert project["innovation_type"] == "medical_device"
        assert (project["is_digital"], project["net_zero_relevant"]) == (False, False)
        assert project["core20plus5_tags"] == ["maternity"]
        assert project["lead_partner"] == "joint"
        # 315 characters: longer than our 200, so it stays in the kept record only.
        assert project["funding_source"] is None and "funding_source" not in body["mapped"]
        # CE_UKCA_CLASS_II_A met; MARKETING maps to no milestone; carbon plan NO is not tracked.
        assert [(m["adoption_code"], m["status"], m["outcome"]) for m in body["milestones"]] == [
            ("ukca_ce_marking", "done", "created")
        ]
        assert await tracker(client, project["id"]) == {"ukca_ce_marking": "done"}

    async def test_least_met_marking_decides_the_milestone(self, client: httpx.AsyncClient) -> None:
        record = fixture("pessary_device")
        record["REGULATIONS_AND_STANDARDS"]["standards"] = [
            {"type": "CE_UKCA_CLASS_II_A", "hasMet": "YES"},
            {"type": "IVD_GENERAL", "hasMet": "IN_PROGRESS"},
        ]
        body = await import_record(client, record, uuid.uuid4())
        assert body["milestones"] == [
            {
                "adoption_code": "ukca_ce_marking",
                "status": "in_progress",
                "outcome": "created",
                "pointer": "/REGULATIONS_AND_STANDARDS/standards/1/hasMet",
            }
        ]

    async def test_minimal_record_uses_defaults(self, client: httpx.AsyncClient) -> None:
        body = await import_record(
            client, fixture("early_idea"), uuid.uuid4(), pillar="innovation_governance"
        )
        project = body["project"]
        assert project["title"] == "Peer-led falls prevention classes in sheltered housing"
        assert (project["innovation_type"], project["pillar"], project["summary"]) == (
            "other",
            "innovation_governance",
            "",
        )
        assert body["mapped"] == {"title": "/INNOVATION_DESCRIPTION/name"}
        assert body["milestones"] == []


class TestReimport:
    async def test_same_innovation_updates_the_linked_project(
        self, client: httpx.AsyncClient
    ) -> None:
        innovation = uuid.uuid4()
        first = fixture("virtual_ward_monitoring")
        first["REGULATIONS_AND_STANDARDS"]["standards"][0]["hasMet"] = "IN_PROGRESS"
        created = await import_record(client, first, innovation)
        project_id = created["project"]["id"]
        assert await tracker(client, project_id) == {
            "dtac_passed": "in_progress",
            "carbon_reduction_plan": "in_progress",
            "real_world_evidence": "done",
        }
        patched = await client.patch(
            f"/v1/projects/{project_id}",
            json={
                "directorate": "respiratory",
                "core20plus5_tags": ["chronic_respiratory_disease", "plus_group"],
            },
        )
        assert patched.status_code == 200, patched.text

        second = copy.deepcopy(fixture("virtual_ward_monitoring"))  # DTAC now YES
        second["INNOVATION_DESCRIPTION"]["name"] = "BreatheWell COPD virtual ward"
        del second["INNOVATION_DESCRIPTION"]["description"]
        response = await client.post(IMPORT, json=second, params={"innovation_id": str(innovation)})
        assert response.status_code == 200, response.text
        assert response.headers["Content-Location"] == f"/v1/projects/{project_id}"
        body = response.json()
        assert (body["created"], body["imports"], body["project"]["id"]) == (False, 2, project_id)
        project = body["project"]
        assert project["title"] == "BreatheWell COPD virtual ward"
        # Left out of the record: our summary stays; not mapped at all: directorate stays.
        assert project["summary"] == first["INNOVATION_DESCRIPTION"]["description"]
        assert project["directorate"] == "respiratory"
        # The record owns the five clinical areas; plus_group is ours and stays.
        assert project["core20plus5_tags"] == [
            "chronic_respiratory_disease",
            "hypertension_case_finding",
            "plus_group",
        ]
        assert [(m["adoption_code"], m["outcome"]) for m in body["milestones"]] == [
            ("dtac_passed", "advanced"),
            ("ukca_ce_marking", "not_applicable"),
            ("carbon_reduction_plan", "unchanged"),
            ("real_world_evidence", "unchanged"),
        ]
        assert (await tracker(client, project_id))["dtac_passed"] == "done"
        # The export is the new record, with our summary for the description it left out.
        expected = copy.deepcopy(second)
        expected["INNOVATION_DESCRIPTION"]["description"] = project["summary"]
        assert await export(client, project_id) == expected

        # A later record never moves a milestone back; the export says what we track.
        third = copy.deepcopy(second)
        third["REGULATIONS_AND_STANDARDS"]["standards"][0]["hasMet"] = "NOT_YET"
        body = await import_record(client, third, innovation, status=200)
        # "Not yet" is no answer to track: nothing planned for DTAC, and ours stays done.
        assert "dtac_passed" not in [m["adoption_code"] for m in body["milestones"]]
        assert (await tracker(client, project_id))["dtac_passed"] == "done"
        exported = await export(client, project_id)
        assert exported["REGULATIONS_AND_STANDARDS"]["standards"][0] == {
            "type": "DTAC",
            "hasMet": "YES",
        }

    async def test_idempotency_key_replays_the_first_import(
        self, client: httpx.AsyncClient
    ) -> None:
        record = fixture("early_idea")
        params = {"innovation_id": str(uuid.uuid4())}
        headers = {"Idempotency-Key": f"nhs-import-{uuid.uuid4()}"}
        first = await client.post(IMPORT, json=record, params=params, headers=headers)
        again = await client.post(IMPORT, json=record, params=params, headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        listed = (
            await client.get("/v1/projects", params={"q": "Peer-led falls prevention"})
        ).json()["items"]
        assert [p["id"] for p in listed] == [first.json()["project"]["id"]]
        changed = copy.deepcopy(record)
        changed["INNOVATION_DESCRIPTION"]["name"] = "Something else"
        reused = await client.post(IMPORT, json=changed, params=params, headers=headers)
        assert_problem(reused, 422, "idempotency-key-reused")


class TestExport:
    async def test_registry_changes_show_in_the_export(self, client: httpx.AsyncClient) -> None:
        record = fixture("virtual_ward_monitoring")
        project_id = (await import_record(client, record, uuid.uuid4()))["project"]["id"]
        patched = await client.patch(
            f"/v1/projects/{project_id}",
            json={
                "title": "BreatheWell COPD virtual ward",
                "innovation_type": "medical_device",
                "net_zero_relevant": False,
                "core20plus5_tags": ["chronic_respiratory_disease", "plus_group"],
                "funding_source": "Trust innovation fund",
            },
        )
        assert patched.status_code == 200, patched.text
        milestones = (
            await client.get(f"/v1/projects/{project_id}/milestones", params={"adoption": "true"})
        ).json()["items"]
        carbon = next(m for m in milestones if m["adoption_code"] == "carbon_reduction_plan")
        done = await client.patch(
            f"/v1/projects/{project_id}/milestones/{carbon['id']}", json={"status": "done"}
        )
        assert done.status_code == 200, done.text

        expected = copy.deepcopy(record)
        described = expected["INNOVATION_DESCRIPTION"]
        described["name"] = "BreatheWell COPD virtual ward"
        described["mainCategory"] = "MEDICAL_DEVICE"
        described["areas"] = ["IMPROVING_SYSTEM_FLOW", "PATIENT_ACTIVATION_AND_SELF_CARE"]
        expected["UNDERSTANDING_OF_NEEDS"]["keyHealthInequalities"] = [
            "CHRONIC_RESPIRATORY_DISEASE"
        ]
        expected["UNDERSTANDING_OF_NEEDS"]["carbonReductionPlan"] = "YES"
        expected["REVENUE_MODEL"]["fundingDescription"] = "Trust innovation fund"
        assert await export(client, project_id) == expected

    async def test_project_never_imported_is_built_from_the_registry(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project(
            is_digital=True, net_zero_relevant=True, core20plus5_tags=["maternity"]
        )
        assert await export(client, project["id"]) == {
            "version": "202304",
            "INNOVATION_DESCRIPTION": {
                "name": "Virtual ward for frailty",
                "description": "Hospital-at-home for frail older people after ED attendance.",
                "mainCategory": "MODELS_CARE",  # service_or_pathway_redesign
                "categories": ["DIGITAL"],
                "areas": ["NET_ZERO_GREENER_INNOVATION"],
            },
            "UNDERSTANDING_OF_NEEDS": {
                "problemsTackled": "Frail older people wait in ED and stay too long.",
                "keyHealthInequalities": ["MATERNITY"],
            },
        }

    async def test_unknown_project_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/projects/{uuid.uuid4()}/nhs-innovation-record")
        assert_problem(response, 404, "project-not-found")


BAD_RECORDS = [
    pytest.param(
        {"INNOVATION_DESCRIPTION": {"name": "X", "categories": ["DIGITAL", "BLOCKCHAIN"]}},
        ["/INNOVATION_DESCRIPTION/categories/1"],
        id="unknown-category",
    ),
    pytest.param({"INNOVATION_DESCRIPTION": {}}, ["/INNOVATION_DESCRIPTION/name"], id="no-name"),
    pytest.param(
        {"INNOVATION_DESCRIPTION": {"name": "   "}}, ["/INNOVATION_DESCRIPTION/name"], id="blank"
    ),
    pytest.param(
        {"version": "202209", "INNOVATION_DESCRIPTION": {"name": "X"}}, ["/version"], id="version"
    ),
    pytest.param(
        {"INNOVATION_DESCRIPTION": {"name": "X", "colour": "blue"}},
        ["/INNOVATION_DESCRIPTION/colour"],
        id="unknown-field",
    ),
    pytest.param(
        {
            "INNOVATION_DESCRIPTION": {"name": "X"},
            "evidences": [{"evidenceSubmitType": "REAL_WORLD"}],
        },
        ["/evidences/0/summary"],
        id="evidence-without-summary",
    ),
    pytest.param(
        {"INNOVATION_DESCRIPTION": {"name": "X"}, "DEPLOYMENT": {"files": ["report.pdf"]}},
        ["/DEPLOYMENT/files/0"],
        id="file-not-a-guid",
    ),
    pytest.param(
        {"INNOVATION_DESCRIPTION": {"name": "X", "postcode": "NE1 4LP 123"}},
        ["/INNOVATION_DESCRIPTION/postcode"],
        id="postcode-too-long",
    ),
    pytest.param(
        {"INNOVATION_DESCRIPTION": {"name": "X", "areas": []}},
        ["/INNOVATION_DESCRIPTION/areas"],
        id="empty-list",
    ),
]


class TestBadRecords:
    @pytest.mark.parametrize(("change", "pointers"), BAD_RECORDS)
    async def test_422_points_into_the_record(
        self, client: httpx.AsyncClient, change: Json, pointers: list[str]
    ) -> None:
        record = {"version": "202304", **change}
        response = await client.post(
            IMPORT, json=record, params={"innovation_id": str(uuid.uuid4())}
        )
        body = assert_problem(response, 422)
        assert [error["pointer"] for error in body["errors"]] == pointers

    async def test_contradictions_are_422_and_nothing_is_created(
        self, client: httpx.AsyncClient
    ) -> None:
        record = {
            "version": "202304",
            "INNOVATION_DESCRIPTION": {
                "name": "Contradictory record",
                "categories": ["DIGITAL"],
                "mainCategory": "AI",
            },
            "UNDERSTANDING_OF_NEEDS": {"keyHealthInequalities": ["NONE", "MATERNITY"]},
            "REGULATIONS_AND_STANDARDS": {
                "standards": [{"type": "DTAC", "hasMet": "YES"}, {"type": "DTAC"}]
            },
        }
        response = await client.post(
            IMPORT, json=record, params={"innovation_id": str(uuid.uuid4())}
        )
        body = assert_problem(response, 422, "inconsistent-innovation-record")
        assert [error["pointer"] for error in body["errors"]] == [
            "/INNOVATION_DESCRIPTION/mainCategory",
            "/UNDERSTANDING_OF_NEEDS/keyHealthInequalities",
            "/REGULATIONS_AND_STANDARDS/standards/1/type",
        ]
        listed = (await client.get("/v1/projects", params={"q": "Contradictory"})).json()
        assert listed["items"] == []

    async def test_innovation_id_is_required(self, client: httpx.AsyncClient) -> None:
        response = await client.post(IMPORT, json=fixture("early_idea"))
        body = assert_problem(response, 422)
        assert [error["pointer"] for error in body["errors"]] == ["/innovation_id"]


class TestAccess:
    async def test_contributor_imports_and_joins_the_team_others_cannot_update(
        self, app, tokens
    ) -> None:
        innovation = uuid.uuid4()
        async with api_client(app, token=tokens("contributor", sub="ana")) as ana:
            project = (await import_record(ana, fixture("early_idea"), innovation))["project"]
            team = (await ana.get(f"/v1/projects/{project['id']}/team")).json()["items"]
            assert [member["subject"] for member in team] == ["ana"]
            assert (await import_record(ana, fixture("early_idea"), innovation, status=200))[
                "imports"
            ] == 2
        async with api_client(app, token=tokens("contributor", sub="mallory")) as mallory:
            response = await mallory.post(
                IMPORT, json=fixture("early_idea"), params={"innovation_id": str(innovation)}
            )
        assert_problem(response, 403, "not-a-project-team-member")
        async with api_client(app, token=tokens("viewer", sub="vic")) as vic:
            refused = await vic.post(
                IMPORT, json=fixture("early_idea"), params={"innovation_id": str(uuid.uuid4())}
            )
            assert_problem(refused, 403)
            assert (
                await vic.get(f"/v1/projects/{project['id']}/nhs-innovation-record")
            ).status_code == 200

    async def test_archived_project_is_read_only(self, client: httpx.AsyncClient) -> None:
        innovation = uuid.uuid4()
        project = (await import_record(client, fixture("early_idea"), innovation))["project"]
        archived = await client.post(
            f"/v1/projects/{project['id']}/archive", json={"reason": "Duplicate registration."}
        )
        assert archived.status_code == 200, archived.text
        response = await client.post(
            IMPORT, json=fixture("early_idea"), params={"innovation_id": str(innovation)}
        )
        assert_problem(response, 409, "project-archived")


class TestRouting:
    async def test_static_import_path_is_not_captured(self, client: httpx.AsyncClient) -> None:
        response = await client.get(IMPORT)
        assert_problem(response, 405)
        assert response.headers["Allow"] == "POST"


class TestAudit:
    async def test_imports_are_audited_without_the_record_text(
        self, client: httpx.AsyncClient
    ) -> None:
        innovation = uuid.uuid4()
        project = (await import_record(client, fixture("pessary_device"), innovation))["project"]
        await import_record(client, fixture("pessary_device"), innovation, status=200)
        trail = (
            await client.get("/v1/audit", params={"entity_type": "nhs_record_document"})
        ).json()["items"]
        mine = [
            e for e in trail if e["changes"].get("project_id", {}).get("after") == project["id"]
        ]
        assert [e["action"] for e in mine] == ["created"]
        updated = [
            e for e in trail if e["entity_id"] == mine[0]["entity_id"] and e["action"] == "updated"
        ]
        assert len(updated) == 1 and updated[0]["changes"]["imports"] == {"before": 1, "after": 2}
        assert {e["changes"].get("document", {}).get("after") for e in [*mine, *updated]} <= {
            "[redacted]",
            None,
        }
        assert mine[0]["changes"]["document"]["after"] == "[redacted]"


class TestRace:
    async def test_two_first_imports_at_once_are_a_409_for_the_second(
        self, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from projects_service.nhs_record import repository

        innovation = uuid.uuid4()
        first = await import_record(client, fixture("early_idea"), innovation)

        async def unseen(session: Any, innovation_id: uuid.UUID) -> None:
            return None  # as a request that read before the first one committed

        monkeypatch.setattr(repository, "by_innovation", unseen)
        response = await client.post(
            IMPORT, json=fixture("early_idea"), params={"innovation_id": str(innovation)}
        )
        assert_problem(response, 409, "innovation-import-race")
        listed = (
            await client.get("/v1/projects", params={"q": "Peer-led falls prevention"})
        ).json()["items"]
        assert [p["id"] for p in listed] == [first["project"]["id"]]  # nothing else was kept
