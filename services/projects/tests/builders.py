"""The projects suite's builders: records made through the API as a client makes them, with the
canonical bodies (`shared.testing.project_body` / `member_body`). Tests get a `Builder` as the
`build` fixture; `counting_statements` (the `count_sql` fixture) counts SQL per block."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from shared.testing import member_body, project_body

Json = dict[str, Any]


class Builder:
    """Creates records through the API with sensible NHS-flavoured defaults."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def ok(self, method: str, url: str, json: Any = None, status: int | None = None) -> Json:
        response = await self.client.request(method, url, json=json)
        assert response.status_code == (status or (201 if method == "POST" else 200)), response.text
        return response.json()  # type: ignore[no-any-return]

    async def project(self, **overrides: Any) -> Json:
        return await self.ok("POST", "/v1/projects", project_body(**overrides))

    async def member(
        self, project_id: str, subject: str, role: str = "member", **overrides: Any
    ) -> Json:
        body = member_body(subject, role, **overrides)
        return await self.ok("POST", f"/v1/projects/{project_id}/team", body)

    async def draft_map(
        self, project_id: str, partners: int = 1, markers: tuple[str, ...] = ("expect_to_see",)
    ) -> Json:
        """A complete draft: vision, mission, partners each with a challenge and markers."""
        outcome_map = await self.ok(
            "POST",
            f"/v1/projects/{project_id}/outcome-maps",
            {
                "vision": "Frail older people recover at home.",
                "mission": "Co-design a virtual ward with ED.",
            },
        )
        base = f"/v1/projects/{project_id}/outcome-maps/{outcome_map['id']}"
        for index in range(partners):
            partner = await self.ok(
                "POST",
                f"{base}/partners",
                {
                    "name": f"ED nursing team {index}",
                    "outcome_challenge": "Refers frail patients on day one.",
                },
            )
            for level in markers:
                await self.ok(
                    "POST",
                    f"{base}/partners/{partner['id']}/markers",
                    {"level": level, "text": f"{level} marker"},
                )
        return await self.ok("GET", base)

    async def agreed_map(self, project_id: str, **kwargs: Any) -> Json:
        draft = await self.draft_map(project_id, **kwargs)
        return await self.ok(
            "POST",
            f"/v1/projects/{project_id}/outcome-maps/{draft['id']}/transitions",
            {"to": "agreed", "agreed_in": "Workshop 3 March"},
            200,
        )

    async def agreed_map_with_strategies(
        self, project_id: str, cells: tuple[tuple[str, str], ...] = (("individual", "causal"),)
    ) -> Json:
        """An agreed one-partner map whose partner has a strategy per (target, type) cell."""
        draft = await self.draft_map(project_id)
        base = f"/v1/projects/{project_id}/outcome-maps/{draft['id']}"
        for target, type_ in cells:
            await self.ok(
                "POST",
                f"{base}/partners/{draft['partners'][0]['id']}/strategies",
                {"target": target, "type": type_, "description": f"{target} {type_} support"},
            )
        agree = {"to": "agreed", "agreed_in": "Workshop"}
        return await self.ok("POST", f"{base}/transitions", agree, 200)

    async def _entry(self, journal: str, project_id: str, body: Json, submit: bool) -> Json:
        """A journal entry, submitted (`POST /{id}/transitions {"to": "submitted"}`) unless
        `submit=False`."""
        entry = await self.ok("POST", f"/v1/projects/{project_id}/{journal}", body)
        if submit:
            entry = await self.ok(
                "POST",
                f"/v1/projects/{project_id}/{journal}/{entry['id']}/transitions",
                {"to": "submitted"},
                200,
            )
        return entry

    async def journal(
        self,
        project_id: str,
        partner: Json,
        start: str,
        end: str,
        ratings: dict[str, str],
        submit: bool = True,
        **extra: Any,
    ) -> Json:
        body = {
            "boundary_partner_id": partner["id"],
            "period_start": start,
            "period_end": end,
            "marker_ratings": [{"progress_marker_id": m, "rating": r} for m, r in ratings.items()],
            "description_of_change": "Nurses began referring on day one.",
            **extra,
        }
        return await self._entry("outcome-journal", project_id, body, submit)

    async def strategy_journal(
        self,
        project_id: str,
        outcome_map: Json,
        start: str,
        end: str,
        strategy_ids: list[str] | None = None,
        submit: bool = True,
        **extra: Any,
    ) -> Json:
        body = {
            "outcome_map_id": outcome_map["id"],
            "period_start": start,
            "period_end": end,
            "strategy_ids": strategy_ids or [],
            "activities_implemented": "Two teaching sessions for ED nurses.",
            "effectiveness": "Nurses now refer frail patients on day one.",
            **extra,
        }
        return await self._entry("strategy-journal", project_id, body, submit)

    async def performance_journal(
        self,
        project_id: str,
        outcome_map: Json,
        start: str,
        end: str,
        ratings: dict[str, str | None] | None = None,
        submit: bool = True,
        **extra: Any,
    ) -> Json:
        body = {
            "outcome_map_id": outcome_map["id"],
            "period_start": start,
            "period_end": end,
            "practice_entries": [
                {"practice": practice, "examples_or_indicators": "Monthly huddle.", "rating": r}
                for practice, r in (ratings or {}).items()
            ],
            **extra,
        }
        return await self._entry("performance-journal", project_id, body, submit)


@contextmanager
def counting_statements(app: FastAPI) -> Iterator[Callable[[], int]]:
    """Count SQL statements the app's engine runs inside the block."""
    seen: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            seen.append(statement)

    engine = app.state.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield lambda: len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
