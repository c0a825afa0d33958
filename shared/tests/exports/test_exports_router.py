"""`shared.exports.exports_router`: the dictionary, CSV and NDJSON with their value formats and
headers, format negotiation, filters and the scope resolver, roles, the `as_of` and
`updated_since` checks and modes (history from the outbox, tombstones), CSV injection and the
audit entry, over a throwaway audited table on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import uuid
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from shared.exports import STAGES
from shared.testing import ManualClock, assert_problem
from shared.testing.exports import catalog, export, read_csv, read_ndjson

PROJECT_A = uuid.UUID("0190d7a0-0000-7000-8000-00000000000a")
PROJECT_B = uuid.UUID("0190d7a0-0000-7000-8000-00000000000b")


async def add(app: FastAPI, probe: ModuleType, **values: Any) -> uuid.UUID:
    async with app.state.database.sessionmaker() as session:
        item = probe.Item(**{"project_id": PROJECT_A, "title": "An item", **values})
        session.add(item)
        await session.commit()
        return uuid.UUID(str(item.id))


async def change(app: FastAPI, probe: ModuleType, item_id: uuid.UUID, **values: Any) -> None:
    async with app.state.database.sessionmaker() as session:
        item = await session.get(probe.Item, item_id)
        for name, value in values.items():
            setattr(item, name, value)
        await session.commit()


async def remove(app: FastAPI, probe: ModuleType, item_id: uuid.UUID) -> None:
    async with app.state.database.sessionmaker() as session:
        await session.delete(await session.get(probe.Item, item_id))
        await session.commit()


async def test_the_dictionary_describes_every_dataset(client: httpx.AsyncClient) -> None:
    datasets = await catalog(client)
    assert list(datasets) == ["items", "items_fast", "items_fallback", "refusing"]
    items = datasets["items"]
    assert [c["name"] for c in items["columns"]] == [
        "id", "project_id", "title", "kind", "amount", "active", "due", "updated_at"
    ]  # fmt: skip
    assert items["columns"][0] == {
        "name": "id",
        "type": "string",
        "format": "uuid",
        "enum": None,
        "description": "The item's id.",
        "required": True,
    }
    assert items["columns"][3]["enum"] == ["plain", "special"]
    assert items["primary_key"] == ["id"]
    assert items["roles"] == ["admin", "governance", "reporter"]
    assert [f["name"] for f in items["filters"]] == ["project_id", "directorate", "stage"]
    assert items["filters"][2]["enum"] == list(STAGES)
    assert items["as_of"]["served"] is True
    assert datasets["refusing"]["as_of"] == {
        "served": False,
        "how": "no history is kept for these rows",
    }
    assert items["formats"] == ["csv", "ndjson", "xlsx"]


def test_stage_values_are_the_projects_service_ones() -> None:
    from projects_service.projects.models import Stage  # a test may look across; code never

    assert tuple(stage.value for stage in Stage) == STAGES


async def test_csv_formats_values_and_sets_the_headers(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.freeze(dt.datetime(2026, 12, 1, 12, 0, 0, 250000, tzinfo=dt.UTC))
    first = await add(
        app,
        probe,
        title='Says "hi", twice\nover two lines',
        kind=probe.Kind.special,
        amount=decimal.Decimal("12.50"),
        due=dt.date(2027, 1, 31),
    )
    second = await add(app, probe, title="Plain", active=False, project_id=PROJECT_B)
    clock.advance(seconds=5)
    response = await export(client, "items")
    table = read_csv(response)
    assert table.columns == [column.name for column in probe.COLUMNS]
    assert not table.bom
    assert table.rows == [
        {
            "id": str(first),
            "project_id": str(PROJECT_A),
            "title": 'Says "hi", twice\nover two lines',
            "kind": "special",
            "amount": "12.50",
            "active": "true",
            "due": "2027-01-31",
            "updated_at": "2026-12-01T12:00:00.250000Z",
        },
        {
            "id": str(second),
            "project_id": str(PROJECT_B),
            "title": "Plain",
            "kind": "plain",
            "amount": "",
            "active": "false",
            "due": "",
            "updated_at": "2026-12-01T12:00:00.250000Z",
        },
    ]
    assert response.content.startswith(b"id,project_id,title,kind,amount,active,due,updated_at\r\n")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="items_20261201T120005Z.csv"'
    )
    assert response.headers["export-as-of"] == "2026-12-01T12:00:05.250000Z"
    assert response.headers["export-high-water-mark"] == "2026-12-01T11:59:05.250000Z"
    assert response.headers["cache-control"] == "no-store"


async def test_bom_for_excel(app: FastAPI, probe: ModuleType, client: httpx.AsyncClient) -> None:
    await add(app, probe, title="École")
    response = await export(client, "items", bom=True)
    assert response.content.startswith("\ufeffid,".encode())
    assert read_csv(response).column("title") == ["École"]


async def test_ndjson_gives_typed_values_and_a_trailer_when_asked(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.freeze(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC))
    first = await add(app, probe, amount=decimal.Decimal("1234567890.05"), due=dt.date(2027, 1, 1))
    await add(app, probe, title="second")
    response = await export(client, "items", format="ndjson", trailer=True)
    table = read_ndjson(response)
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["content-disposition"].endswith('.ndjson"')
    assert table.columns == [column.name for column in probe.COLUMNS]
    assert table.rows[0] == {
        "id": str(first),
        "project_id": str(PROJECT_A),
        "title": "An item",
        "kind": "plain",
        "amount": 1234567890.05,
        "active": True,
        "due": "2027-01-01",
        "updated_at": "2026-12-01T12:00:00Z",
    }
    assert b'"amount":1234567890.05,' in response.content  # exact digits, a JSON number
    assert table.rows[1]["amount"] is None
    assert table.trailer == {
        "complete": True,
        "rows": 2,
        "high_water_mark": "2026-12-01T11:59:00Z",
        "as_of": "2026-12-01T12:00:00Z",
    }
    plain = await export(client, "items", format="ndjson")
    assert read_ndjson(plain).trailer is None


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/csv"),
        ("*/*", "text/csv"),
        ("application/x-ndjson", "application/x-ndjson"),
        ("text/csv;q=0.5, application/x-ndjson", "application/x-ndjson"),
        ("application/*", "application/x-ndjson"),
        ("text/*", "text/csv"),
    ],
)
async def test_accept_chooses_the_format(
    client: httpx.AsyncClient, accept: str | None, expected: str
) -> None:
    headers = {"Accept": accept} if accept else None
    response = await export(client, "items", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(expected)


@pytest.mark.parametrize(
    ("params", "accept"),
    [({"format": "xml"}, None), ({"format": "json"}, None), ({}, "image/png, text/html")],
)
async def test_a_format_there_is_not_is_406(
    client: httpx.AsyncClient, params: dict[str, str], accept: str | None
) -> None:
    response = await export(
        client, "items", headers={"Accept": accept} if accept else None, **params
    )
    body = assert_problem(response, 406, "not-acceptable")
    assert body["acceptable"] == ["csv", "ndjson", "xlsx"]
    assert "application/x-ndjson" in body["media_types"]


async def test_filters_reach_the_source_and_the_scope_resolver(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient
) -> None:
    a = await add(app, probe, project_id=PROJECT_A, directorate="Surgery", stage="pilot")
    b = await add(app, probe, project_id=PROJECT_B, directorate="Medicine", stage="idea")
    c = await add(app, probe, project_id=uuid.uuid4(), directorate="Surgery", stage="idea")

    async def ids(**params: Any) -> set[str]:
        return set(read_csv(await export(client, "items", **params)).column("id"))

    assert await ids() == {str(a), str(b), str(c)}
    # Upper case and without hyphens: canonicalised before the source sees it.
    assert await ids(project_id=[PROJECT_A.hex.upper(), str(PROJECT_B)]) == {str(a), str(b)}
    assert probe.HOOKS["scope_calls"][-1] == {
        "project_id": (str(PROJECT_A), str(PROJECT_B)),
        "as_of": None,
    }
    assert await ids(directorate="Surgery") == {str(a), str(c)}
    assert await ids(stage=["idea"], directorate=["Surgery", "Medicine"]) == {str(b), str(c)}
    assert len(probe.HOOKS["scope_calls"]) == 4  # once per export
    # The resolver is told the export's moment, so filters can select projects as they stood.
    moment = "2020-01-01T00:00:00Z"
    await ids(directorate="Surgery", as_of=moment)
    assert probe.HOOKS["scope_calls"][-1]["as_of"] == dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert probe.HOOKS["extras"] == {"service": "probe"}  # the router's `extras`, per export


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"project_id": "not-a-uuid"}, "/project_id/0"),
        ({"stage": "nowhere"}, "/stage/0"),
        ({"directorate": "x" * 201}, "/directorate/0"),
        ({"project_id": [str(uuid.uuid4()) for _ in range(101)]}, "/project_id"),
        ({"projectid": str(PROJECT_A)}, "/projectid"),
        ({"as_of": "2026-12-01T12:00:00"}, "/as_of"),  # naive: which zone?
        ({"updated_since": "yesterday"}, "/updated_since"),
        ({"bom": "yes"}, "/bom"),
    ],
)
async def test_bad_parameters_are_422_with_the_pointer(
    client: httpx.AsyncClient, params: dict[str, Any], pointer: str
) -> None:
    body = assert_problem(await export(client, "items", **params), 422)
    assert pointer in [error["pointer"] for error in body["errors"]], body


async def test_underscore_parameters_are_ignored(client: httpx.AsyncClient) -> None:
    assert (await export(client, "items", _cache="1")).status_code == 200


@pytest.mark.parametrize(
    ("roles", "dataset", "status"),
    [
        (("contributor",), "items", 403),
        (("viewer",), "items", 403),
        (("evaluator",), "items", 403),
        (("reporter",), "items", 200),
        (("admin",), "items", 200),
        (("contributor", "reporter"), "items", 200),
        (("viewer",), "refusing", 200),
        (("contributor",), "refusing", 403),
    ],
)
async def test_roles_per_dataset(
    client_as: Any, roles: tuple[str, ...], dataset: str, status: int
) -> None:
    async with client_as(*roles) as api:
        response = await export(api, dataset)
        if status == 403:
            body = assert_problem(response, 403, "forbidden")
            assert "reporter" in body["detail"]
        else:
            assert response.status_code == status
        # The dictionary is metadata: any staff role may read it.
        assert (await api.get("/v1/exports")).status_code == 200


async def test_a_forbidden_export_is_checked_before_its_moments(client_as: Any) -> None:
    async with client_as("contributor") as api:
        future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        assert_problem(await export(api, "items", as_of=future), 403)


async def test_moments_in_the_future_or_crossed_are_422(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    now = clock.freeze(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC))
    later = now + dt.timedelta(seconds=1)
    earlier = now - dt.timedelta(days=1)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"as_of": later}, "/as_of"),
        ({"updated_since": later}, "/updated_since"),
        ({"as_of": earlier, "updated_since": earlier + dt.timedelta(hours=1)}, "/updated_since"),
    ]
    for params, pointer in cases:
        body = assert_problem(await export(client, "items", **params), 422, "validation-error")
        assert [error["pointer"] for error in body["errors"]] == [pointer]
    assert (await export(client, "items", as_of=now, updated_since=earlier)).status_code == 200


async def test_a_dataset_refusing_a_moment_says_why(client: httpx.AsyncClient) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    body = assert_problem(await export(client, "refusing", as_of=past), 422, "as-of-not-supported")
    assert "no history is kept for these rows" in body["detail"]
    assert body["errors"][0]["pointer"] == "/as_of"
    body = assert_problem(
        await export(client, "refusing", updated_since=past), 422, "updated-since-not-supported"
    )
    assert "rows carry no change time" in body["detail"]
    assert (await export(client, "refusing")).status_code == 200


async def test_as_of_gives_the_rows_as_they_stood_reproducibly(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.freeze(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC))
    kept = await add(app, probe, title="Before", amount=decimal.Decimal("-3.10"))
    doomed = await add(app, probe, title="Doomed", project_id=PROJECT_B)
    gone_before = await add(app, probe, title="Gone before")
    clock.advance(minutes=1)
    await remove(app, probe, gone_before)
    as_of = clock.advance(minutes=1)
    live_then = read_csv(await export(client, "items"))
    clock.advance(minutes=1)
    await change(app, probe, kept, title="After", amount=decimal.Decimal("7.00"))
    await remove(app, probe, doomed)
    await add(app, probe, title="Born after")
    clock.advance(minutes=1)

    first = await export(client, "items", as_of=as_of)
    table = read_csv(first)
    assert table.rows == live_then.rows  # the same rows and values as a live export then
    assert table.by("id")[str(kept)]["title"] == "Before"
    assert table.by("id")[str(kept)]["amount"] == "-3.10"  # a number column: never neutralised
    assert set(table.column("id")) == {str(kept), str(doomed)}
    assert first.headers["content-disposition"] == (
        'attachment; filename="items_20261101T090200Z.csv"'
    )
    assert first.headers["export-as-of"] == "2026-11-01T09:02:00Z"
    assert first.headers["export-high-water-mark"] == "2026-11-01T09:02:00Z"
    clock.advance(minutes=1)
    await change(app, probe, kept, title="Later still")
    again = await export(client, "items", as_of=as_of)
    assert again.content == first.content
    # Filters apply to history too; NDJSON gives the snapshot's decimals as numbers.
    only_b = read_ndjson(
        await export(client, "items", as_of=as_of, project_id=str(PROJECT_B), format="ndjson")
    )
    assert only_b.column("title") == ["Doomed"]
    ndjson = read_ndjson(await export(client, "items", as_of=as_of, format="ndjson"))
    assert ndjson.by("id")[str(kept)]["amount"] == -3.1


async def test_domain_events_in_the_outbox_do_not_count_as_row_changes(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    from shared.changes import emit_event
    from shared.event_contract import DomainEvent

    class ExportItemFlagged(DomainEvent, type_="export_item.flagged", entity="export_item"):
        """A domain event of the probe service, for this test only."""

    clock.freeze(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC))
    item = await add(app, probe)
    clock.advance()
    async with app.state.database.sessionmaker() as session:
        await emit_event(session, ExportItemFlagged(), entity_id=item)
        await session.commit()
    as_of = clock.advance()
    table = read_csv(await export(client, "items", as_of=as_of))
    assert table.column("id") == [str(item)]


async def test_updated_since_gives_changes_and_tombstones(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.freeze(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC))
    unchanged = await add(app, probe, title="Unchanged")
    changed = await add(app, probe, title="Changed")
    deleted = await add(app, probe, title="Deleted")
    archived = await add(app, probe, title="Archived")
    since = clock.advance(minutes=1)
    clock.advance(minutes=1)
    await change(app, probe, changed, title="Changed again")
    await change(app, probe, archived, active=False)  # archival: a status change
    await remove(app, probe, deleted)
    born = await add(app, probe, title="Born")
    clock.advance(minutes=1)

    response = await export(client, "items", updated_since=since)
    table = read_csv(response)
    assert table.columns == [*(column.name for column in probe.COLUMNS), "deleted"]
    rows = table.by("id")
    assert set(rows) == {str(changed), str(archived), str(born), str(deleted)}
    assert str(unchanged) not in rows
    assert rows[str(changed)]["title"] == "Changed again"
    assert rows[str(changed)]["deleted"] == "false"
    assert rows[str(archived)]["active"] == "false"
    tombstone = rows[str(deleted)]
    assert tombstone["deleted"] == "true"
    assert {k for k, v in tombstone.items() if v} == {"id", "deleted"}
    # The next run starts at the high-water mark: nothing new, nothing lost.
    mark = response.headers["export-high-water-mark"]
    assert mark == "2026-11-01T09:02:00Z"
    assert read_csv(await export(client, "items", updated_since=mark)).rows == []

    ndjson = read_ndjson(await export(client, "items", updated_since=since, format="ndjson"))
    assert ndjson.by("id")[str(deleted)] == {
        **{column.name: None for column in probe.COLUMNS},
        "id": str(deleted),
        "deleted": True,
    }
    assert ndjson.by("id")[str(born)]["deleted"] is False
    # Without updated_since there is no `deleted` column.
    assert "deleted" not in read_csv(await export(client, "items")).columns


async def test_updated_since_with_as_of_gives_the_window_between(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.freeze(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC))
    item = await add(app, probe, title="One")
    gone = await add(app, probe, title="Gone")
    since = clock.advance(minutes=1)
    clock.advance(minutes=1)
    await change(app, probe, item, title="Two")
    await remove(app, probe, gone)
    as_of = clock.advance(minutes=1)
    clock.advance(minutes=1)
    await change(app, probe, item, title="Three")
    await add(app, probe, title="Later")
    table = read_csv(await export(client, "items", updated_since=since, as_of=as_of))
    assert {row["id"]: (row["title"], row["deleted"]) for row in table.rows} == {
        str(item): ("Two", "false"),
        str(gone): ("", "true"),
    }


@pytest.mark.parametrize(
    "title", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
async def test_csv_injection_is_neutralised_in_csv_not_ndjson(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, title: str
) -> None:
    await add(app, probe, title=title)
    assert read_csv(await export(client, "items")).column("title") == ["'" + title]
    assert read_ndjson(await export(client, "items", format="ndjson")).column("title") == [title]


async def test_every_export_is_audited(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient
) -> None:
    past = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    response = await export(
        client, "items", format="ndjson", project_id=str(PROJECT_A), updated_since=past
    )
    assert response.status_code == 200
    async with app.state.database.engine.connect() as connection:
        entries = (await connection.execute(select(probe.PLATFORM.audit))).mappings().all()
    assert [(e["entity_type"], e["entity_id"], e["action"], e["actor"]) for e in entries] == [
        ("export", "items", "exported", "gov-1")
    ]
    assert entries[0]["changes"] == {
        "format": "ndjson",
        "filters": {"project_id": [str(PROJECT_A)]},
        "as_of": None,
        "updated_since": "2026-01-01T00:00:00Z",
    }


async def test_a_refused_export_is_not_audited(
    app: FastAPI, probe: ModuleType, client_as: Any
) -> None:
    async with client_as("contributor") as api:
        assert (await export(api, "items")).status_code == 403
    async with app.state.database.engine.connect() as connection:
        assert (await connection.execute(select(probe.PLATFORM.audit))).all() == []


def test_the_openapi_documents_each_dataset_and_its_filters(app: FastAPI) -> None:
    document = app.openapi()
    operation = document["paths"]["/v1/exports/items"]["get"]
    assert operation["operationId"] == "export_items"
    names = [parameter["name"] for parameter in operation["parameters"]]
    assert names == [
        "format", "bom", "as_of", "updated_since", "trailer", "project_id", "directorate", "stage"
    ]  # fmt: skip
    assert set(operation["responses"]["200"]["content"]) == {
        "text/csv; charset=utf-8",
        "application/x-ndjson",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert {"403", "406", "422"} <= set(operation["responses"])
    assert "/v1/exports/refusing" in document["paths"]
    assert "/v1/exports" in document["paths"]
    assert re.search("outbox", operation["description"])
    json.dumps(document)


async def test_as_of_now_equals_the_live_export_after_updates(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    # An update's snapshot carries every column (`updated_at` included), not only the changed.
    clock.freeze(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC))
    item = await add(app, probe, amount=decimal.Decimal("1.00"), due=dt.date(2027, 2, 1))
    clock.advance(minutes=1)
    await change(app, probe, item, title="Changed", kind=probe.Kind.special)
    clock.advance(minutes=1)
    await change(app, probe, item, active=False)
    as_of = clock.advance(minutes=1)
    live = read_csv(await export(client, "items"))
    assert read_csv(await export(client, "items", as_of=as_of)).rows == live.rows
    assert live.rows[0]["updated_at"] == "2026-11-01T09:02:00Z"
