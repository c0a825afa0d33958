"""`decision.recorded` from the assessment feed (simulated) moves the stage across gates."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from shared.testing import TokenFactory, api_client


def decision(
    project_id: str, gate: str, outcome: str, decision_id: str | None = None
) -> dict[str, str | None]:
    return {
        "decision_id": decision_id or str(uuid.uuid4()),
        "assessment_id": str(uuid.uuid4()),
        "project_id": project_id,
        "gate": gate,
        "outcome": outcome,
        "computed_recommendation": "proceed",
        "decided_at": "2026-05-01T10:00:00Z",
        "supersedes_id": None,
    }


async def consume(app: FastAPI) -> int:
    return await app.state.consumers["assessment"].step()


class TestDecisionRecorded:
    async def test_walks_the_main_path_through_the_gates(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        pid = project["id"]
        for gate, outcome in (
            ("g0_triage", "proceed"),
            ("g1_scoping", "proceed"),
            ("g2_pilot_approval", "proceed_with_conditions"),
        ):
            assessment.publish(
                "decision.recorded", decision(pid, gate, outcome), entity_type="decision"
            )
        await consume(app)
        assert (await client.get(f"/v1/projects/{pid}")).json()["stage"] == "pilot"
        await client.post(
            f"/v1/projects/{pid}/transitions", json={"action": "end_pilot", "reason": "Pilot ended"}
        )
        assessment.publish(
            "decision.recorded",
            decision(pid, "g3_post_pilot_review", "proceed"),
            entity_type="decision",
        )
        assessment.publish(
            "decision.recorded", decision(pid, "g4_scale_or_adopt", "adopt"), entity_type="decision"
        )
        assessment.publish(
            "decision.recorded",
            decision(pid, "g5_sustainability_review", "proceed"),
            entity_type="decision",
        )
        await consume(app)
        history = (await client.get(f"/v1/projects/{pid}/stages")).json()["items"]
        assert [h["to_stage"] for h in history] == [
            "scoping",
            "design",
            "pilot",
            "evaluation",
            "embedding",
            "sustained",
        ]
        assert all(h["decision_id"] for h in history if h["kind"] == "decision")
        decisions = (await client.get(f"/v1/projects/{pid}/decisions")).json()["items"]
        assert [d["effect"] for d in decisions] == ["applied"] * 3 + [
            "no_change",
            "applied",
            "applied",
        ]
        assert "awaiting G4" in decisions[3]["note"]

    async def test_idempotent_on_decision_id(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        same = str(uuid.uuid4())
        assessment.publish(
            "decision.recorded",
            decision(project["id"], "g0_triage", "proceed", same),
            entity_type="decision",
        )
        # The same decision redelivered under a new event id (e.g. replayed by the producer).
        assessment.publish(
            "decision.recorded",
            decision(project["id"], "g0_triage", "proceed", same),
            entity_type="decision",
        )
        assert await consume(app) == 2
        assert await consume(app) == 0
        assert (await client.get(f"/v1/projects/{project['id']}")).json()["stage"] == "scoping"
        assert len((await client.get(f"/v1/projects/{project['id']}/stages")).json()["items"]) == 1

    async def test_decision_that_does_not_fit_is_recorded_as_rejected(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        assessment.publish(
            "decision.recorded",
            decision(project["id"], "g4_scale_or_adopt", "scale"),
            entity_type="decision",
        )
        assessment.publish(
            "decision.recorded",
            decision(str(uuid.uuid4()), "g0_triage", "proceed"),
            entity_type="decision",
        )
        assessment.publish("decision.recorded", {"gate": "g0_triage"}, entity_type="decision")
        assessment.publish(
            "decision.recorded",
            decision(project["id"], "g0_triage", "proceed"),
            entity_type="decision",
        )
        assert await consume(app) == 4  # nothing stalls the feed
        assert (await client.get(f"/v1/projects/{project['id']}")).json()["stage"] == "scoping"
        decisions = (await client.get(f"/v1/projects/{project['id']}/decisions")).json()["items"]
        assert [d["effect"] for d in decisions] == ["rejected", "applied"]
        assert "g4_scale_or_adopt decides on projects in evaluation" in decisions[0]["note"]
        async with app.state.database.sessionmaker() as session:
            from sqlalchemy import select

            from shared.platform import platform_of

            consumed = platform_of(session).consumed_event
            notes = (await session.scalars(select(consumed.c.outcome))).all()
        assert any(note.startswith("ignored: the event has no valid") for note in notes)
        assert any("No such project" in note for note in notes)

    async def test_pause_and_stop_outcomes(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        assessment.publish(
            "decision.recorded",
            decision(project["id"], "g0_triage", "pause"),
            entity_type="decision",
        )
        await consume(app)
        body = (await client.get(f"/v1/projects/{project['id']}")).json()
        assert (body["stage"], body["paused_from"]) == ("paused", "idea")
        assessment.publish(
            "decision.recorded",
            decision(project["id"], "g0_triage", "stop"),
            entity_type="decision",
        )
        await consume(app)
        assert (await client.get(f"/v1/projects/{project['id']}")).json()["stage"] == "stopped"

    async def test_publishes_stage_changed_with_decision_id(
        self, app: FastAPI, build, assessment, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        recorded = decision(project["id"], "g0_triage", "proceed")
        assessment.publish("decision.recorded", recorded, entity_type="decision")
        await consume(app)
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=project.stage_changed")).json()["items"]
        assert events[0]["data"]["decision_id"] == recorded["decision_id"]
        assert (events[0]["data"]["from_stage"], events[0]["data"]["to_stage"]) == (
            "idea",
            "scoping",
        )
