"""The delivery worker: claims due deliveries, POSTs them signed, records each attempt and
schedules the next (Standard Webhooks; Svix's retry schedule).

At least once: a delivery is leased before it is sent and settled after, so a worker killed
mid-send leaves it to be claimed again once the lease ends (the receiver de-duplicates on the
unchanged `webhook-id`). Several workers on one PostgreSQL database claim disjoint rows
(`FOR UPDATE SKIP LOCKED`, repository.claim_due); on SQLite run one.

The POSTs go through one aiohttp session per worker, chosen by measurement as the gateway's
proxy was: 0.24 ms of CPU a request against httpx's 2.3 ms (httpcore scans and polls every
pooled connection on each request), which alone took a quarter of a core at 100 deliveries/s
(bench/WEBHOOKS.md). Its connection pool is keyed by the TLS server name as well as the
address, so a connection verified for one host is never reused for another on the same address.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlunsplit

import aiohttp
import orjson
import structlog
from yarl import URL

from integrations_service.settings import Settings
from integrations_service.webhooks import repository, service, wakeup
from integrations_service.webhooks.metrics import (
    DELIVERIES_DUE,
    DELIVERIES_FINISHED,
    DELIVERY_ATTEMPTS,
    ENDPOINTS_DISABLED,
    FIRST_ATTEMPT_LAG,
    OLDEST_DUE,
)
from integrations_service.webhooks.models import AttemptOutcome, DeliveryStatus
from integrations_service.webhooks.repository import Claimed
from integrations_service.webhooks.signing import message_id, signed_headers
from integrations_service.webhooks.ssrf import (
    AddressRefused,
    Resolver,
    UrlPolicy,
    UrlRefused,
    allowed_address,
    check_url,
)
from shared.db import Database, new_id, utcnow

logger = structlog.get_logger("integrations_service.webhooks.delivery")

# How long a delivery host's addresses are kept before it is looked up again (see ssrf.py for
# why rebinding is still caught).
DNS_TTL_SECONDS = 10.0
# How often the worker reads the backlog for its gauges: a count over the due index.
BACKLOG_EVERY_SECONDS = 10.0


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
        self.resolver = Resolver(DNS_TTL_SECONDS)
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        # When the retries this worker scheduled fall due (monotonic seconds, a heap).
        self._retries: list[float] = []
        self._backlog_read_at = -BACKLOG_EVERY_SECONDS  # monotonic; the first round reads it

    @property
    def session(self) -> aiohttp.ClientSession:
        """Made on first use, inside the running loop (aiohttp's requirement)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.settings.webhook_max_in_flight),
                cookie_jar=aiohttp.DummyCookieJar(),  # nothing a receiver sets is sent back
                trust_env=False,  # no proxy from the environment between us and the check
                # The response's first bytes are logged as they came; asking for no
                # compression keeps them readable.
                auto_decompress=False,
                skip_auto_headers=("Accept-Encoding",),
                timeout=aiohttp.ClientTimeout(total=self.settings.webhook_timeout_seconds),
            )
        return self._session

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def exchange(self, attempted: Sequence[Attempted], claim: int) -> list[Claimed]:
        """Settle what finished and claim up to `claim` more, in one transaction: one commit
        per round instead of two, and the claim counts the endpoints' in-flight attempts after
        the finished ones stopped counting. Never raises: what cannot be settled is attempted
        again once its lease ends (at least once), what cannot be claimed waits a round."""
        if not attempted and claim <= 0:
            return []
        try:
            return await self._exchange(attempted, claim)
        except Exception as exc:
            logger.warning(
                "webhook_round_failed", settling=len(attempted), claiming=claim, error=str(exc)
            )
        if attempted and claim > 0:
            # The claim may be what failed: settle alone, so the finished attempts are not
            # sent again for nothing.
            try:
                await self._exchange(attempted, 0)
            except Exception as exc:
                logger.warning("webhook_settle_failed", deliveries=len(attempted), error=str(exc))
        return []

    async def step(self) -> int:
        """Claim what is due now, attempt it all and settle it; returns the attempts made.
        Tests drive the worker with it, so a database error here is raised, not logged."""
        claimed = await self._exchange((), self.settings.webhook_batch_size)
        outcomes = await asyncio.gather(*(self.attempt(c) for c in claimed))
        await self._exchange(outcomes, 0)
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
        """Keep up to `webhook_max_in_flight` attempts going until `stop` is set. Each round is
        one transaction: it settles every attempt that finished since the last and claims as
        many new ones as there is room for; the claimed batch is sent at once (it holds at most
        one delivery per entity and endpoint, so per-entity order is kept).

        Between rounds the worker sleeps until an attempt finishes, a transaction queues
        deliveries (`wakeup`), a retry it scheduled falls due, or `webhook_poll_seconds` pass
        (work queued by other replicas, leases that ran out)."""
        done: list[Attempted] = []
        wake = self._wake = asyncio.Event()
        stopping = asyncio.create_task(self._wake_on(stop), name="webhooks:stop")
        wakeup.subscribe(wake.set)
        try:
            while not stop.is_set():
                wake.clear()  # before the round: what happens during it wakes the next one
                await self.report_backlog()
                finished, done[:] = list(done), []
                room = min(
                    self.settings.webhook_max_in_flight - len(self._tasks),
                    self.settings.webhook_batch_size,
                )
                claimed = await self.exchange(finished, room)
                for c in claimed:
                    task = asyncio.create_task(
                        self._attempt_into(c, done), name=f"webhook:{c.delivery_id}"
                    )
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                if claimed and len(claimed) == room:
                    continue  # a full batch: more may be due
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._idle_seconds()):
                        await wake.wait()
        finally:
            wakeup.unsubscribe(wake.set)
            stopping.cancel()

    async def report_backlog(self, *, force: bool = False) -> None:
        """Set the backlog gauges, at most every BACKLOG_EVERY_SECONDS (`force`: now). The
        first-attempt lag histogram only moves when attempts happen; these show a worker that
        makes none. A failed read is logged and leaves the gauges as they were."""
        now = time.monotonic()
        if not force and now - self._backlog_read_at < BACKLOG_EVERY_SECONDS:
            return
        self._backlog_read_at = now
        try:
            at = utcnow()
            async with self.database.read_sessionmaker() as session:
                count, oldest = await repository.due_backlog(session, at)
        except Exception as exc:
            logger.warning("webhook_backlog_read_failed", error=str(exc))
            return
        DELIVERIES_DUE.set(count)
        OLDEST_DUE.set(max(0.0, (at - oldest).total_seconds()) if oldest is not None else 0.0)

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    def _idle_seconds(self) -> float:
        """Until the next poll, or sooner if a retry this worker scheduled falls due first."""
        wait = self.settings.webhook_poll_seconds
        now = time.monotonic()
        while self._retries and self._retries[0] <= now:
            heapq.heappop(self._retries)
            wait = 0.0
        if self._retries:
            wait = min(wait, self._retries[0] - now)
        return wait

    async def _attempt_into(self, claimed: Claimed, done: list[Attempted]) -> None:
        done.append(await self.attempt(claimed))
        self._wake.set()

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

    async def _post(self, claimed: Claimed, attempted_at: dt.datetime) -> Result:
        try:
            parts = check_url(claimed.url, self.policy)
            address = await allowed_address(parts, self.policy, self.resolver)
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
        keep = self.settings.webhook_response_keep_bytes
        try:
            async with (
                asyncio.timeout(self.settings.webhook_timeout_seconds),
                self.session.post(
                    # Already a URL: sent as it is, not quoted again.
                    URL(target, encoded=True),
                    data=body.encode(),
                    headers=headers,
                    allow_redirects=False,  # a redirect is a failure, never followed
                    server_hostname=parts.hostname if parts.scheme == "https" else None,
                ) as response,
            ):
                kept = bytearray()
                while len(kept) < keep:
                    chunk = await response.content.read(keep - len(kept))
                    if not chunk:
                        break
                    kept += chunk
                # The rest is not read (a receiver may answer forever): leaving the block
                # closes the connection instead of returning it to the pool.
                status = response.status
        except TimeoutError:
            return Result(AttemptOutcome.timeout, error="No answer in time.")
        except aiohttp.ClientError as exc:
            return Result(AttemptOutcome.network_error, error=type(exc).__name__)
        text = kept.decode("utf-8", errors="replace")
        if 200 <= status < 300:
            return Result(AttemptOutcome.succeeded, status, text)
        return Result(AttemptOutcome.http_error, status, text)

    def _settled(
        self, attempted: Sequence[Attempted], now: dt.datetime
    ) -> tuple[list[repository.Settled], dict[uuid.UUID, bool], set[uuid.UUID]]:
        """Each attempt's row and its delivery's next state; per endpoint whether the batch's
        last outcome succeeded; the endpoints that answered 410 Gone."""
        settled: list[repository.Settled] = []
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
        return settled, last_ok, gone

    async def _exchange(self, attempted: Sequence[Attempted], claim: int) -> list[Claimed]:
        now = utcnow()
        settled, last_ok, gone = self._settled(attempted, now)
        disabled: dict[uuid.UUID, str] = {}
        async with self.database.sessionmaker() as session:
            await repository.record_attempts(session, settled)
            # In id order: two workers settling failures of the same endpoints lock their
            # health rows in the same order (no deadlock on PostgreSQL).
            for endpoint_id in sorted(last_ok):
                ok = last_ok[endpoint_id]
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
            claimed = (
                await repository.claim_due(
                    session,
                    now=now,
                    limit=claim,
                    per_endpoint=self.settings.webhook_max_in_flight_per_endpoint,
                    lease_until=now + dt.timedelta(seconds=self.settings.webhook_lease_seconds),
                )
                if claim > 0
                else []
            )
            await session.commit()
        clock = time.monotonic()
        for row in settled:
            if row.status == DeliveryStatus.pending:
                due = clock + (row.next_attempt_at - now).total_seconds()
                heapq.heappush(self._retries, due)
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
        return claimed
