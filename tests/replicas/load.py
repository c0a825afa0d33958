"""A steady, bounded load through the ingress: reads, and writes a client can safely repeat.

Each worker owns one project and loops over: a list read, a read of its project, a POST of a
new project with an Idempotency-Key, and a PATCH of its project's summary with If-Match. Reads
are sent once: any answer but 200 is a client-visible error (nginx, not the client, must hide a
dead replica). Writes follow the documented client rule: a 502/503/504 (or a broken connection)
is retried, a POST with the same key (also on a 409 "in progress": the first attempt is still
running, or died and holds the key until its lock expires; a 409 "applied" means it committed,
and the client finds the project by its title), a PATCH after reading the resource back (if
the summary is already ours, an attempt applied; else again with the new ETag, also after a
412). A write that still fails after that is an error.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.testing import project_body

RETRY_STATUSES = frozenset({502, 503, 504})
# The first attempt of this key is still running (its answer was lost on the way, a 504): the
# documented answer is to retry once it has finished.
IN_PROGRESS = "https://cmdi.example/problems/idempotency-key-in-progress"
# The first attempt committed but its replica died before recording the answer: the write is
# there, and the client looks it up instead of writing again.
APPLIED = "https://cmdi.example/problems/idempotency-key-applied"
WRITE_ATTEMPTS = 8
RETRY_PAUSE_SECONDS = 0.25


@dataclass
class LoadReport:
    """What the load saw: requests by kind and status, client retries, errors, and the
    projects its POSTs created (id by idempotency key)."""

    requests: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    created: dict[str, str] = field(default_factory=dict)
    summaries: dict[str, str] = field(default_factory=dict)


class Load:
    """`workers` loops against `base_url` until `stop()`, at most `rate` requests a second each."""

    def __init__(
        self, base_url: str, headers: dict[str, str], *, workers: int = 3, rate: float = 8.0
    ) -> None:
        self.client = httpx.AsyncClient(
            base_url=f"{base_url}/api/v1",
            headers=headers,
            timeout=httpx.Timeout(15.0, connect=2.0),
            trust_env=False,
        )
        self.workers = workers
        self.pause = 1.0 / rate
        self.report = LoadReport()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Load:
        owned = []
        for n in range(self.workers):
            body = project_body(title=f"Replica load owner {n} {uuid.uuid4().hex[:6]}")
            response = await self.client.post("/projects", json=body)
            assert response.status_code == 201, response.text
            owned.append(response.json()["id"])
        self._tasks = [asyncio.create_task(self._work(project_id)) for project_id in owned]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._stopping.set()
        try:
            await asyncio.gather(*self._tasks)
        finally:
            await self.client.aclose()

    async def _work(self, project_id: str) -> None:
        for step in itertools.count():
            if self._stopping.is_set():
                return
            started = time.monotonic()
            kind = ("list", "read", "create", "update")[step % 4]
            try:
                if kind == "list":
                    await self._read("list", "/projects", params={"limit": "5"})
                elif kind == "read":
                    await self._read("read", f"/projects/{project_id}")
                elif kind == "create":
                    await self._create()
                else:
                    await self._update(project_id)
            except Exception as exc:  # recorded and asserted on, never hidden
                self.report.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            await asyncio.sleep(max(0.0, self.pause - (time.monotonic() - started)))

    async def _read(self, kind: str, path: str, params: dict[str, str] | None = None) -> None:
        response = await self.client.get(path, params=params)
        self.report.requests[f"{kind} {response.status_code}"] += 1
        if response.status_code != 200:
            self.report.errors.append(f"{kind} {path}: {response.status_code} {response.text}")

    async def _create(self) -> None:
        key = str(uuid.uuid4())
        body = project_body(title=f"Replica load {key[:8]}")
        for attempt in range(WRITE_ATTEMPTS):
            try:
                response = await self.client.post(
                    "/projects", json=body, headers={"Idempotency-Key": key}
                )
            except httpx.TransportError as exc:
                self.report.requests[f"create {type(exc).__name__}"] += 1
            else:
                self.report.requests[f"create {response.status_code}"] += 1
                if response.status_code == 201:
                    self.report.created[key] = response.json()["id"]
                    return
                problem = response.json().get("type") if response.status_code == 409 else None
                if problem == APPLIED:
                    await self._find_created(key, body["title"])
                    return
                in_progress = problem == IN_PROGRESS
                if response.status_code not in RETRY_STATUSES and not in_progress:
                    self.report.errors.append(f"create: {response.status_code} {response.text}")
                    return
            self.report.retries["create"] += 1
            await asyncio.sleep(RETRY_PAUSE_SECONDS * (attempt + 1))
        self.report.errors.append(f"create {key}: no 201 after {WRITE_ATTEMPTS} attempts")

    async def _find_created(self, key: str, title: str) -> None:
        response = await self.client.get("/projects", params={"q": title})
        self.report.requests[f"find {response.status_code}"] += 1
        found = [p["id"] for p in response.json().get("items", []) if p["title"] == title]
        if response.status_code != 200 or len(found) != 1:
            self.report.errors.append(f"create {key}: applied, but found {found}")
            return
        self.report.created[key] = found[0]

    async def _update(self, project_id: str) -> None:
        summary = f"Load summary {uuid.uuid4().hex[:8]}"
        for attempt in range(WRITE_ATTEMPTS):
            current = await self._current(project_id)
            if current is None:
                self.report.retries["update read"] += 1
                await asyncio.sleep(RETRY_PAUSE_SECONDS * (attempt + 1))
                continue
            body, etag = current
            if attempt and body["summary"] == summary:
                # The earlier attempt was applied though its answer was lost.
                self.report.summaries[project_id] = summary
                return
            try:
                response = await self.client.patch(
                    f"/projects/{project_id}", json={"summary": summary}, headers={"If-Match": etag}
                )
            except httpx.TransportError as exc:
                self.report.requests[f"update {type(exc).__name__}"] += 1
            else:
                self.report.requests[f"update {response.status_code}"] += 1
                if response.status_code == 200:
                    self.report.summaries[project_id] = summary
                    return
                # 412: an earlier attempt whose answer was lost has applied since the read (the
                # next round reads it back and finds our summary).
                if response.status_code not in RETRY_STATUSES and response.status_code != 412:
                    self.report.errors.append(f"update: {response.status_code} {response.text}")
                    return
            self.report.retries["update"] += 1
            await asyncio.sleep(RETRY_PAUSE_SECONDS * (attempt + 1))
        self.report.errors.append(f"update {project_id}: not applied after {WRITE_ATTEMPTS}")

    async def _current(self, project_id: str) -> tuple[dict[str, Any], str] | None:
        """The project and its ETag (None if the read failed: the write loop tries again)."""
        response = await self.client.get(f"/projects/{project_id}")
        self.report.requests[f"update-read {response.status_code}"] += 1
        if response.status_code != 200:
            # A read: nginx should have hidden the failure, so it is an error even though the
            # write is tried again.
            self.report.errors.append(f"update read: {response.status_code} {response.text}")
            return None
        return response.json(), response.headers["etag"]


async def read_feed(url: str, headers: dict[str, str], types: list[str]) -> list[dict[str, Any]]:
    """A service's whole change feed of `types`, page by page from the start (`url` is the
    service as its callers reach it: its nginx listener)."""
    events: list[dict[str, Any]] = []
    after = ""
    async with httpx.AsyncClient(base_url=url, headers=headers, trust_env=False) as client:
        while True:
            params: dict[str, Any] = {"limit": 200, "type": types}
            if after:
                params["after"] = after
            response = await client.get("/v1/events", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            events += page["items"]
            after = page["next_cursor"]
            if not page["has_more"]:
                return events
