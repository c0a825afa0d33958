"""Consent, data subject requests, the access export, erasure and retention."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from services.stakeholders.tests.builders import (
    EMAIL,
    NAME,
    PHONE,
    consent,
    create_stakeholder,
    link,
)
from shared.testing import FakeProjects, TokenFactory, api_client, assert_problem
from stakeholders_service.db import Base
from stakeholders_service.privacy.service import add_months
from stakeholders_service.stakeholders.models import Stakeholder

DSR = "/v1/stakeholders/data-subject-requests"


async def events(app: FastAPI, tokens: TokenFactory, *types: str) -> list[dict[str, Any]]:
    async with api_client(app, token=tokens("service")) as service:
        items = (await service.get("/v1/events?limit=200")).json()["items"]
    return [e for e in items if not types or e["type"] in types]


async def move(api: httpx.AsyncClient, request_id: str, to: str, **body: Any) -> httpx.Response:
    return await api.post(f"{DSR}/{request_id}/transitions", json={"to": to, **body})


async def open_request(api: httpx.AsyncClient, stakeholder_id: str, **body: Any) -> dict[str, Any]:
    response = await api.post(
        f"/v1/stakeholders/{stakeholder_id}/data-subject-requests",
        json={"type": "access", **body},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestConsent:
    async def test_special_category_purpose_needs_article9_condition(
        self, client: httpx.AsyncClient
    ) -> None:
        stakeholder = await create_stakeholder(client)
        response = await client.post(
            f"/v1/stakeholders/{stakeholder['id']}/consents",
            json={
                "purpose": "equality_monitoring_linked",
                "lawful_basis": "consent",
                "information_version": "EqMon v1",
                "method": "electronic",
            },
        )
        body = assert_problem(response, 422, "article9-condition-required")
        assert body["errors"][0]["pointer"] == "/article9_condition"
        ok = await consent(
            client,
            stakeholder["id"],
            "equality_monitoring_linked",
            article9_condition="explicit_consent",
        )
        assert ok["state"] == "given"

    async def test_withdrawal_is_terminal_and_emits_consent_withdrawn(
        self, client: httpx.AsyncClient, app: FastAPI, tokens: TokenFactory
    ) -> None:
        stakeholder = await create_stakeholder(client)
        created = await client.post(
            f"/v1/stakeholders/{stakeholder['id']}/consents",
            json={
                "purpose": "contact_for_engagement",
                "lawful_basis": "consent",
                "information_version": "PIS v2.1",
                "method": "written",
            },
        )
        given = created.json()
        assert given["allowed_transitions"] == ["withdrawn"]
        read = await client.get(created.headers["location"])
        assert read.json() == given and read.headers["etag"] == created.headers["etag"]
        url = f"/v1/stakeholders/{stakeholder['id']}/consents/{given['id']}/transitions"
        stale = await client.post(url, json={"to": "withdrawn"}, headers={"If-Match": '"v0"'})
        assert_problem(stale, 412)
        response = await client.post(
            url, json={"to": "withdrawn"}, headers={"If-Match": read.headers["etag"]}
        )
        assert response.status_code == 200
        assert response.json()["state"] == "withdrawn"
        assert response.json()["allowed_transitions"] == []
        assert response.headers["etag"] == f'"v{response.json()["version"]}"'
        again = await client.post(url, json={"to": "withdrawn"})
        assert_problem(again, 409, "illegal-transition")
        (event,) = await events(app, tokens, "consent.withdrawn")
        assert event["data"]["consent_id"] == given["id"]
        assert event["data"]["purpose"] == "contact_for_engagement"
        # Append-only: the record is still there, with its history.
        listed = (await client.get(f"/v1/stakeholders/{stakeholder['id']}/consents")).json()
        assert [c["state"] for c in listed["items"]] == ["withdrawn"]

    async def test_consent_of_another_stakeholder_is_404(self, client: httpx.AsyncClient) -> None:
        one = await create_stakeholder(client)
        other = await create_stakeholder(client)
        given = await consent(client, one["id"])
        response = await client.post(
            f"/v1/stakeholders/{other['id']}/consents/{given['id']}/transitions",
            json={"to": "withdrawn"},
        )
        assert_problem(response, 404, "consent-not-found")

    async def test_a_consent_is_given_by_recording_and_expires_by_date_never_by_a_move(
        self, client: httpx.AsyncClient
    ) -> None:
        stakeholder = await create_stakeholder(client)
        given = await consent(client, stakeholder["id"])
        url = f"/v1/stakeholders/{stakeholder['id']}/consents/{given['id']}/transitions"
        for to in ("given", "expired"):
            assert_problem(await client.post(url, json={"to": to}), 409, "illegal-transition")
        # A consent keeps no free text: a reason is refused, not silently dropped.
        reason = await client.post(url, json={"to": "withdrawn", "reason": "Moved away"})
        assert_problem(reason, 422, "validation-error")
        assert (await client.get(f"/v1/stakeholders/{stakeholder['id']}/consents")).json()["items"][
            0
        ]["state"] == "given"

    async def test_readers_who_never_write_are_offered_no_move(
        self, client: httpx.AsyncClient, as_role: Any
    ) -> None:
        stakeholder = await create_stakeholder(client)
        await consent(client, stakeholder["id"])
        async with as_role("viewer") as viewer:
            listed = await viewer.get(f"/v1/stakeholders/{stakeholder['id']}/consents")
        assert [c["allowed_transitions"] for c in listed.json()["items"]] == [[]]


class TestDueDates:
    @pytest.mark.parametrize(
        ("received", "months", "due"),
        [
            ("2026-01-15T10:00:00+00:00", 1, "2026-02-15T10:00:00+00:00"),
            ("2026-01-31T10:00:00+00:00", 1, "2026-02-28T10:00:00+00:00"),
            ("2028-01-31T10:00:00+00:00", 1, "2028-02-29T10:00:00+00:00"),
            ("2026-11-30T10:00:00+00:00", 3, "2027-02-28T10:00:00+00:00"),
            ("2026-12-05T10:00:00+00:00", 1, "2027-01-05T10:00:00+00:00"),
        ],
    )
    def test_calendar_months(self, received: str, months: int, due: str) -> None:
        start = dt.datetime.fromisoformat(received)
        assert add_months(start, months) == dt.datetime.fromisoformat(due)


class TestDataSubjectRequests:
    async def test_lifecycle_due_date_and_single_extension(self, client: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(client)
        dsr = await open_request(client, stakeholder["id"], received_at="2026-01-31T09:00:00Z")
        assert dsr["status"] == "received"
        assert dsr["due_at"] == "2026-02-28T09:00:00Z"
        assert dsr["allowed_transitions"] == ["identity_verified", "refused"]
        url = f"{DSR}/{dsr['id']}"
        assert_problem(await move(client, dsr["id"], "in_progress"), 409, "illegal-transition")
        verified = await move(client, dsr["id"], "identity_verified")
        assert verified.status_code == 200
        assert verified.json()["status"] == "identity_verified"
        assert verified.json()["identity_verified_at"] is not None
        assert verified.headers["etag"] == f'"v{verified.json()["version"]}"'
        extended = await client.post(f"{url}/extend", json={"reason": "Records across 3 sites."})
        assert extended.json()["due_at"] == "2026-04-30T09:00:00Z"
        again = await client.post(f"{url}/extend", json={"reason": "More"})
        assert_problem(again, 409, "request-extension-already-used")
        started = (await move(client, dsr["id"], "in_progress")).json()
        assert started["status"] == "in_progress"
        assert started["allowed_transitions"] == ["completed", "refused"]
        assert_problem(await move(client, dsr["id"], "completed"), 422, "outcome-required")
        partial = await move(client, dsr["id"], "completed", outcome="partially_actioned")
        assert_problem(partial, 422, "exemption-required")
        done = await move(
            client,
            dsr["id"],
            "completed",
            outcome="partially_actioned",
            exemption="legal_claims",
            reason="Sent what is not privileged.",
        )
        assert done.json()["status"] == "completed"
        assert done.json()["closed_at"] is not None
        assert done.json()["allowed_transitions"] == []
        assert done.json()["notes"] == "completed: Sent what is not privileged."
        assert_problem(
            await move(client, dsr["id"], "refused", exemption="public_task"),
            409,
            "illegal-transition",
        )
        closed = await client.post(f"{url}/extend", json={"reason": "Late"})
        assert_problem(closed, 409, "data-subject-request-closed")
        audit = (
            await client.get(f"/v1/audit?entity_type=data_subject_request&entity_id={dsr['id']}")
        ).json()
        assert [e["action"] for e in audit["items"]] == [
            "completed",
            "in_progress",
            "extended",
            "identity_verified",
            "created",
        ]
        assert audit["items"][2]["changes"]["extension_reason"]["after"] == "[redacted]"

    async def test_refusal_needs_its_exemption_and_fields_belong_to_their_move(
        self, client: httpx.AsyncClient
    ) -> None:
        stakeholder = await create_stakeholder(client)
        dsr = await open_request(client, stakeholder["id"], notes="By letter")
        body = assert_problem(await move(client, dsr["id"], "refused"), 422, "exemption-required")
        assert body["errors"][0]["pointer"] == "/exemption"
        stray = await move(client, dsr["id"], "identity_verified", outcome="actioned")
        body = assert_problem(stray, 422, "field-not-for-this-transition")
        assert body["errors"][0]["pointer"] == "/outcome"
        stray = await move(client, dsr["id"], "identity_verified", exemption="public_task")
        assert_problem(stray, 422, "field-not-for-this-transition")
        refused = await move(
            client, dsr["id"], "refused", exemption="public_task", reason="Manifestly unfounded"
        )
        assert refused.status_code == 200
        assert refused.json()["status"] == "refused"
        assert refused.json()["outcome"] == "refused"
        assert refused.json()["notes"] == "By letter\nrefused: Manifestly unfounded"
        assert_problem(await move(client, dsr["id"], "received"), 409, "illegal-transition")

    async def test_a_stale_if_match_moves_nothing(self, client: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(client)
        dsr = await open_request(client, stakeholder["id"])
        stale = await client.post(
            f"{DSR}/{dsr['id']}/transitions",
            json={"to": "identity_verified"},
            headers={"If-Match": '"v0"'},
        )
        assert_problem(stale, 412)
        assert (await client.get(f"{DSR}/{dsr['id']}")).json()["status"] == "received"

    async def test_extension_needs_a_reason(self, client: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(client)
        dsr = await open_request(client, stakeholder["id"])
        response = await client.post(f"{DSR}/{dsr['id']}/extend", json={"reason": ""})
        assert_problem(response, 422, "validation-error")

    async def test_overdue_list_and_event_raised_once(
        self,
        client: httpx.AsyncClient,
        admin: httpx.AsyncClient,
        app: FastAPI,
        tokens: TokenFactory,
    ) -> None:
        stakeholder = await create_stakeholder(client)
        late = await open_request(client, stakeholder["id"], received_at="2025-01-01T09:00:00Z")
        await open_request(client, stakeholder["id"])
        overdue = (await client.get(f"{DSR}?overdue=true")).json()["items"]
        assert [(r["id"], r["overdue"]) for r in overdue] == [(late["id"], True)]
        assert (await admin.post("/v1/stakeholders/retention-runs")).json()[
            "overdue_requests_flagged"
        ] == 1
        assert (await admin.post("/v1/stakeholders/retention-runs")).json()[
            "overdue_requests_flagged"
        ] == 0
        (event,) = await events(app, tokens, "data_subject_request.overdue")
        assert event["data"]["request_id"] == late["id"]

    async def test_only_governance_handles_requests(
        self, client: httpx.AsyncClient, as_role: Any
    ) -> None:
        stakeholder = await create_stakeholder(client)
        async with as_role("contributor") as contributor:
            response = await contributor.get(DSR)
        assert_problem(response, 403, "forbidden")
        assert_problem(
            await client.get(f"{DSR}/{uuid.uuid4()}"), 404, "data-subject-request-not-found"
        )
        assert stakeholder


class TestExport:
    async def test_complete_json_of_what_is_held(
        self, admin: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        stakeholder = await create_stakeholder(admin, external_ref="DIR-0042")
        project_id = projects.add_project()
        await link(admin, stakeholder["id"], project_id)
        await consent(admin, stakeholder["id"])
        await open_request(admin, stakeholder["id"])
        await admin.post(
            f"/v1/stakeholders/{stakeholder['id']}/assessments",
            json={
                "project_id": str(project_id),
                "power": 3,
                "interest": 3,
                "legitimacy": True,
                "urgency": True,
                "stance": "neutral",
                "relationship_quality": 3,
                "trust": 3,
                "current_level": "inform",
                "target_level": "consult",
            },
        )
        response = await admin.get(f"/v1/stakeholders/{stakeholder['id']}/export")
        assert response.status_code == 200
        assert "attachment" in response.headers["content-disposition"]
        body = response.json()
        assert body["stakeholder"]["display_name"] == NAME
        assert body["stakeholder"]["external_ref"] == "DIR-0042"
        assert body["contact_details"]["email"] == EMAIL
        assert body["contact_details"]["phone"] == PHONE
        assert [
            len(body[k])
            for k in ("project_links", "consents", "data_subject_requests", "assessments")
        ] == [
            1,
            1,
            1,
            1,
        ]
        assert body["consents"][0]["state"] == "given"
        audit = (
            await admin.get(
                f"/v1/audit?entity_type=stakeholder&entity_id={stakeholder['id']}&action=exported"
            )
        ).json()["items"]
        assert audit[0]["actor"] == "ada-admin"

    async def test_only_admins_export(self, client: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(client)
        response = await client.get(f"/v1/stakeholders/{stakeholder['id']}/export")
        assert_problem(response, 403, "forbidden")


async def all_rows_text(app: FastAPI) -> dict[str, str]:
    """Every row of every table of this service, as text, per table."""
    dump: dict[str, str] = {}
    async with app.state.database.sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            dump[table.name] = "\n".join(
                repr(
                    tuple(v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in row)
                )
                for row in rows
            )
    return dump


class TestErasure:
    async def test_no_personal_data_left_in_any_table(
        self,
        admin: httpx.AsyncClient,
        app: FastAPI,
        tokens: TokenFactory,
        projects: FakeProjects,
    ) -> None:
        # Created with an Idempotency-Key, so the stored replay echoes the person too.
        created = await admin.post(
            "/v1/stakeholders",
            json={
                "kind": "individual",
                "display_name": NAME,
                "category": "carer",
                "external_ref": "DIR-7781",
                "contact": {"email": EMAIL, "phone": PHONE, "postal_address": "1 Mersey View"},
            },
            headers={"Idempotency-Key": "create-zq"},
        )
        sid = created.json()["id"]
        await admin.patch(f"/v1/stakeholders/{sid}", json={"display_name": NAME + " Jr"})
        await admin.put(f"/v1/stakeholders/{sid}/contact", json={"email": EMAIL, "phone": PHONE})
        await link(admin, sid, projects.add_project())
        await consent(admin, sid)
        dsr = await open_request(admin, sid, type="erasure", notes=f"Letter from {NAME}")
        before = await all_rows_text(app)
        assert NAME in before["stakeholder"] and EMAIL in before["contact_details"]
        assert NAME in before["idempotency_key"]

        for to in ("identity_verified", "in_progress"):
            assert (await move(admin, dsr["id"], to)).status_code == 200
        response = await admin.post(
            f"/v1/stakeholders/{sid}/erasure", json={"request_id": dsr["id"]}
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["deleted"]["contact_details"] == 1
        assert result["deleted"]["consent_records"] == 1
        assert result["deleted"]["idempotent_replays"] == 1

        after = await all_rows_text(app)
        for table, text in after.items():
            for value in (NAME, EMAIL, PHONE, "07700", "DIR-7781", "Mersey View"):
                assert value not in text, (table, value)
        assert after["contact_details"] == "" and after["consent_record"] == ""

        tombstone = (await admin.get(f"/v1/stakeholders/{sid}")).json()
        assert tombstone["status"] == "erased"
        assert tombstone["display_name"] is None and tombstone["contact"] is None
        assert tombstone["category"] == "carer"
        assert (await admin.get(f"{DSR}/{dsr['id']}")).json()["status"] == "completed"

        (event,) = await events(app, tokens, "stakeholder.erased")
        assert event["data"] == {"stakeholder_id": sid, "erased_at": result["erased_at"]}
        assert event["entity_id"] == sid

    async def test_erased_is_terminal_and_read_only(self, admin: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(admin)
        url = f"/v1/stakeholders/{stakeholder['id']}"
        assert (await admin.post(f"{url}/erasure")).status_code == 200
        assert_problem(await admin.post(f"{url}/erasure"), 409, "stakeholder-erased")
        assert_problem(
            await admin.patch(url, json={"category": "public"}), 409, "stakeholder-erased"
        )
        assert_problem(
            await admin.post(
                f"{url}/consents",
                json={
                    "purpose": "contact_for_engagement",
                    "lawful_basis": "consent",
                    "information_version": "v1",
                    "method": "written",
                },
            ),
            409,
            "stakeholder-erased",
        )

    async def test_request_must_be_an_erasure_in_progress_of_this_person(
        self, admin: httpx.AsyncClient
    ) -> None:
        stakeholder = await create_stakeholder(admin)
        access = await open_request(admin, stakeholder["id"], type="access")
        response = await admin.post(
            f"/v1/stakeholders/{stakeholder['id']}/erasure", json={"request_id": access["id"]}
        )
        assert_problem(response, 422, "erasure-request-mismatch")
        assert (await admin.get(f"/v1/stakeholders/{stakeholder['id']}")).json()[
            "status"
        ] == "active"

    async def test_contributors_cannot_erase(self, as_role: Any, client: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(client)
        async with as_role("contributor") as contributor:
            response = await contributor.post(f"/v1/stakeholders/{stakeholder['id']}/erasure")
        assert_problem(response, 403, "forbidden")


class TestRetention:
    async def test_inactive_stakeholders_past_retention_are_erased_and_the_run_audited(
        self, admin: httpx.AsyncClient, app: FastAPI, tokens: TokenFactory
    ) -> None:
        old = await create_stakeholder(admin)
        recent = await create_stakeholder(admin)
        for stakeholder in (old, recent):
            await admin.patch(f"/v1/stakeholders/{stakeholder['id']}", json={"status": "inactive"})
        async with app.state.database.sessionmaker() as session:
            await session.execute(
                update(Stakeholder)
                .where(Stakeholder.id == uuid.UUID(old["id"]))
                .values(updated_at=dt.datetime(2015, 1, 1, tzinfo=dt.UTC))
            )
            await session.commit()
        run = (await admin.post("/v1/stakeholders/retention-runs")).json()
        assert run["erased_stakeholders"] == 1
        assert (await admin.get(f"/v1/stakeholders/{old['id']}")).json()["status"] == "erased"
        assert (await admin.get(f"/v1/stakeholders/{recent['id']}")).json()["status"] == "inactive"
        audit = (await admin.get("/v1/audit?entity_type=retention_run")).json()["items"]
        assert audit[0]["action"] == "retention_applied"
        assert audit[0]["changes"]["erased_stakeholders"] == 1
        assert len(await events(app, tokens, "stakeholder.erased")) == 1

    async def test_only_admins_run_retention(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.post("/v1/stakeholders/retention-runs"), 403, "forbidden")
