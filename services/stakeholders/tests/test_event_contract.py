"""The stakeholders service's event contract: a representative run of its writes (stakeholders
with contact details, links, assessments and consents; engagements held with feedback closed; a
GRIPP2 report finalised; data subject requests moved, extended and overdue; a relationship
orphaned by a role's end; an erasure) and every event they put on the feed validates against the
catalog it publishes at `GET /v1/events/schemas`, personal fields only as "[redacted]"; its source
declares nothing the catalog lacks."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.stakeholders.tests.builders import (
    EMAIL,
    NAME,
    assessment_body,
    consent,
    create_stakeholder,
    link,
)
from services.stakeholders.tests.test_engagements import completed
from services.stakeholders.tests.test_orphaned_relationships import _ended
from services.stakeholders.tests.test_privacy import DSR, move, open_request
from shared.testing import FakeProjects, TokenFactory, api_client
from shared.testing.event_schemas import catalog, feed_events, undeclared, violations


async def _writes(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, app: FastAPI, projects: FakeProjects
) -> None:
    project = projects.add_project("olive")
    ann = await create_stakeholder(client)
    await client.patch(f"/v1/stakeholders/{ann['id']}", json={"display_name": NAME + " Jr"})
    await link(client, ann["id"], project, owner="olive")
    response = await client.post(
        f"/v1/stakeholders/{ann['id']}/assessments", json=assessment_body(project)
    )
    assert response.status_code == 201, response.text
    given = await consent(client, ann["id"])
    response = await client.post(
        f"/v1/stakeholders/{ann['id']}/consents/{given['id']}/transitions", json={"to": "withdrawn"}
    )
    assert response.status_code == 200, response.text
    engagement = await completed(client, project)
    base = f"/v1/engagements/{engagement['id']}/feedback"
    item = (await client.post(base, json={"theme": "Waiting", "content": "No chargers."})).json()
    for status in ("considered", "acted_on"):
        assert (
            await client.patch(f"{base}/{item['id']}", json={"status": status})
        ).status_code == 200
    closed = await client.patch(
        f"{base}/{item['id']}", json={"status": "closed", "response": "Chargers fitted."}
    )
    assert closed.status_code == 200, closed.text
    report = (
        await client.post("/v1/involvement/gripp2/reports", json={"project_id": str(project)})
    ).json()
    finalised = await client.post(f"/v1/involvement/gripp2/reports/{report['id']}/finalise")
    assert finalised.status_code == 200, finalised.text
    # Data subject requests: one overdue (flagged by the retention run), one extended.
    late = await open_request(client, ann["id"], received_at="2025-01-01T09:00:00Z")
    assert (await move(client, late["id"], "identity_verified")).status_code == 200
    extended = await client.post(f"{DSR}/{late['id']}/extend", json={"reason": "Complex."})
    assert extended.status_code == 200, extended.text
    assert (await admin.post("/v1/stakeholders/retention-runs")).status_code == 200
    # A relationship orphaned: its only owner's last role on the project ended.
    _ended(projects, project, "olive")
    assert await app.state.consumers["projects"].step() == 1
    # Erasure of a second person, through an erasure request in progress.
    ben = await create_stakeholder(admin, display_name="Ben Example")
    await admin.put(f"/v1/stakeholders/{ben['id']}/contact", json={"email": EMAIL})
    erasure = await open_request(admin, ben["id"], type="erasure")
    for to in ("identity_verified", "in_progress"):
        assert (await move(admin, erasure["id"], to)).status_code == 200
    erased = await admin.post(
        f"/v1/stakeholders/{ben['id']}/erasure", json={"request_id": erasure["id"]}
    )
    assert erased.status_code == 200, erased.text


async def test_every_event_of_a_representative_run_matches_the_catalog(
    client: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    app: FastAPI,
    projects: FakeProjects,
    tokens: TokenFactory,
) -> None:
    await _writes(client, admin, app, projects)
    async with api_client(app, token=tokens("service")) as service:
        document = await catalog(service)
        events = await feed_events(service)
    emitted = {event["type"] for event in events}
    domain = {e["type"] for e in document["event_types"] if "domain" in e["kinds"]}
    assert domain <= emitted, sorted(domain - emitted)
    assert {
        "stakeholder.tombstoned",
        "gripp2_report.finalised",
        "contact_details.created",
    } <= emitted
    assert violations(document, events) == []
    # What the schema says of personal data is what the feed does: never a value.
    assert NAME not in str(events) and EMAIL not in str(events)


async def test_the_source_emits_nothing_the_catalog_lacks(
    app: FastAPI, tokens: TokenFactory
) -> None:
    async with api_client(app, token=tokens("viewer")) as viewer:
        document = await catalog(viewer)
    assert undeclared("stakeholders", document) == []
    contact = document["json_schema"]["$defs"]["row.contact_details"]["properties"]["entity"]
    assert contact["properties"]["email"]["enum"] == ["[redacted]", None]
