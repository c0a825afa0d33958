"""The stakeholders service's export datasets (issue #12), through the app: every format, the
filters, `as_of` (unchanged by later changes and deletes), `updated_since` (changes and
tombstones), roles, no personal data for anybody, suppression of small counts."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.stakeholders.tests.builders import (
    EMAIL,
    NAME,
    PHONE,
    assessment_body,
    create_stakeholder,
    engagement_body,
    link,
)
from shared.db import utcnow
from shared.testing import FakeProjects, assert_problem
from shared.testing.exports import catalog, export, read_csv, read_ndjson, read_xlsx
from shared.testing.fakes import Call, problem
from stakeholders_service.engagements.models import Engagement, FeedbackItem
from stakeholders_service.exports import DATASETS
from stakeholders_service.involvement.models import InvolvementRole
from stakeholders_service.mapping.models import StakeholderAssessment

COLUMNS = {dataset.name: list(dataset.column_names) for dataset in DATASETS}
SCOPE = "/v1/aggregates/project-scope"
ROW_DATASETS = (
    "stakeholders",
    "stakeholder_assessments",
    "engagements",
    "feedback_items",
    "involvement_roles",
)


async def _engagement(api: httpx.AsyncClient, *project_ids: uuid.UUID, **over: Any) -> str:
    created = await api.post("/v1/engagements", json=engagement_body(*project_ids, **over))
    assert created.status_code == 201, created.text
    engagement_id = str(created.json()["id"])
    done = await api.post(
        f"/v1/engagements/{engagement_id}/transitions",
        json={"to": "completed", "anonymous_attendee_count": 3},
    )
    assert done.status_code == 200, done.text
    return engagement_id


async def _post(api: httpx.AsyncClient, url: str, body: Mapping[str, Any]) -> dict[str, Any]:
    response = await api.post(url, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _world(api: httpx.AsyncClient, projects: FakeProjects) -> dict[str, Any]:
    """Two projects; in the first a stakeholder with an assessment, an engagement with one
    participant, feedback and an involvement role; in the second, another stakeholder."""
    first, second = projects.add_project("olive-owner"), projects.add_project("olive-owner")
    person = await create_stakeholder(api)
    other = await create_stakeholder(api, display_name="Other Person", category="carer")
    await link(api, person["id"], first)
    await link(api, other["id"], second)
    assessment = await _post(
        api, f"/v1/stakeholders/{person['id']}/assessments", assessment_body(first)
    )
    engagement = await _engagement(api, first, title='=HYPERLINK("http://x")')
    await _post(api, f"/v1/engagements/{engagement}/participants", {"stakeholder_id": person["id"]})
    feedback = await _post(
        api,
        f"/v1/engagements/{engagement}/feedback",
        {"raised_by": person["id"], "theme": "Parking", "content": "I, " + NAME + ", said so"},
    )
    role = await _post(
        api,
        "/v1/involvement/roles",
        {
            "stakeholder_id": person["id"],
            "project_id": str(first),
            "role": "co_designer",
            "stages": ["design", "evaluation"],
            "start_date": "2026-01-01",
        },
    )
    return {
        "first": first,
        "second": second,
        "person": person["id"],
        "other": other["id"],
        "assessment": assessment["id"],
        "engagement": engagement,
        "feedback": feedback["id"],
        "role": role["id"],
    }


async def _delete(app: FastAPI, model: Any, record_id: str) -> None:
    """A row deleted (the API deletes none of these; retention and erasure do, row by row)."""
    async with app.state.database.sessionmaker() as session:
        row = await session.get(model, uuid.UUID(record_id))
        assert row is not None
        await session.delete(row)
        await session.commit()


async def _moment() -> dt.datetime:
    await asyncio.sleep(0.02)
    moment = utcnow()
    await asyncio.sleep(0.02)
    return moment


class TestFormats:
    @pytest.mark.parametrize("dataset", [d.name for d in DATASETS])
    async def test_three_formats_give_the_declared_columns_and_rows(
        self, client: httpx.AsyncClient, projects: FakeProjects, dataset: str
    ) -> None:
        world = await _world(client, projects)
        if dataset == "equality_summary":  # the world holds no equality response otherwise
            url = f"/v1/engagements/{world['engagement']}/equality-responses"
            await _post(client, url, {"sex": "female"})
        as_csv = read_csv(await export(client, dataset))
        as_ndjson = read_ndjson(await export(client, dataset, format="ndjson"), COLUMNS[dataset])
        as_xlsx = read_xlsx(await export(client, dataset, format="xlsx"))
        for table in (as_csv, as_ndjson, as_xlsx):
            assert table.columns == COLUMNS[dataset]
            assert len(table.rows) == len(as_csv.rows) > 0

    async def test_row_values(self, client: httpx.AsyncClient, projects: FakeProjects) -> None:
        world = await _world(client, projects)
        people = read_ndjson(await export(client, "stakeholders", format="ndjson")).by("id")
        assert people[world["person"]]["category"] == "patient"
        assert people[world["person"]]["status"] == "active"
        (assessment,) = read_ndjson(
            await export(client, "stakeholder_assessments", format="ndjson")
        ).rows
        assert assessment["mendelow_quadrant"] == "keep_informed"  # power 2, interest 4
        assert assessment["salience_class"] == "discretionary"
        assert assessment["engagement_gap"] == 1
        (role,) = read_ndjson(await export(client, "involvement_roles", format="ndjson")).rows
        assert role["stages"] == "design evaluation" and role["start_date"] == "2026-01-01"
        (engagement,) = read_ndjson(await export(client, "engagements", format="ndjson")).rows
        assert engagement["project_ids"] == str(world["first"])
        (feedback,) = read_ndjson(await export(client, "feedback_items", format="ndjson")).rows
        assert feedback["raised_by"] == world["person"] and feedback["anonymous"] is False

    async def test_csv_injection_is_neutralised(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        await _world(client, projects)
        (row,) = read_csv(await export(client, "engagements")).rows
        assert row["title"] == '\'=HYPERLINK("http://x")'
        (cell,) = read_xlsx(await export(client, "engagements", format="xlsx")).column("title")
        assert cell == '\'=HYPERLINK("http://x")'

    async def test_dictionary(self, client: httpx.AsyncClient) -> None:
        published = await catalog(client)
        assert list(published) == [d.name for d in DATASETS]
        assert published["equality_summary"]["as_of"]["served"] is False
        assert published["participation"]["updated_since"]["served"] is False
        assert published["stakeholders"]["as_of"]["served"] is True


class TestPersonalData:
    @pytest.mark.parametrize("role", ["reporter", "viewer", "admin", "governance"])
    async def test_no_export_carries_a_personal_field(
        self,
        client: httpx.AsyncClient,
        projects: FakeProjects,
        as_role: Callable[..., httpx.AsyncClient],
        role: str,
    ) -> None:
        await _world(client, projects)
        async with as_role(role, sub="rita") as api:
            for dataset in COLUMNS:
                for fmt in ("csv", "ndjson"):
                    body = (await export(api, dataset, format=fmt)).text
                    for personal in (NAME, EMAIL, PHONE, "Other Person"):
                        assert personal not in body, (dataset, fmt)

    async def test_contributor_gets_403(
        self, client: httpx.AsyncClient, as_role: Callable[..., httpx.AsyncClient]
    ) -> None:
        async with as_role("contributor", sub="carl") as api:
            for dataset in COLUMNS:
                assert_problem(await export(api, dataset), 403)


class TestFilters:
    @pytest.mark.parametrize(
        "dataset", [*ROW_DATASETS, "engagement_projects", "participation", "equality_summary"]
    )
    async def test_project_id(
        self, client: httpx.AsyncClient, projects: FakeProjects, dataset: str
    ) -> None:
        world = await _world(client, projects)
        everything = read_csv(await export(client, dataset)).rows
        second = read_csv(await export(client, dataset, project_id=world["second"])).rows
        first = read_csv(await export(client, dataset, project_id=world["first"])).rows
        if dataset == "stakeholders":
            assert [r["id"] for r in second] == [world["other"]]
        else:
            assert second == []
        assert len(first) + len(second) == len(everything)

    async def test_directorate_and_stage_ask_the_project_scope_once(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        world = await _world(client, projects)
        projects.records[world["first"]].update(directorate="surgery", stage="pilot")
        projects.records[world["second"]].update(directorate="medicine", stage="idea")
        projects.calls.clear()
        projects.scope_requests.clear()
        rows = read_csv(
            await export(client, "stakeholders", directorate=["surgery", "estates"], stage="pilot")
        ).rows
        assert [r["id"] for r in rows] == [world["person"]]
        assert [c.path for c in projects.calls] == [SCOPE]  # one call, no project listing
        assert projects.scope_requests == [
            {"directorate": ["surgery", "estates"], "stage": ["pilot"]}
        ]
        by_stage = read_csv(await export(client, "stakeholders", stage="idea")).rows
        assert [r["id"] for r in by_stage] == [world["other"]]
        assert read_csv(await export(client, "engagements", directorate="estates")).rows == []
        # With project_id too: their intersection.
        both = await export(client, "stakeholders", stage="pilot", project_id=world["second"])
        assert read_csv(both).rows == []

    async def test_an_as_of_export_asks_for_the_projects_as_they_stood(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        world = await _world(client, projects)
        then = utcnow()
        await asyncio.sleep(0.01)
        projects.scope_requests.clear()
        response = await export(client, "engagements", directorate="medicine", as_of=then)
        assert response.status_code == 200, response.text
        assert projects.scope_requests == [
            {
                "directorate": ["medicine"],
                "stage": [],
                "as_of": then.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            }
        ]
        # The fake answers with the projects now (both in `medicine`, the body's default).
        assert read_csv(response).column("id") == [world["engagement"]]

    async def test_too_many_projects_is_the_exports_422(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        def too_many(call: Call, _: Mapping[str, str]) -> tuple[int, Any]:
            return problem(422, "project-scope-too-large", "More than 20000 projects match.")

        projects.route("POST", SCOPE, too_many)
        try:
            response = await export(client, "involvement_roles", directorate="medicine")
        finally:
            projects.route("POST", SCOPE, projects._scope)
        body = assert_problem(response, 422, "project-scope-too-large")
        assert [(e["pointer"], e["location"]) for e in body["errors"]] == [
            ("/directorate", "query")
        ]


class TestAsOf:
    @pytest.mark.parametrize(
        ("dataset", "model", "key", "change"),
        [
            ("stakeholder_assessments", StakeholderAssessment, "assessment", None),
            ("feedback_items", FeedbackItem, "feedback", "feedback"),
            ("involvement_roles", InvolvementRole, "role", None),
        ],
    )
    async def test_later_changes_and_deletes_do_not_move_it(
        self,
        client: httpx.AsyncClient,
        projects: FakeProjects,
        app: FastAPI,
        dataset: str,
        model: Any,
        key: str,
        change: str | None,
    ) -> None:
        world = await _world(client, projects)
        moment = await _moment()
        before = read_csv(await export(client, dataset, as_of=moment))
        assert before.rows == read_csv(await export(client, dataset)).rows
        await _delete(app, model, world[key])
        await client.patch(
            f"/v1/engagements/{world['engagement']}", json={"title": "Renamed afterwards"}
        )
        assert read_csv(await export(client, dataset)).rows == []
        again = read_csv(await export(client, dataset, as_of=moment))
        assert again.rows == before.rows

    async def test_stakeholders_engagements_and_participation(
        self, client: httpx.AsyncClient, projects: FakeProjects, app: FastAPI
    ) -> None:
        world = await _world(client, projects)
        moment = await _moment()
        snapshot = {
            name: read_csv(await export(client, name, as_of=moment)).rows
            for name in ("stakeholders", "engagements", "participation")
        }
        changed = await client.patch(
            f"/v1/stakeholders/{world['person']}", json={"category": "carer"}
        )
        assert changed.status_code == 200, changed.text
        renamed = await client.patch(
            f"/v1/engagements/{world['engagement']}", json={"title": "Renamed afterwards"}
        )
        assert renamed.status_code == 200, renamed.text
        await _world(client, projects)  # created after the moment
        for name, rows in snapshot.items():
            assert read_csv(await export(client, name, as_of=moment)).rows == rows, name
        live = read_csv(await export(client, "stakeholders")).by("id")
        assert live[world["person"]]["category"] == "carer"
        assert {r["id"]: r for r in snapshot["stakeholders"]}[world["person"]]["category"] == (
            "patient"
        )

    async def test_equality_summary_refuses_it(self, client: httpx.AsyncClient) -> None:
        moment = await _moment()
        assert_problem(
            await export(client, "equality_summary", as_of=moment), 422, "as-of-not-supported"
        )


class TestUpdatedSince:
    async def test_changes_and_tombstones(
        self, client: httpx.AsyncClient, projects: FakeProjects, app: FastAPI
    ) -> None:
        world = await _world(client, projects)
        since = await _moment()
        response = await client.patch(
            f"/v1/engagements/{world['engagement']}/feedback/{world['feedback']}",
            json={"status": "considered"},
        )
        assert response.status_code == 200, response.text
        await _delete(app, InvolvementRole, world["role"])
        feedback = read_ndjson(
            await export(client, "feedback_items", format="ndjson", updated_since=since)
        )
        assert [(r["id"], r["status"], r["deleted"]) for r in feedback.rows] == [
            (world["feedback"], "considered", False)
        ]
        roles = read_csv(await export(client, "involvement_roles", updated_since=since))
        assert roles.columns == [*COLUMNS["involvement_roles"], "deleted"]
        assert [(r["id"], r["deleted"]) for r in roles.rows] == [(world["role"], "true")]
        assert read_csv(await export(client, "engagements", updated_since=since)).rows == []
        people = read_csv(await export(client, "stakeholders", updated_since=since)).rows
        assert people == []

    async def test_updated_since_with_as_of(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        world = await _world(client, projects)
        since = await _moment()
        await client.patch(f"/v1/stakeholders/{world['person']}", json={"category": "carer"})
        moment = await _moment()
        await client.patch(f"/v1/stakeholders/{world['other']}", json={"category": "public"})
        rows = read_csv(
            await export(client, "stakeholders", updated_since=since, as_of=moment)
        ).rows
        assert [(r["id"], r["category"]) for r in rows] == [(world["person"], "carer")]

    @pytest.mark.parametrize("dataset", ["participation", "equality_summary"])
    async def test_aggregates_refuse_it(self, client: httpx.AsyncClient, dataset: str) -> None:
        since = await _moment()
        assert_problem(
            await export(client, dataset, updated_since=since), 422, "updated-since-not-supported"
        )


def _links(response: httpx.Response) -> list[tuple[str, ...]]:
    table = read_csv(response)
    return [tuple(row.values()) for row in table.rows]


class TestEngagementProjects:
    """The engagement ↔ project join table: one row per link, as of a moment from the
    engagements' history, since a moment with tombstones for a deleted engagement's links."""

    async def test_one_row_per_link_in_key_order(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        world = await _world(client, projects)
        first, second = str(world["first"]), str(world["second"])
        both = await _engagement(client, world["first"], world["second"])
        response = await export(client, "engagement_projects")
        assert read_csv(response).columns == ["engagement_id", "project_id"]
        assert _links(response) == sorted(
            [(world["engagement"], first), (both, first), (both, second)]
        )
        assert _links(await export(client, "engagement_projects", project_id=second)) == [
            (both, second)
        ]
        engagements = read_csv(await export(client, "engagements")).by("id")
        assert sorted(engagements[both]["project_ids"].split(" ")) == sorted([first, second])

    async def test_dictionary_keys(self, client: httpx.AsyncClient) -> None:
        published = await catalog(client)
        links = published["engagement_projects"]
        assert links["primary_key"] == ["engagement_id", "project_id"]
        assert {fk["dataset"] for fk in links["foreign_keys"]} == {"engagements", "projects"}
        assert links["as_of"]["served"] and links["updated_since"]["served"]

    async def test_as_of_and_updated_since_with_tombstones(
        self, client: httpx.AsyncClient, projects: FakeProjects, app: FastAPI
    ) -> None:
        world = await _world(client, projects)
        first, second = str(world["first"]), str(world["second"])
        then = await _moment()
        added = await _engagement(client, world["first"], world["second"])
        gone = await _engagement(client, world["second"])
        while_alive = await _moment()
        await _delete(app, Engagement, gone)

        at_then = await export(client, "engagement_projects", as_of=then)
        assert _links(at_then) == [(world["engagement"], first)]
        assert _links(await export(client, "engagement_projects", as_of=then)) == _links(at_then)
        alive = _links(await export(client, "engagement_projects", as_of=while_alive))
        assert (gone, second) in alive
        assert _links(await export(client, "engagement_projects")) == sorted(
            [(world["engagement"], first), (added, first), (added, second)]
        )

        since = read_csv(await export(client, "engagement_projects", updated_since=then))
        assert since.columns == ["engagement_id", "project_id", "deleted"]
        assert [tuple(r.values()) for r in since.rows] == [
            *sorted([(added, first, "false"), (added, second, "false")]),
            (gone, second, "true"),
        ]
        historic = read_csv(
            await export(client, "engagement_projects", updated_since=then, as_of=while_alive)
        )
        assert sorted(tuple(r.values()) for r in historic.rows) == sorted(
            [(added, first, "false"), (added, second, "false"), (gone, second, "false")]
        )


class TestSuppression:
    async def test_participation_hides_small_counts(
        self, client: httpx.AsyncClient, projects: FakeProjects, app: FastAPI
    ) -> None:
        world = await _world(client, projects)
        (small,) = read_ndjson(await export(client, "participation", format="ndjson")).rows
        assert small["participants"] is None and small["attended"] is None
        assert small["anonymous_attendees"] is None and small["suppressed"] is True
        # Six attend and one does not: the lone absentee is hidden, so the attended count is
        # hidden too (shown with the total it would reveal the absentee).
        for index in range(6):
            person = await create_stakeholder(client, display_name=f"P{index}")
            await _post(
                client,
                f"/v1/engagements/{world['engagement']}/participants",
                {"stakeholder_id": person["id"], "attended": index != 0},
            )
        (row,) = read_ndjson(await export(client, "participation", format="ndjson")).rows
        assert row["participants"] == 7
        assert row["attended"] is None and row["did_not_attend"] is None
        # All seven are participants: the two empty roles (0) cannot be shown, and beside them
        # the 7 would reveal them, so every role cell is hidden; only the total stands.
        assert [row[c] for c in ("participant_role", "co_facilitator_role", "observer_role")] == [
            None,
            None,
            None,
        ]

    async def test_equality_summary_suppresses_with_secondary(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        project = projects.add_project()
        engagement = await _engagement(client, project)
        answers = ["female"] * 6 + ["male"] * 5
        for sex in answers:
            await _post(client, f"/v1/engagements/{engagement}/equality-responses", {"sex": sex})
        rows = read_ndjson(
            await export(client, "equality_summary", format="ndjson", project_id=project)
        ).rows
        by_sex = {r["value"]: r for r in rows if r["characteristic"] == "sex"}
        # prefer_not_to_say (0) is hidden; alone it would be recovered from the total, so the
        # smallest shown cell (male, 5) is hidden too (secondary suppression).
        assert by_sex["prefer_not_to_say"]["count"] is None
        assert by_sex["male"]["count"] is None and by_sex["male"]["suppressed"] is True
        assert by_sex["female"]["count"] == 6 and by_sex["female"]["suppressed"] is False
        assert by_sex["female"]["characteristic_total"] == 11
        assert {r["responses"] for r in rows} == {11}
        small = await _engagement(client, projects.add_project())
        await _post(client, f"/v1/engagements/{small}/equality-responses", {"sex": "male"})
        few = read_ndjson(await export(client, "equality_summary", format="ndjson")).rows
        assert all(
            r["count"] is None and r["responses"] is None
            for r in few
            if r["project_id"] != str(project)
        )


async def test_the_computed_columns_use_the_apps_mendelow_threshold(
    client: httpx.AsyncClient, projects: FakeProjects, app: FastAPI
) -> None:
    world = await _world(client, projects)
    default = read_csv(await export(client, "stakeholder_assessments")).rows
    assert [r["threshold"] for r in default] == [str(app.state.settings.mendelow_threshold)]
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"mendelow_threshold": 5})
    try:
        raised = read_csv(await export(client, "stakeholder_assessments")).rows
        mapped = await client.get(f"/v1/stakeholders/{world['person']}/assessments")
    finally:
        app.state.settings = settings
    assert [r["threshold"] for r in raised] == ["5"]
    # The same quadrant as the API computes with the app's threshold.
    assert mapped.status_code == 200, mapped.text
    quadrants = {item["id"]: item.get("mendelow_quadrant") for item in mapped.json()["items"]}
    assert quadrants[world["assessment"]] == raised[0]["mendelow_quadrant"]


async def test_equality_summary_follows_the_characteristics_the_deployment_monitors(
    client: httpx.AsyncClient, projects: FakeProjects, app: FastAPI
) -> None:
    project = projects.add_project()
    engagement = await _engagement(client, project)
    await _post(client, f"/v1/engagements/{engagement}/equality-responses", {"sex": "female"})

    async def characteristics() -> set[str]:
        rows = read_ndjson(await export(client, "equality_summary", format="ndjson")).rows
        return {row["characteristic"] for row in rows}

    # All nine Equality Act characteristics (and the two extra items) by default, the two
    # added in #14 included, as the equality report shows them.
    assert {"marriage_civil_partnership", "pregnancy_maternity", "sex"} <= await characteristics()
    settings = app.state.settings
    app.state.settings = settings.model_copy(
        update={"equality_characteristics": ["sex", "age_band"]}
    )
    try:
        assert await characteristics() == {"sex", "age_band"}
    finally:
        app.state.settings = settings
