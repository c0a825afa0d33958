"""A retry that arrives the moment the client has the first response is a replay, never a 409:
the key is recorded as complete before the response leaves the service."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.types import Message

from shared.testing import TokenFactory, api_client

NEW_PROJECT = {
    "title": "Retried at once",
    "pillar": "project_innovation",
    "innovation_type": "other",
    "lead_partner": "trust",
}


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
