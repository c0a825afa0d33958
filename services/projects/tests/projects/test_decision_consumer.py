"""`decision.recorded` from the assessment feed (simulated) moves the stage across gates."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from shared.testing import FakeAssessment, TokenFactory, api_client, assert_problem


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


def record(assessment: FakeAssessment, *recorded: dict[str, str | None]) -> None:
    """`decision.recorded` on the assessment feed, one event per decision, in order."""
    for data in recorded:
        assessment.publish("decision.recorded", data, entity_type="decision")


async def consume(app: FastAPI) -> int:
    applied: int = await app.state.consumers["assessment"].step()
    return applied


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
            record(assessment, decision(pid, gate, outcome))
        await consume(app)
        assert (await client.get(f"/v1/projects/{pid}")).json()["stage"] == "pilot"
        ended = await client.post(
            f"/v1/projects/{pid}/transitions", json={"to": "evaluation", "reason": "Pilot ended"}
        )
        assert ended.status_code == 200 and ended.json()["stage"] == "evaluation", ended.text
        record(
            assessment,
            decision(pid, "g3_post_pilot_review", "proceed"),
            decision(pid, "g4_scale_or_adopt", "adopt"),
            decision(pid, "g5_sustainability_review", "proceed"),
        )
        await consume(app)
        history = (await client.get(f"/v1/projects/{pid}/transitions")).json()["items"]
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

    async def test_only_the_decision_crosses_the_gate(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        url = f"/v1/projects/{project['id']}/transitions"
        asked = await client.post(url, json={"to": "scoping", "reason": "Triage went well"})
        assert_problem(asked, 409, "gate-requires-decision")
        record(assessment, decision(project["id"], "g0_triage", "proceed"))
        await consume(app)
        read = (await client.get(f"/v1/projects/{project['id']}")).json()
        assert read["stage"] == "scoping" and read["allowed_transitions"] == ["paused", "stopped"]
        (change,) = (await client.get(url)).json()["items"]
        assert (change["kind"], change["action"]) == ("decision", "decision:g0_triage:proceed")

    async def test_idempotent_on_decision_id(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        same = str(uuid.uuid4())
        record(assessment, decision(project["id"], "g0_triage", "proceed", same))
        # The same decision redelivered under a new event id (e.g. replayed by the producer).
        record(assessment, decision(project["id"], "g0_triage", "proceed", same))
        assert await consume(app) == 2
        assert await consume(app) == 0
        assert (await client.get(f"/v1/projects/{project['id']}")).json()["stage"] == "scoping"
        assert (
            len((await client.get(f"/v1/projects/{project['id']}/transitions")).json()["items"])
            == 1
        )

    async def test_decision_that_does_not_fit_is_recorded_as_rejected(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        record(
            assessment,
            decision(project["id"], "g4_scale_or_adopt", "scale"),
            decision(str(uuid.uuid4()), "g0_triage", "proceed"),
            {"gate": "g0_triage"},
            decision(project["id"], "g0_triage", "proceed"),
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
        record(assessment, decision(project["id"], "g0_triage", "pause"))
        await consume(app)
        body = (await client.get(f"/v1/projects/{project['id']}")).json()
        assert (body["stage"], body["paused_from"]) == ("paused", "idea")
        record(assessment, decision(project["id"], "g0_triage", "stop"))
        await consume(app)
        assert (await client.get(f"/v1/projects/{project['id']}")).json()["stage"] == "stopped"

    async def test_publishes_stage_changed_with_decision_id(
        self, app: FastAPI, build, assessment, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        recorded = decision(project["id"], "g0_triage", "proceed")
        record(assessment, recorded)
        await consume(app)
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=project.stage_changed")).json()["items"]
        assert events[0]["data"]["decision_id"] == recorded["decision_id"]
        assert (events[0]["data"]["from_stage"], events[0]["data"]["to_stage"]) == (
            "idea",
            "scoping",
        )


def correction(
    project_id: str, gate: str, outcome: str, supersedes: dict[str, str | None]
) -> dict[str, str | None]:
    return {**decision(project_id, gate, outcome), "supersedes_id": supersedes["decision_id"]}


def superseded(corrected: dict[str, str | None], by: dict[str, str | None]) -> dict[str, Any]:
    """`decision.superseded` as the assessment service emits it."""
    return {
        "decision_id": corrected["decision_id"],
        "superseded_by_id": by["decision_id"],
        "assessment_id": corrected["assessment_id"],
        "project_id": corrected["project_id"],
        "gate": corrected["gate"],
        "outcome": corrected["outcome"],
        "new_outcome": by["outcome"],
    }


async def in_evaluation(client: httpx.AsyncClient, app: FastAPI, build, assessment) -> str:
    project = await build.project()
    pid: str = project["id"]
    for gate in ("g0_triage", "g1_scoping", "g2_pilot_approval"):
        record(assessment, decision(pid, gate, "proceed"))
    await consume(app)
    ended = await client.post(
        f"/v1/projects/{pid}/transitions", json={"to": "evaluation", "reason": "x"}
    )
    assert ended.status_code == 200, ended.text
    return pid


async def stage_of(client: httpx.AsyncClient, pid: str) -> str:
    stage: str = (await client.get(f"/v1/projects/{pid}")).json()["stage"]
    return stage


class TestDecisionCorrections:
    async def test_a_corrected_outcome_redecides_the_gate_from_where_it_was_taken(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        pid = await in_evaluation(client, app, build, assessment)
        scale = decision(pid, "g4_scale_or_adopt", "scale")
        adopt = correction(pid, "g4_scale_or_adopt", "adopt", scale)
        record(assessment, scale)
        await consume(app)
        assert await stage_of(client, pid) == "scaling"
        # The assessment service emits the correction, then `decision.superseded`.
        record(assessment, adopt)
        assessment.publish("decision.superseded", superseded(scale, adopt))
        assert await consume(app) == 2
        assert await stage_of(client, pid) == "embedding"
        history = (await client.get(f"/v1/projects/{pid}/transitions")).json()["items"]
        assert (history[-1]["from_stage"], history[-1]["to_stage"]) == ("scaling", "embedding")
        assert history[-1]["decision_id"] == adopt["decision_id"]
        decisions = {
            d["decision_id"]: d
            for d in (await client.get(f"/v1/projects/{pid}/decisions")).json()["items"]
        }
        assert decisions[scale["decision_id"]]["superseded_by_id"] == adopt["decision_id"]
        fixed = decisions[adopt["decision_id"]]
        assert (fixed["effect"], fixed["decided_on_stage"]) == ("applied", "evaluation")
        assert "scale → adopt" in fixed["note"]
        assert len(decisions) == 5  # `decision.superseded` added nothing: already handled

    async def test_correction_can_undo_a_move_or_keep_the_outcome(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        pid = project["id"]
        proceed = decision(pid, "g0_triage", "proceed")
        same = correction(pid, "g0_triage", "proceed", proceed)
        adapt = correction(pid, "g0_triage", "adapt", same)
        record(assessment, proceed, same, adapt)
        await consume(app)
        assert await stage_of(client, pid) == "idea"  # adapt: back to revise before G0
        effects = [
            (d["outcome"], d["effect"])
            for d in (await client.get(f"/v1/projects/{pid}/decisions")).json()["items"]
        ]
        assert effects == [("proceed", "applied"), ("proceed", "no_change"), ("adapt", "applied")]

    async def test_correction_after_the_project_moved_on(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        pid = project["id"]
        g0 = decision(pid, "g0_triage", "proceed")
        record(
            assessment,
            g0,
            decision(pid, "g1_scoping", "proceed"),
            correction(pid, "g0_triage", "adapt", g0),
        )
        await consume(app)
        assert await stage_of(client, pid) == "design"  # not legal from design: rejected
        rejected = (await client.get(f"/v1/projects/{pid}/decisions")).json()["items"][-1]
        assert rejected["effect"] == "rejected"
        assert "after the project moved on (now design)" in rejected["note"]
        assert "g0_triage decides on projects in idea" in rejected["note"]
        # A stop is legal from design, so a correction to stop applies from where it stands.
        latest = decision(pid, "g0_triage", "adapt") | {"decision_id": rejected["decision_id"]}
        record(assessment, correction(pid, "g0_triage", "stop", latest))
        await consume(app)
        assert await stage_of(client, pid) == "stopped"

    async def test_a_correction_that_does_not_fit_the_gate_is_rejected(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        pid = project["id"]
        g0 = decision(pid, "g0_triage", "proceed")
        record(assessment, g0, correction(pid, "g0_triage", "scale", g0))
        await consume(app)
        assert await stage_of(client, pid) == "scoping"
        last = (await client.get(f"/v1/projects/{pid}/decisions")).json()["items"][-1]
        assert last["effect"] == "rejected" and "proceed → scale rejected" in last["note"]

    async def test_superseded_event_alone_applies_the_correction_once(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        pid = project["id"]
        g0 = decision(pid, "g0_triage", "proceed")
        stop = correction(pid, "g0_triage", "stop", g0)
        record(assessment, g0)
        # The correcting `decision.recorded` is missing from what this service saw.
        assessment.publish("decision.superseded", superseded(g0, stop))
        record(assessment, stop)  # arriving late: already applied
        assert await consume(app) == 3
        assert await stage_of(client, pid) == "stopped"
        decisions = (await client.get(f"/v1/projects/{pid}/decisions")).json()["items"]
        assert [(d["outcome"], d["effect"]) for d in decisions] == [
            ("proceed", "applied"),
            ("stop", "applied"),
        ]
        assert decisions[0]["superseded_by_id"] == stop["decision_id"]
        # A correction of a decision that was rejected is an ordinary decision.
        other = await build.project(title="ED streaming")
        wrong = decision(other["id"], "g4_scale_or_adopt", "scale")
        record(assessment, wrong, correction(other["id"], "g0_triage", "proceed", wrong))
        await consume(app)
        assert await stage_of(client, other["id"]) == "scoping"
