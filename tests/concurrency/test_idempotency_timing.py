"""A retry that arrives the moment the client has the first response is a replay, never a 409:
the key is recorded as complete before the response leaves the service."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from starlette.types import Message

from shared.db import utcnow
from shared.idempotency import IdempotencyMiddleware
from shared.testing import TokenFactory, api_client, project_body

NEW_PROJECT = project_body(title="Retried at once")


async def test_a_retry_sent_as_soon_as_the_response_arrives_is_a_replay(
    projects_app: FastAPI, tokens: TokenFactory
) -> None:
    token = tokens("governance")
    key = f"instant-{uuid.uuid4()}"
    body = json.dumps(NEW_PROJECT).encode()
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
        "path": "/v1/projects",
        "raw_path": b"/v1/projects",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {token}".encode()),
            (b"idempotency-key", key.encode()),
        ],
    }
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    first_status: list[int] = []
    retries: list[httpx.Response] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            first_status.append(message["status"])
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            # The client now holds the whole response and retries straight away, before the
            # service has done anything else: the stored response must already be there.
            async with api_client(projects_app, token=token) as client:
                retries.append(
                    await client.post(
                        "/v1/projects",
                        content=body,
                        headers={"Idempotency-Key": key, "Content-Type": "application/json"},
                    )
                )

    await projects_app(scope, receive, send)
    assert first_status == [201]
    (retry,) = retries
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"


async def test_a_write_whose_process_died_before_keeping_its_response_is_not_applied_twice(
    projects_app: FastAPI, tokens: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write commits, then the process "dies" before the response is recorded. Once the lock
    expires, a retry must learn the request was applied; before, it ran the write again."""
    token = tokens("governance")
    key = f"crash-{uuid.uuid4()}"
    headers = {"Idempotency-Key": key}

    async def die(*args: object) -> None:
        raise KeyboardInterrupt  # stands in for SIGKILL: nothing after the commit runs

    monkeypatch.setattr(IdempotencyMiddleware, "_complete", die)
    monkeypatch.setattr(IdempotencyMiddleware, "_release", die)
    async with api_client(projects_app, token=token) as client:
        with pytest.raises(KeyboardInterrupt):
            await client.post("/v1/projects", json=NEW_PROJECT, headers=headers)
    monkeypatch.undo()

    table = projects_app.state.platform.idempotency
    async with projects_app.state.database.sessionmaker() as session:
        # The lock of the dead attempt runs out.
        await session.execute(update(table).values(locked_until=utcnow() - dt.timedelta(seconds=1)))
        await session.commit()

    async with api_client(projects_app, token=token) as client:
        retry = await client.post("/v1/projects", json=NEW_PROJECT, headers=headers)
        listed = await client.get("/v1/projects", params={"q": NEW_PROJECT["title"]})
    assert retry.status_code == 409, retry.text
    assert retry.json()["type"].endswith("/idempotency-key-applied")
    assert len(listed.json()["items"]) == 1
