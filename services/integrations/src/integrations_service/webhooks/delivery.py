"""The delivery worker: claims due deliveries, POSTs them signed, records each attempt and
schedules the next (Standard Webhooks; Svix's retry schedule).

At least once: a delivery is leased before it is sent and settled after, so a worker killed
mid-send leaves it to be claimed again once the lease ends (the receiver de-duplicates on the
unchanged `webhook-id`). Several workers on one PostgreSQL database claim disjoint rows
(`FOR UPDATE SKIP LOCKED`, repository.claim_due); on SQLite run one.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlunsplit

import httpx
import orjson
import structlog

from integrations_service.settings import Settings
from integrations_service.webhooks import repository, service
from integrations_service.webhooks.metrics import (
    DELIVERIES_FINISHED,
    DELIVERY_ATTEMPTS,
    ENDPOINTS_DISABLED,
    FIRST_ATTEMPT_LAG,
)
from integrations_service.webhooks.models import AttemptOutcome, DeliveryStatus
from integrations_service.webhooks.repository import Claimed
from integrations_service.webhooks.signing import message_id, signed_headers
from integrations_service.webhooks.ssrf import (
    AddressRefused,
    UrlPolicy,
    UrlRefused,
    allowed_address,
    check_url,
)
from shared.db import Database, new_id, utcnow

logger = structlog.get_logger("integrations_service.webhooks.delivery")


@dataclass(frozen=True)
class Result:
    outcome: AttemptOutcome
    status_code: int | None = None
    body: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Attempted:
    claimed: Claimed
    result: Result
    attempted_at: dt.datetime
    latency_ms: int


class DeliveryWorker:
    def __init__(self, database: Database, settings: Settings, *, seed: int | None = None) -> None:
        self.database = database
        self.settings = settings
        self.policy: UrlPolicy = service.url_policy(settings)
        # Jitter only: no secret depends on it.
        self.rng = random.Random(seed)  # noqa: S311
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                follow_redirects=False,  # a redirect is a failure, never followed
                trust_env=False,  # no proxy from the environment between us and the check
                timeout=httpx.Timeout(self.settings.webhook_timeout_seconds),
                limits=httpx.Limits(
                    max_connections=self.settings.webhook_max_in_flight,
                    max_keepalive_connections=self.settings.webhook_max_in_flight,
                ),
            )
        return self._client

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def claim(self, limit: int) -> list[Claimed]:
        now = utcnow()
        async with self.database.sessionmaker() as session:
            claimed = await repository.claim_due(
                session,
                now=now,
                limit=limit,
                per_endpoint=self.settings.webhook_max_in_flight_per_endpoint,
                lease_until=now + dt.timedelta(seconds=self.settings.webhook_lease_seconds),
            )
            await session.commit()
        return claimed

    async def step(self) -> int:
        """Claim what is due now, attempt it all and settle it; returns the attempts made."""
        claimed = await self.claim(self.settings.webhook_batch_size)
        outcomes = await asyncio.gather(*(self.attempt(c) for c in claimed))
        await self.settle(outcomes)
        return len(claimed)

    async def drain(self, *, max_rounds: int = 100) -> int:
        """`step()` until nothing is due (tests: deliver everything that can go now)."""
        total = 0
        for _ in range(max_rounds):
            made = await self.step()
            total += made
            if made == 0:
                break
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Keep up to `webhook_max_in_flight` attempts going until `stop` is set; finished
        attempts are settled together, one transaction for all that finished meanwhile."""
        done: list[Attempted] = []
        while not stop.is_set():
            free = self.settings.webhook_max_in_flight - len(self._tasks)
            claimed: list[Claimed] = []
            if free > 0:
                try:
                    claimed = await self.claim(min(free, self.settings.webhook_batch_size))
                except Exception as exc:
                    logger.warning("webhook_claim_failed", error=str(exc))
            for c in claimed:
                task = asyncio.create_task(
                    self._attempt_into(c, done), name=f"webhook:{c.delivery_id}"
                )
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if not done and self._tasks:
                # Wait for an attempt to finish (or for new work to fall due).
                await asyncio.wait(
                    self._tasks,
                    timeout=self.settings.webhook_poll_seconds,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            elif not done and not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.webhook_poll_seconds)
            if done:
                batch, done[:] = list(done), []
                await self.settle(batch)

    async def _attempt_into(self, claimed: Claimed, done: list[Attempted]) -> None:
        done.append(await self.attempt(claimed))

    async def attempt(self, claimed: Claimed) -> Attempted:
        """POST one delivery; what happened, to be settled."""
        attempted_at = utcnow()
        started = time.perf_counter()
        try:
            result = await self._post(claimed, attempted_at)
        except Exception as exc:  # never lose the lease's bookkeeping to a surprise
            result = Result(AttemptOutcome.network_error, error=type(exc).__name__)
        latency_ms = int((time.perf_counter() - started) * 1000)
        return Attempted(claimed, result, attempted_at, latency_ms)

    async def settle(self, attempted: Sequence[Attempted]) -> None:
        if not attempted:
            return
        try:
            await self._settle(attempted)
        except Exception as exc:
            # The leases run out and the deliveries are attempted again: at least once.
            logger.warning("webhook_settle_failed", deliveries=len(attempted), error=str(exc))

    async def _post(self, claimed: Claimed, attempted_at: dt.datetime) -> Result:
        try:
            parts = check_url(claimed.url, self.policy)
            address = await allowed_address(parts, self.policy)
        except (UrlRefused, AddressRefused) as exc:
            return Result(AttemptOutcome.refused, error=str(exc))
        body = orjson.dumps(claimed.payload).decode()
        headers = signed_headers(
            claimed.signing_secrets,
            msg_id=message_id(claimed.delivery_id),
            timestamp=attempted_at,
            body=body,
        )
        # Connect to the address just checked (no second lookup to rebind), naming the host
        # in Host and, for https, in TLS (SNI and the certificate check).
        assert parts.hostname is not None
        port = parts.port
        literal = f"[{address}]" if address.version == 6 else str(address)
        target = urlunsplit(parts._replace(netloc=f"{literal}:{port}" if port else literal))
        headers["host"] = parts.netloc
        headers["user-agent"] = "CMDI-Webhooks/1.0"
        extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
        keep = self.settings.webhook_response_keep_bytes
        try:
            async with asyncio.timeout(self.settings.webhook_timeout_seconds):
                request = self.client.build_request(
                    "POST", target, content=body.encode(), headers=headers, extensions=extensions
                )
                response = await self.client.send(request, stream=True)
                try:
                    kept = bytearray()
                    async for chunk in response.aiter_raw():
                        kept += chunk[: keep - len(kept)]
                        if len(kept) >= keep:
                            break  # the rest is not read (a receiver may answer forever)
                finally:
                    await response.aclose()
        except TimeoutError:
            return Result(AttemptOutcome.timeout, error="No answer in time.")
        except httpx.HTTPError as exc:
            return Result(AttemptOutcome.network_error, error=type(exc).__name__)
        text = kept.decode("utf-8", errors="replace")
        if 200 <= response.status_code < 300:
            return Result(AttemptOutcome.succeeded, response.status_code, text)
        return Result(AttemptOutcome.http_error, response.status_code, text)

    async def _settle(self, attempted: Sequence[Attempted]) -> None:
        now = utcnow()
        settled: list[repository.Settled] = []
        # Per endpoint, the batch's last outcome says whether it is failing now.
        last_ok: dict[uuid.UUID, bool] = {}
        gone: set[uuid.UUID] = set()
        for item in attempted:
            claimed, result = item.claimed, item.result
            ok = result.outcome == AttemptOutcome.succeeded
            if result.status_code == 410:
                gone.add(claimed.endpoint_id)
            delay = (
                None
                if ok or result.status_code == 410
                else service.next_delay(self.settings, claimed.attempt_count + 1, self.rng)
            )
            status = (
                DeliveryStatus.succeeded
                if ok
                else DeliveryStatus.pending
                if delay is not None
                else DeliveryStatus.failed
            )
            last_ok[claimed.endpoint_id] = ok
            settled.append(
                repository.Settled(
                    attempt={
                        "id": new_id(),
                        "delivery_id": claimed.delivery_id,
                        "attempted_at": item.attempted_at,
                        "outcome": result.outcome.value,
                        "status_code": result.status_code,
                        "latency_ms": item.latency_ms,
                        "response_body": result.body,
                        "error": result.error,
                    },
                    status=status,
                    next_attempt_at=now + dt.timedelta(seconds=delay or 0),
                )
            )
        disabled: dict[uuid.UUID, str] = {}
        async with self.database.sessionmaker() as session:
            await repository.record_attempts(session, settled)
            for endpoint_id, ok in last_ok.items():
                failing_since = await repository.mark_health(session, endpoint_id, ok=ok, now=now)
                if endpoint_id in gone:
                    reason, why = "gone", "The endpoint answered 410 Gone."
                elif failing_since is not None and now - failing_since >= dt.timedelta(
                    seconds=self.settings.webhook_disable_after_seconds
                ):
                    reason = "failing"
                    why = "Every delivery failed for longer than the allowed period."
                else:
                    continue
                if await service.disable_endpoint(session, endpoint_id, reason=why):
                    disabled[endpoint_id] = reason
            await session.commit()
        for item, row in zip(attempted, settled, strict=True):
            DELIVERY_ATTEMPTS.labels(item.result.outcome.value).inc()
            if item.claimed.attempt_count == 0:
                lag = (item.attempted_at - item.claimed.occurred_at).total_seconds()
                FIRST_ATTEMPT_LAG.observe(max(0.0, lag))
            if row.status != DeliveryStatus.pending:
                DELIVERIES_FINISHED.labels(row.status.value).inc()
        for endpoint_id, reason in disabled.items():
            ENDPOINTS_DISABLED.labels(reason).inc()
            logger.warning("webhook_endpoint_disabled", endpoint=str(endpoint_id), reason=reason)
