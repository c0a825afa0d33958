"""Engagements (S8), participation, "you said, we did" (S9), plans, equality, involvement."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from services.stakeholders.tests.builders import consent, create_stakeholder, engagement_body
from shared.testing import FakeProjects, TokenFactory, api_client, assert_problem


async def create_engagement(
    api: httpx.AsyncClient, project_id: uuid.UUID, **overrides: Any
) -> dict[str, Any]:
    adjustments = {"accessibility_adjustments": ["BSL interpreter", "Step-free venue"]}
    body = engagement_body(project_id, **adjustments | overrides)
    response = await api.post("/v1/engagements", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def completed(api: httpx.AsyncClient, project_id: uuid.UUID, **overrides: Any) -> Any:
    engagement = await create_engagement(api, project_id, **overrides)
    response = await api.post(
        f"/v1/engagements/{engagement['id']}/transitions",
        json={"to": "completed", "anonymous_attendee_count": 12},
    )
    assert response.status_code == 200, response.text
    return response.json()


class TestEngagements:
    async def test_create_complete_and_transitions(
        self, client: httpx.AsyncClient, projects: FakeProjects, app: FastAPI, tokens: TokenFactory
    ) -> None:
        engagement = await create_engagement(client, projects.add_project())
        assert engagement["status"] == "planned"
        assert engagement["allowed_transitions"] == ["completed", "cancelled"]
        assert engagement["accessibility_adjustments"] == ["BSL interpreter", "Step-free venue"]
        url = f"/v1/engagements/{engagement['id']}"
        assert_problem(
            await client.post(f"{url}/participants", json={"stakeholder_id": str(uuid.uuid4())}),
            409,
            "engagement-not-completed",
        )
        stale = await client.post(
            f"{url}/transitions", json={"to": "completed"}, headers={"If-Match": '"v0"'}
        )
        assert_problem(stale, 412, "precondition-failed")
        done = await client.post(
            f"{url}/transitions",
            json={"to": "completed", "anonymous_attendee_count": 7, "reason": "Held as planned."},
            headers={"If-Match": '"v1"'},
        )
        assert done.status_code == 200, done.text
        assert done.headers["ETag"] == '"v2"'
        assert done.json()["status"] == "completed"
        assert done.json()["status_reason"] == "Held as planned."
        assert done.json()["anonymous_attendee_count"] == 7
        assert done.json()["allowed_transitions"] == []
        for target in ("cancelled", "completed", "planned"):
            refused = await client.post(f"{url}/transitions", json={"to": target})
            assert_problem(refused, 409, "illegal-transition")
        async with api_client(app, token=tokens("service")) as service:
            types = [e["type"] for e in (await service.get("/v1/events")).json()["items"]]
        assert "engagement.completed" in types
        assert (await client.post(f"{url}/complete", json={})).status_code == 404  # no verbs

    async def test_cancel_with_a_reason_and_no_completion_fields(
        self, client: httpx.AsyncClient, projects: FakeProjects, as_role: Any
    ) -> None:
        engagement = await create_engagement(client, projects.add_project())
        url = f"/v1/engagements/{engagement['id']}"
        mixed = await client.post(
            f"{url}/transitions", json={"to": "cancelled", "anonymous_attendee_count": 3}
        )
        assert_problem(mixed, 422, "validation-error")
        async with as_role("viewer", sub="vic") as viewer:
            seen = (await viewer.get(url)).json()
        assert seen["allowed_transitions"] == []  # a viewer never writes
        cancelled = await client.post(
            f"{url}/transitions", json={"to": "cancelled", "reason": "Venue flooded."}
        )
        assert cancelled.status_code == 200, cancelled.text
        body = cancelled.json()
        assert (body["status"], body["status_reason"]) == ("cancelled", "Venue flooded.")
        assert body["allowed_transitions"] == []
        assert body["anonymous_attendee_count"] == 0
        listed = (await client.get("/v1/engagements", params={"status": "cancelled"})).json()
        assert [e["id"] for e in listed["items"]] == [engagement["id"]]

    async def test_unknown_project_points_at_the_list_item(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        known = projects.add_project()
        response = await client.post(
            "/v1/engagements",
            json=engagement_body(
                known,
                uuid.uuid4(),
                title="Survey",
                type="survey",
                iap2_level="consult",
                mode="online",
            ),
        )
        body = assert_problem(response, 422, "unknown-project")
        assert body["errors"][0]["pointer"] == "/project_ids/1"

    async def test_participation_once_per_stakeholder(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        engagement = await completed(client, projects.add_project())
        stakeholder = await create_stakeholder(client)
        url = f"/v1/engagements/{engagement['id']}/participants"
        first = await client.post(url, json={"stakeholder_id": stakeholder["id"]})
        assert first.status_code == 201
        again = await client.post(url, json={"stakeholder_id": stakeholder["id"]})
        assert_problem(again, 409, "duplicate-participation")
        unknown = await client.post(url, json={"stakeholder_id": str(uuid.uuid4())})
        assert_problem(unknown, 422, "unknown-stakeholder")
        assert len((await client.get(url)).json()["items"]) == 1


class TestFeedback:
    async def test_closure_requires_a_response(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        engagement = await completed(client, projects.add_project())
        created = await client.post(
            f"/v1/engagements/{engagement['id']}/feedback",
            json={"theme": "Waiting", "content": "The lounge has nowhere to charge a phone."},
        )
        assert created.status_code == 201
        url = f"/v1/engagements/{engagement['id']}/feedback/{created.json()['id']}"
        assert_problem(
            await client.patch(url, json={"status": "closed"}), 409, "illegal-feedback-transition"
        )
        await client.patch(url, json={"status": "considered"})
        await client.patch(url, json={"status": "acted_on"})
        refused = await client.patch(url, json={"status": "closed"})
        assert_problem(refused, 409, "feedback-closure-requires-response")
        closed = await client.patch(
            url, json={"status": "closed", "response": "Charging points fitted in March."}
        )
        assert closed.status_code == 200
        assert closed.json()["status"] == "closed"
        assert closed.json()["responded_at"] is not None
        assert_problem(
            await client.patch(url, json={"response": "changed"}),
            409,
            "illegal-feedback-transition",
        )

    async def test_summary_closure_rate_and_levels(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        project_id = projects.add_project()
        engagement = await completed(client, project_id)
        await completed(client, project_id, type="survey", iap2_level="consult")
        await create_engagement(client, projects.add_project())  # another project
        base = f"/v1/engagements/{engagement['id']}/feedback"
        ids = [
            (await client.post(base, json={"theme": t, "content": "..."})).json()["id"]
            for t in ("signage", "parking")
        ]
        for status in ("considered", "not_acted_with_reason"):
            await client.patch(f"{base}/{ids[0]}", json={"status": status})
        await client.patch(f"{base}/{ids[0]}", json={"status": "closed", "response": "Explained."})
        summary = (await client.get(f"/v1/engagements/summary?project_id={project_id}")).json()
        assert summary["engagements"] == 2
        assert [c["value"] for c in summary["by_iap2_level"]] == [
            "inform",
            "consult",
            "involve",
            "collaborate",
            "empower",
        ]
        assert {c["value"]: c["count"] for c in summary["by_iap2_level"]}["consult"] == 1
        assert summary["by_month"] == [{"value": "2026-03", "count": 2}]
        assert summary["feedback_items"] == 2
        assert summary["feedback_closure_rate"] == 0.5
        assert summary["median_days_to_response"] == 0.0
        assert summary["anonymous_attendees"] == 24
        assert summary["attended_participants"] is None  # 0 people: suppressed


class TestPlans:
    async def test_stakeholder_or_segment(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        project_id = projects.add_project()
        body = {
            "project_id": str(project_id),
            "target_level": "involve",
            "frequency": "monthly",
            "owner": "olive-owner",
            "methods": ["workshop"],
        }
        assert_problem(
            await client.post("/v1/engagements/plans", json=body), 422, "plan-target-required"
        )
        ok = await client.post("/v1/engagements/plans", json={**body, "segment": "carer"})
        assert ok.status_code == 201
        listed = (await client.get(f"/v1/engagements/plans?project_id={project_id}")).json()
        assert [i["segment"] for i in listed["items"]] == ["carer"]


ANSWERS = {"age_band": "45_54", "sex": "female", "ethnic_category": "N", "imd_quintile": "1"}


class TestEquality:
    async def test_anonymous_by_default_and_never_read_back(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        engagement = await completed(client, projects.add_project())
        response = await client.post(
            f"/v1/engagements/{engagement['id']}/equality-responses", json=ANSWERS
        )
        assert response.status_code == 201
        assert response.json()["linked"] is False
        assert "ethnic_category" not in response.json()

    async def test_postcode_is_refused(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        engagement = await completed(client, projects.add_project())
        response = await client.post(
            f"/v1/engagements/{engagement['id']}/equality-responses",
            json={**ANSWERS, "postcode": "L7 8XP"},
        )
        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["pointer"] == "/postcode"
        assert "L7 8XP" not in response.text

    async def test_linking_needs_consent_and_withdrawal_stops_processing(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        project_id = projects.add_project()
        engagement = await completed(client, project_id)
        url = f"/v1/engagements/{engagement['id']}/equality-responses"
        people = [await create_stakeholder(client) for _ in range(6)]
        refused = await client.post(url, json={**ANSWERS, "stakeholder_id": people[0]["id"]})
        assert_problem(refused, 409, "equality-consent-missing")
        consents = []
        for person in people:
            consents.append(
                await consent(
                    client,
                    person["id"],
                    "equality_monitoring_linked",
                    article9_condition="explicit_consent",
                )
            )
            linked = await client.post(url, json={**ANSWERS, "stakeholder_id": person["id"]})
            assert linked.json()["linked"] is True
        report = await client.get(f"/v1/engagements/equality-report?project_id={project_id}")
        assert report.json()["responses"] == 6
        await client.post(
            f"/v1/stakeholders/{people[0]['id']}/consents/{consents[0]['id']}/transitions",
            json={"to": "withdrawn"},
        )
        after = await client.get(f"/v1/engagements/equality-report?project_id={project_id}")
        assert after.json()["responses"] == 5

    async def test_report_suppresses_small_cells_and_the_subtraction_case(
        self, client: httpx.AsyncClient, projects: FakeProjects, as_role: Any
    ) -> None:
        project_id = projects.add_project()
        engagement = await completed(client, project_id)
        url = f"/v1/engagements/{engagement['id']}/equality-responses"
        # sex: 10 female, 8 male, 3 prefer not to say (21 in all)
        for sex, n in (("female", 10), ("male", 8), ("prefer_not_to_say", 3)):
            for _ in range(n):
                assert (await client.post(url, json={**ANSWERS, "sex": sex})).status_code == 201
        async with as_role("reporter", sub="rita") as reporter:
            report = (
                await reporter.get(
                    f"/v1/engagements/equality-report?engagement_id={engagement['id']}"
                )
            ).json()
        assert report["responses"] == 21
        sex = next(d for d in report["characteristics"] if d["name"] == "sex")
        cells = {c["value"]: c["count"] for c in sex["cells"]}
        assert cells == {"female": 10, "male": None, "prefer_not_to_say": None}
        assert sex["total"] == 21
        # Subtraction no longer recovers the 3: 21 - 10 = 11 spread over two hidden cells.
        # Everyone in one age band: the empty bands are hidden, and showing the 21 would reveal
        # them (21 - 21 = 0), so only the total is shown.
        age = next(d for d in report["characteristics"] if d["name"] == "age_band")
        assert age["total"] == 21
        assert all(c["count"] is None for c in age["cells"])
        assert report["core20_share"] is None


class TestInvolvement:
    async def test_roles_summary_standards_and_gripp2(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        project_id = projects.add_project()
        for i in range(6):
            person = await create_stakeholder(client, display_name=f"Contributor {i}")
            response = await client.post(
                "/v1/involvement/roles",
                json={
                    "stakeholder_id": person["id"],
                    "project_id": str(project_id),
                    "role": "advisory_group_member" if i < 5 else "co_researcher",
                    "stages": ["design", "evaluation"],
                    "start_date": "2026-01-01",
                    "payment_offered": True,
                    "training_provided": i < 2,
                },
            )
            assert response.status_code == 201, response.text
        ratings = [
            {"standard": s, "level": "developing"}
            for s in (
                "inclusive_opportunities",
                "working_together",
                "support_and_learning",
                "communications",
                "impact",
            )
        ]
        incomplete = await client.post(
            "/v1/involvement/standards",
            json={
                "scope": "project",
                "project_id": str(project_id),
                "period": "2026-Q1",
                "ratings": ratings,
            },
        )
        assert_problem(incomplete, 422, "validation-error")
        full = await client.post(
            "/v1/involvement/standards",
            json={
                "scope": "project",
                "project_id": str(project_id),
                "period": "2026-Q1",
                "ratings": [*ratings, {"standard": "governance", "level": "not_started"}],
            },
        )
        assert full.status_code == 201, full.text
        summary = (await client.get(f"/v1/involvement/summary?project_id={project_id}")).json()
        assert summary["contributors"] == 6
        roles = {c["value"]: c["count"] for c in summary["by_role"]["cells"]}
        # 5 + 1 + four empty roles: the 1 and the zeros sum below 5, so the 5 is hidden too.
        assert set(roles.values()) == {None}
        assert summary["by_role"]["total"] == 6
        stages = {c["value"]: c["count"] for c in summary["by_stage"]["cells"]}
        assert stages["evaluation"] == 6 and stages["design"] is None
        assert summary["payment_offered"] == 6
        assert summary["training_provided"] is None  # 2 people: suppressed
        assert {s["standard"]: s["level"] for s in summary["standards"]}[
            "governance"
        ] == "not_started"
        draft = (await client.get(f"/v1/involvement/gripp2?project_id={project_id}")).json()
        assert [i["item"] for i in draft["items"]] == [
            "aim",
            "methods",
            "results",
            "outcomes",
            "critical_perspective",
        ]
        assert draft["status"] == "draft"
        methods = draft["items"][1]["draft"]
        assert "6 public contributors" in methods and "advisory group member" in methods
        assert "governance" in draft["items"][4]["draft"]
        assert "Contributor" not in str(draft)
