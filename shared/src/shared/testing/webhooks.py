"""A real webhook receiver for tests and benchmarks: an ASGI app served on 127.0.0.1 (with
`serving(receiver, lifespan="off")`) that records every delivery and answers as told.

    receiver = WebhookReceiver()
    async with serving(receiver, lifespan="off") as url:
        receiver.answers.extend([500, 500])   # the next two deliveries fail, then 200s
        ...
        async with asyncio.timeout(10):
            await receiver.wait_for(3)
        receiver.verify(secret, receiver.received[0])  # standardwebhooks.Webhook.verify
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from standardwebhooks import Webhook


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when the request arrived

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class WebhookReceiver:
    """`answers` are consumed one per request (a status, or `(status, headers)`); when empty,
    `status` answers. `rule`, when set, answers first (a status, or None to fall through).
    `delay` seconds pass before each answer."""

    status: int = 200
    delay: float = 0.0
    answers: deque[int | tuple[int, dict[str, str]]] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    body: bytes = b"ok"
    rule: Callable[[Received], int | None] | None = None

    def __post_init__(self) -> None:
        self._arrived = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the sender gave up mid-request (its timeout): nothing was delivered
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        got = Received(scope["path"], headers, b"".join(chunks), time.time())
        self.received.append(got)
        self._arrived.set()
        ruled = self.rule(got) if self.rule is not None else None
        answer: int | tuple[int, dict[str, str]]
        if ruled is not None:
            answer = ruled
        else:
            answer = self.answers.popleft() if self.answers else self.status
        status, extra = answer if isinstance(answer, tuple) else (answer, {})
        if self.delay:
            await asyncio.sleep(self.delay)
        response_headers = [(b"content-type", b"text/plain")]
        response_headers += [(k.encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": self.body})

    async def wait_for(self, count: int) -> list[Received]:
        """Wait until `count` deliveries have arrived (wrap it in `asyncio.timeout`)."""
        while len(self.received) < count:
            self._arrived.clear()
            await self._arrived.wait()
        return self.received

    @staticmethod
    def verify(secret: str, received: Received) -> Any:
        """The payload, if `standardwebhooks` accepts the delivery's signature with `secret`."""
        return Webhook(secret).verify(received.body, received.headers)

    def ids(self) -> list[str]:
        return [r.webhook_id for r in self.received]
