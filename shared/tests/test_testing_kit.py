"""The test kit itself: fakes that cannot drift from the published contract, and the clock."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import String
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import IdMixin, TimestampMixin, create_engine, new_metadata, utcnow
from shared.http import ServiceClient, UpstreamUnavailable
from shared.testing import (
    Call,
    ContractViolation,
    FakeAssessment,
    FakeProjects,
    FakeStakeholders,
    ManualClock,
    OpenApiContract,
    SwitchableApp,
    api_client,
)
from shared.testing.clock import installed
from shared.testing.fakes import Answer


def client_for(fake: httpx.AsyncBaseTransport, name: str = "projects") -> ServiceClient:
    return ServiceClient(name, f"http://{name}", transport=fake)


class TestAFakeAnswersOnlyWhatTheServicePublishes:
    async def test_a_published_answer_passes(self) -> None:
        projects = FakeProjects()
        project_id = projects.add_project("carl")
        project = await client_for(projects).fetch_json(f"/v1/projects/{project_id}")
        assert project["id"] == str(project_id) and project["stage"] == "idea"
        assert await client_for(projects).fetch_json(f"/v1/projects/{uuid.uuid4()}") is None
        projects.verify()

    async def test_a_field_the_service_does_not_publish_fails(self) -> None:
        projects = FakeProjects()
        project_id = projects.add_project(nickname="VW")  # ProjectRead has no `nickname`
        with pytest.raises(ContractViolation, match="nickname"):
            await client_for(projects).fetch_json(f"/v1/projects/{project_id}")
        with pytest.raises(ContractViolation, match="1 contract violation"):
            projects.verify()
        projects.verify()  # reported once

    async def test_a_missing_field_or_a_wrong_type_fails(self) -> None:
        projects = FakeProjects()
        project_id = projects.add_project(version="1")
        del projects.records[project_id]["stage"]
        with pytest.raises(ContractViolation) as caught:
            await client_for(projects).fetch_json(f"/v1/projects/{project_id}")
        assert "stage" in str(caught.value) and "version" in str(caught.value)

    async def test_an_unpublished_status_fails(self) -> None:
        projects = FakeProjects()

        def conflict(call: Call, path: Mapping[str, str]) -> Answer:
            return 409, {"type": "about:blank", "title": "Conflict", "status": 409}

        projects.route("GET", "/v1/projects/{project_id}", conflict)
        with pytest.raises(ContractViolation, match="not 409"):
            await client_for(projects).get(f"/v1/projects/{uuid.uuid4()}")

    async def test_an_unpublished_problem_type_fails(self) -> None:
        projects = FakeProjects()

        def wrong_type(call: Call, path: Mapping[str, str]) -> Answer:
            return 404, {"type": "https://cmdi.example/problems/no-such-thing", "title": "x"}

        projects.route("GET", "/v1/projects/{project_id}", wrong_type)
        with pytest.raises(ContractViolation):
            await client_for(projects).get(f"/v1/projects/{uuid.uuid4()}")

    def test_a_fake_cannot_serve_a_path_or_method_the_service_does_not_publish(self) -> None:
        projects = FakeProjects()
        with pytest.raises(ContractViolation, match="no path"):
            projects.route("GET", "/v1/project-list", lambda call, path: (200, {}))
        with pytest.raises(ContractViolation, match="not DELETE"):
            projects.route("DELETE", "/v1/projects/{project_id}", lambda call, path: (204, None))

    async def test_a_request_the_real_service_would_refuse_fails(self) -> None:
        projects = FakeProjects()
        api = client_for(projects)
        with pytest.raises(ContractViolation, match="unknown query parameter 'member'"):
            await api.get("/v1/projects", params={"member": "carl"})
        with pytest.raises(ContractViolation, match="maximum"):
            await api.get("/v1/projects", params={"limit": 500})
        with pytest.raises(ContractViolation, match="query id"):
            await api.get("/v1/projects", params={"id": ["not-a-uuid"]})
        with pytest.raises(ContractViolation, match="no path"):
            await api.get("/v1/projectz")
        with pytest.raises(ContractViolation, match="not PUT"):
            await api.request("PUT", f"/v1/projects/{uuid.uuid4()}", json={})
        assert len(projects.violations) == 5

    async def test_a_published_operation_the_fake_lacks_fails(self) -> None:
        with pytest.raises(ContractViolation, match="does not implement GET /v1/audit"):
            await client_for(FakeProjects()).get("/v1/audit")

    async def test_a_filter_the_fake_would_ignore_fails(self) -> None:
        with pytest.raises(ContractViolation, match="does not implement"):
            await client_for(FakeProjects()).get("/v1/projects", params={"stage": "idea"})

    async def test_a_violation_swallowed_by_the_service_still_fails_verify(self) -> None:
        """The service under test turns the error into a 500; `verify()` still reports it."""
        projects = FakeProjects()
        project_id = projects.add_project(nickname="VW")
        upstream = client_for(projects)
        app = FastAPI()

        @app.get("/probe")
        async def probe() -> dict[str, bool]:
            try:
                await upstream.fetch_json(f"/v1/projects/{project_id}")
            except AssertionError:
                return {"ok": False}
            return {"ok": True}

        async with api_client(app) as api:
            assert (await api.get("/probe")).json() == {"ok": False}
        with pytest.raises(ContractViolation, match="nickname"):
            projects.verify()

    def test_every_snapshot_loads(self) -> None:
        for service in ("projects", "assessment", "stakeholders"):
            assert OpenApiContract.of(service).operation("GET", "/v1/events").template


class TestSwitchesAndCounts:
    async def test_unreachable_refuses_connections_and_counts_the_attempts(self) -> None:
        projects = FakeProjects()
        projects.reachable = False
        with pytest.raises(UpstreamUnavailable):
            await client_for(projects).fetch_json(f"/v1/projects/{uuid.uuid4()}")
        assert len(projects.calls) == 3  # the client's retries, each refused
        projects.reachable = True
        projects.calls.clear()
        missing = uuid.uuid4()
        await client_for(projects).fetch_json(f"/v1/projects/{missing}", params={"_": "1"})
        assert [str(call) for call in projects.calls] == [f"GET /v1/projects/{missing}?_=1"]

    async def test_failing_answers_a_problem_of_that_status(self) -> None:
        stakeholders = FakeStakeholders()
        stakeholders.failing = 500
        response = await client_for(stakeholders, "stakeholders").get(
            f"/v1/stakeholders/{stakeholders.add_stakeholder()}"
        )
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        stakeholders.verify()

    async def test_reset_forgets_the_test(self) -> None:
        projects = FakeProjects()
        projects.add_project("carl")
        projects.reachable = False
        projects.publish("project.created", {})
        projects.reset()
        assert not projects.records and not projects.events and projects.reachable

    async def test_a_real_app_behind_the_switch(self) -> None:
        app = FastAPI()

        @app.get("/v1/ping")
        async def ping() -> dict[str, bool]:
            return {"ok": True}

        transport = SwitchableApp()
        api = ServiceClient("other", "http://other", transport=transport)
        with pytest.raises(UpstreamUnavailable):
            await api.get("/v1/ping")  # no app yet
        transport.app = app
        assert (await api.fetch_json("/v1/ping")) == {"ok": True}
        transport.reachable = False
        with pytest.raises(UpstreamUnavailable):
            await api.get("/v1/ping")


class TestWhatTheFakesKnow:
    async def test_projects_lists_the_ids_asked_on_whose_team_a_subject_is(self) -> None:
        projects = FakeProjects()
        carls, others = projects.add_project("carl"), projects.add_project("dora")
        page = await client_for(projects).fetch_json(
            "/v1/projects",
            params={"id": [str(carls), str(others), str(uuid.uuid4())], "team_member": "carl"},
        )
        assert [p["id"] for p in page["items"]] == [str(carls)]
        team = await client_for(projects).fetch_json(
            f"/v1/projects/{carls}/team", params={"subject": "carl", "active": "true"}
        )
        assert [m["subject"] for m in team["items"]] == ["carl"]
        projects.teams[carls].discard("carl")
        team = await client_for(projects).fetch_json(f"/v1/projects/{carls}/team")
        assert team["items"] == []
        projects.verify()

    async def test_stakeholders_views_and_erasure(self) -> None:
        stakeholders = FakeStakeholders()
        api = client_for(stakeholders, "stakeholders")
        named = stakeholders.add_stakeholder(display_name="ED matron group")
        plain = stakeholders.add_stakeholder()
        assert (await api.fetch_json(f"/v1/stakeholders/{named}"))["view"] == "personal"
        assert (await api.fetch_json(f"/v1/stakeholders/{plain}"))["view"] == "restricted"
        stakeholders.erase(named)
        erased = await api.fetch_json(f"/v1/stakeholders/{named}")
        assert erased["status"] == "erased" and erased["display_name"] is None
        feed = await api.fetch_json("/v1/events", params={"after": "0"})
        assert [e["type"] for e in feed["items"]] == ["stakeholder.erased"]
        stakeholders.verify()

    async def test_the_feed_pages_like_shared_feeds(self) -> None:
        assessment = FakeAssessment()
        project_id = uuid.uuid4()
        for gate in ("g0_triage", "g1_scoping", "g2_pilot_approval"):
            assessment.record_decision(project_id, gate, "proceed")
        assessment.implement_adaptation(project_id)
        api = client_for(assessment, "assessment")
        first = await api.fetch_json("/v1/events", params={"after": "0", "limit": 2})
        assert (len(first["items"]), first["next_cursor"], first["has_more"]) == (2, "2", True)
        rest = await api.fetch_json(
            "/v1/events", params={"after": "2", "type": ["decision.recorded"]}
        )
        assert [e["data"]["gate"] for e in rest["items"]] == ["g2_pilot_approval"]
        assert (rest["next_cursor"], rest["has_more"]) == ("4", False)
        assessment.verify()


class TestManualClock:
    def test_advance_moves_every_timestamp_on(self) -> None:
        with installed() as clock:
            before = utcnow()
            clock.advance()
            assert utcnow() - before >= dt.timedelta(seconds=1)
            clock.advance(days=2)
            assert utcnow() - before >= dt.timedelta(days=2, seconds=1)
        assert utcnow() - before < dt.timedelta(seconds=1)  # the wall clock is back

    def test_freeze_and_thaw(self) -> None:
        at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
        with installed() as clock:
            clock.freeze(at)
            assert utcnow() == utcnow() == at
            assert clock.advance(dt.timedelta(minutes=5)) == at + dt.timedelta(minutes=5)
            clock.thaw()
            assert utcnow() >= at + dt.timedelta(minutes=5)
        with pytest.raises(ValueError, match="UTC-aware"):
            ManualClock().freeze(dt.datetime(2026, 3, 1))

    def test_the_fixture_installs_one_per_test(self, clock: ManualClock) -> None:
        stamp = clock.advance(seconds=30)
        assert utcnow() >= stamp

    async def test_fakes_write_the_clock_time(self, clock: ManualClock) -> None:
        clock.freeze(dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC))
        stakeholders = FakeStakeholders()
        stakeholder_id = stakeholders.add_stakeholder()
        assert stakeholders.stakeholders[stakeholder_id]["created_at"] == "2026-05-01T10:00:00Z"


class _Base(DeclarativeBase):
    metadata = new_metadata()


class _Note(IdMixin, TimestampMixin, _Base):
    __tablename__ = "note"
    text: Mapped[str] = mapped_column(String(20))


async def test_rows_are_stamped_by_the_clock(clock: ManualClock) -> None:
    """The ORM's timestamp defaults read the installed clock: no sleep between two writes."""
    with tempfile.TemporaryDirectory() as directory:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(directory) / 'clock.db'}")
        async with engine.begin() as connection:
            await connection.run_sync(_Base.metadata.create_all)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session, session.begin():
            first = _Note(text="first")
            session.add(first)
        clock.advance(minutes=1)
        async with sessions() as session, session.begin():
            second = _Note(text="second")
            session.add(second)
        await engine.dispose()
    assert second.created_at - first.created_at >= dt.timedelta(minutes=1)


@pytest.mark.parametrize(("database", "collected"), [("sqlite", 2), ("postgresql", 1)])
def test_the_postgresql_run_leaves_out_backend_independent_tests(
    database: str, collected: int, tmp_path: Path
) -> None:
    """The plugin deselects `backend_independent` tests on PostgreSQL only (collection only, in
    a pytest of its own)."""
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.backend_independent\n"
        "def test_the_same_everywhere() -> None: ...\n\n"
        "def test_on_the_database() -> None: ...\n"
    )
    result = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "shared.testing.plugin", "--strict-markers"),
            *("--collect-only", "-q", "-p", "no:cacheprovider", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "CMDI_TEST_DATABASE": database},
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("test_sample.py::") == collected
    assert ("1 deselected" in result.stdout) is (database == "postgresql")
