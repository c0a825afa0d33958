"""`GET /engagements/summary` aggregated in SQL (#16 item 1): the same answers as the old
all-rows-in-Python summary on a varied dataset, `engagement_project` backfilled by its migration,
and no statement binding more than a few parameters however many engagements there are (the old
summary bound every id and failed on PostgreSQL beyond 65,535)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from statistics import median
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Table, event, func, insert, literal, select
from sqlalchemy.ext.asyncio import create_async_engine

from services.stakeholders.tests.builders import create_stakeholder, engagement_body
from shared.migrations import upgrade
from shared.testing import FakeProjects, empty_database
from stakeholders_service.engagements.models import (
    Engagement,
    EngagementMode,
    EngagementProject,
    EngagementStatus,
    EngagementType,
    FeedbackItem,
    FeedbackStatus,
    Participation,
    ParticipationRole,
)
from stakeholders_service.main import ALEMBIC_INI
from stakeholders_service.suppression import suppressed_count
from stakeholders_service.vocabulary import Iap2Level

BEFORE_ENGAGEMENT_PROJECT = "59503d34e019"
# The most parameters any statement of the summary may bind (the old one bound every id).
MAX_PARAMETERS = 8


def old_summary(
    engagements: list[Engagement],
    participations: list[Participation],
    feedback: list[FeedbackItem],
    project_id: uuid.UUID | None,
) -> dict[str, Any]:
    """The summary as it was computed before #16: every row in Python (the reference)."""
    counted = [
        e
        for e in engagements
        if (project_id is None or str(project_id) in e.project_ids)
        and e.status is not EngagementStatus.cancelled
    ]
    ids = {e.id for e in counted}
    levels = Counter(e.iap2_level for e in counted)
    types = Counter(e.type for e in counted)
    months = Counter(e.held_at.strftime("%Y-%m") for e in counted)
    attended = sum(p.attended for p in participations if p.engagement_id in ids)
    items = [f for f in feedback if f.engagement_id in ids]
    closed = [f for f in items if f.status is FeedbackStatus.closed]
    days = [
        (f.responded_at - f.created_at).total_seconds() / 86400
        for f in items
        if f.responded_at is not None
    ]
    return {
        "project_id": None if project_id is None else str(project_id),
        "engagements": len(counted),
        "by_iap2_level": [{"value": v.value, "count": levels[v]} for v in Iap2Level],
        "by_type": [{"value": t.value, "count": types[t]} for t in EngagementType if types[t]],
        "by_month": [{"value": m, "count": months[m]} for m in sorted(months)],
        "attended_participants": suppressed_count(attended),
        "anonymous_attendees": suppressed_count(sum(e.anonymous_attendee_count for e in counted)),
        "feedback_items": len(items),
        "feedback_closed": len(closed),
        "feedback_closure_rate": round(len(closed) / len(items), 3) if items else None,
        "median_days_to_response": round(median(days), 1) if days else None,
    }


def _engagement(rng: random.Random, project_ids: list[uuid.UUID], held: dt.datetime) -> Engagement:
    status = rng.choice(list(EngagementStatus))
    return Engagement(
        id=uuid.uuid4(),
        project_ids=[str(p) for p in project_ids],
        title="Workshop",
        type=rng.choice(list(EngagementType)),
        iap2_level=rng.choice(list(Iap2Level)),
        held_at=held,
        mode=EngagementMode.online,
        status=status,
        anonymous_attendee_count=rng.choice((0, 0, 2, 9)) if status.value == "completed" else 0,
    )


async def _dataset(
    app: FastAPI, stakeholder_ids: list[uuid.UUID], projects: list[uuid.UUID]
) -> tuple[list[Engagement], list[Participation], list[FeedbackItem]]:
    """160 engagements over three projects (some on two), every status, months with edges at
    midnight UTC, participations and feedback (also at cancelled engagements, which the summary
    leaves out) with response times from minutes to weeks."""
    rng = random.Random(16)
    start = dt.datetime(2025, 11, 30, 23, 59, 59, 999999, tzinfo=dt.UTC)
    engagements, participations, feedback = [], [], []
    for index in range(160):
        owners = rng.sample(projects, rng.choice((1, 1, 1, 2)))
        held = start + dt.timedelta(days=rng.choice((0, 1, 31, 45, 92)), hours=index % 3)
        engagements.append(_engagement(rng, owners, held))
    for engagement in engagements:
        if engagement.status is EngagementStatus.planned:
            continue
        for stakeholder_id in rng.sample(stakeholder_ids, rng.randint(0, len(stakeholder_ids))):
            participations.append(
                Participation(
                    engagement_id=engagement.id,
                    stakeholder_id=stakeholder_id,
                    attended=rng.random() < 0.8,
                    role=ParticipationRole.participant,
                )
            )
        for _ in range(rng.randint(0, 3)):
            created = engagement.held_at + dt.timedelta(hours=rng.randint(1, 48))
            responded = (
                created + dt.timedelta(minutes=rng.randint(5, 40 * 24 * 60))
                if rng.random() < 0.7
                else None
            )
            feedback.append(
                FeedbackItem(
                    id=uuid.uuid4(),
                    engagement_id=engagement.id,
                    theme="Access",
                    content="...",
                    status=rng.choice(list(FeedbackStatus)),
                    created_at=created,
                    updated_at=created,
                    responded_at=responded,
                )
            )
    async with app.state.database.sessionmaker() as session:
        session.add_all(engagements)
        await session.flush()
        session.add_all(
            EngagementProject(engagement_id=e.id, project_id=uuid.UUID(p))
            for e in engagements
            for p in e.project_ids
        )
        session.add_all([*participations, *feedback])
        await session.commit()
    return engagements, participations, feedback


@contextmanager
def parameters_bound(app: FastAPI) -> Iterator[list[int]]:
    """The number of parameters of every statement the app runs meanwhile."""
    counts: list[int] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        counts.append(len(parameters or ()))

    database = app.state.database
    engines = {database.engine.sync_engine}
    if database.read_engine is not None:
        engines.add(database.read_engine.sync_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield counts
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


class TestSummaryInSql:
    async def test_the_same_answers_as_the_old_summary(
        self, client: httpx.AsyncClient, app: FastAPI, projects: FakeProjects
    ) -> None:
        people = [uuid.UUID((await create_stakeholder(client))["id"]) for _ in range(7)]
        project_ids = [uuid.uuid4() for _ in range(3)]
        engagements, participations, feedback = await _dataset(app, people, project_ids)
        assert {f.responded_at is None for f in feedback} == {True, False}
        with parameters_bound(app) as counts:
            for project_id in [None, *project_ids, uuid.uuid4()]:
                params = {} if project_id is None else {"project_id": str(project_id)}
                response = await client.get("/v1/engagements/summary", params=params)
                assert response.status_code == 200, response.text
                expected = old_summary(engagements, participations, feedback, project_id)
                assert response.json() == expected, project_id
        assert counts and max(counts) <= MAX_PARAMETERS
        whole = old_summary(engagements, participations, feedback, None)
        assert whole["attended_participants"] and whole["median_days_to_response"]
        assert [m["value"] for m in whole["by_month"]][:2] == ["2025-11", "2025-12"]

    async def test_the_month_follows_held_at(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        """`held_month` is kept with `held_at` (UTC), on create and on PATCH."""
        project_id = projects.add_project()
        body = engagement_body(
            project_id,
            title="Evening drop-in",
            type="public_event",
            iap2_level="inform",
            held_at="2026-03-31T23:30:00-02:00",  # 1 April in UTC
            mode="in_person",
        )
        created = await client.post("/v1/engagements", json=body)
        assert created.status_code == 201, created.text
        url = "/v1/engagements/summary"
        params = {"project_id": str(project_id)}
        months = (await client.get(url, params=params)).json()["by_month"]
        assert months == [{"value": "2026-04", "count": 1}]
        moved = await client.patch(
            f"/v1/engagements/{created.json()['id']}", json={"held_at": "2026-05-02T10:00:00Z"}
        )
        assert moved.status_code == 200, moved.text
        months = (await client.get(url, params=params)).json()["by_month"]
        assert months == [{"value": "2026-05", "count": 1}]

    async def test_more_engagements_than_a_statement_can_bind(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        """70,000 engagements (PostgreSQL binds at most 65,535 parameters per statement)."""
        project_id, count = uuid.uuid4(), 70_000
        async with app.state.database.engine.begin() as connection:
            await connection.execute(_bulk_engagements(connection.dialect.name, count, project_id))
            await connection.execute(
                insert(EngagementProject).from_select(
                    ["engagement_id", "project_id"],
                    select(Engagement.id, literal(project_id, EngagementProject.project_id.type)),
                )
            )
        with parameters_bound(app) as counts:
            for params in ({}, {"project_id": str(project_id)}):
                response = await client.get("/v1/engagements/summary", params=params)
                assert response.status_code == 200, response.text
                body = response.json()
                assert (body["engagements"], body["anonymous_attendees"]) == (count, count)
                assert body["by_month"] == [{"value": "2026-03", "count": count}]
        assert max(counts) <= MAX_PARAMETERS


def _bulk_engagements(dialect: str, count: int, project_id: uuid.UUID) -> Any:
    """`count` completed engagements of `project_id`, made by the database (a few seconds)."""
    series = select(literal(1).label("n")).cte("series", recursive=True)
    series = series.union_all(select(series.c.n + 1).where(series.c.n < count))
    table = cast(Table, Engagement.__table__)
    new_id = (
        func.gen_random_uuid()
        if dialect == "postgresql"
        else func.lower(func.hex(func.randomblob(16)))
    )
    held = dt.datetime(2026, 3, 4, 14, 0, tzinfo=dt.UTC)
    values: dict[str, Any] = {
        "created_at": held,
        "updated_at": held,
        "version": 1,
        "project_ids": [str(project_id)],
        "title": "Survey",
        "type": EngagementType.survey,
        "iap2_level": Iap2Level.consult,
        "purpose": "",
        "held_at": held,
        "held_month": "2026-03",
        "mode": EngagementMode.online,
        "status": EngagementStatus.completed,
        "accessibility_adjustments": [],
        "anonymous_attendee_count": 1,
    }
    columns = [new_id.label("id")] + [
        literal(value, table.c[name].type).label(name) for name, value in values.items()
    ]
    return insert(table).from_select(["id", *values], select(*columns).select_from(series))


@pytest.mark.parametrize("lists", [[[0]], [[0, 1], [1]], [[0, 0, 2], []]])
async def test_the_migration_backfills_engagement_project(lists: list[list[int]]) -> None:
    """From the JSON lists (a repeated project once), on the current backend."""
    projects = [uuid.uuid4() for _ in range(3)]
    ids = [uuid.uuid4() for _ in lists]
    at = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    # The columns as they were before the migration (no `status_reason`).
    rows = [
        {
            "id": engagement_id,
            "created_at": at,
            "updated_at": at,
            "version": 1,
            "project_ids": [str(projects[i]) for i in indexes],
            "title": "Old engagement",
            "type": EngagementType.meeting,
            "iap2_level": Iap2Level.inform,
            "purpose": "",
            "held_at": at,
            "mode": EngagementMode.in_person,
            "status": EngagementStatus.planned,
            "accessibility_adjustments": [],
            "anonymous_attendee_count": 0,
        }
        for engagement_id, indexes in zip(ids, lists, strict=True)
    ]
    async with empty_database("stakeholders", "backfill") as url:
        await asyncio.to_thread(upgrade, ALEMBIC_INI, url, BEFORE_ENGAGEMENT_PROJECT)
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(insert(cast(Table, Engagement.__table__)), rows)
            await asyncio.to_thread(upgrade, ALEMBIC_INI, url)
            async with engine.connect() as connection:
                result = await connection.execute(select(EngagementProject.__table__))
                pairs: set[tuple[Any, ...]] = {tuple(r) for r in result}
        finally:
            await engine.dispose()
    assert pairs == {
        (engagement_id, projects[i])
        for engagement_id, indexes in zip(ids, lists, strict=True)
        for i in indexes
    }
