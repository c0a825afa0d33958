"""`python -m bench.webhooks`: webhook delivery throughput, lag and fault recovery (issue #13).

The integrations service in-process on a migrated database (SQLite, or PostgreSQL with
`CMDI_TEST_DATABASE=postgresql`), its real consumer reading a projects feed (the kit's
`FakeProjects`, so a burst of 10,000 committed events is instant to produce) and its real
delivery loop POSTing to a real receiver on 127.0.0.1 over TCP. Four scenarios, each bounded:

1. burst: N events at once → deliveries/s until the last arrives;
2. steady: 100 events/s for S seconds → p50/p99 lag, event commit → arrival at the receiver
   (target p99 < 2 s);
3. receiver down for 10 minutes of the Svix schedule compressed 100x (6 s), then back → lost
   events (must be 0) and whether every redelivery kept its `webhook-id`;
4. the delivery loop killed mid-delivery (its task cancelled with attempts in flight, nothing
   settled) and a fresh worker started → lost events (must be 0). The same with a real SIGKILL
   of the process is tests/e2e/test_webhooks_e2e.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import statistics
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from integrations_service.main import ALEMBIC_INI, create_app
from integrations_service.settings import SVIX_SCHEDULE_SECONDS, Settings
from integrations_service.webhooks.delivery import DeliveryWorker
from shared.db import new_id
from shared.testing import (
    FakeAssessment,
    FakeProjects,
    FakeStakeholders,
    TokenFactory,
    api_client,
    backend,
    serving,
    test_database,
)
from shared.testing.webhooks import WebhookReceiver
from shared.types import parse_utc_datetime

COMPRESSION = 100.0


@contextlib.asynccontextmanager
async def running(app: FastAPI, worker: DeliveryWorker) -> AsyncIterator[None]:
    """The consumers and the delivery loop as the app's lifespan runs them. The two feeds the
    bench never writes to are polled at the service's default pace (once a second): at
    `--consumer-poll` they would only burn the CPU the deliveries are measured on."""
    for producer, consumer in app.state.consumers.items():
        if producer != "projects":
            consumer.poll_seconds = Settings.model_fields["consumer_poll_seconds"].default
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in app.state.consumers.values()]
    tasks.append(asyncio.create_task(worker.run(stop)))
    try:
        yield
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def publish(projects: FakeProjects, n: int) -> str:
    entity = str(new_id())
    return projects.publish(
        "project.updated",
        {"entity": {"id": entity, "title": f"Project {n}"}, "changed": ["title"]},
        entity_type="project",
        entity_id=entity,
    )


def lags(receiver: WebhookReceiver) -> list[float]:
    out = []
    for got in receiver.received:
        payload = got.json()
        committed = parse_utc_datetime(payload["timestamp"]).timestamp()
        out.append(got.at - committed)
    return out


def arrived(receiver: WebhookReceiver) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for got in receiver.received:
        seen.setdefault(got.json()["data"]["id"], set()).add(got.webhook_id)
    return seen


async def wait_for(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return bool(predicate())


async def register(app: FastAPI, url: str) -> None:
    async with api_client(app, token=TokenFactory()("admin", sub="bench")) as api:
        response = await api.post("/v1/webhooks", json={"url": url, "event_types": ["project.*"]})
        response.raise_for_status()


@contextlib.asynccontextmanager
async def scenario(
    args: argparse.Namespace, *, lease_seconds: float = 60.0
) -> AsyncIterator[tuple[FastAPI, FakeProjects, Settings, WebhookReceiver, DeliveryWorker]]:
    """A fresh database, service, projects feed and receiver (with one endpoint) per scenario."""
    projects = FakeProjects()
    async with test_database("bench_webhooks", ALEMBIC_INI) as url:
        settings = Settings(
            database_url=url,
            log_json=False,
            log_level="WARNING",
            consumer_poll_seconds=args.consumer_poll,
            webhook_retry_schedule_seconds=[s / COMPRESSION for s in SVIX_SCHEDULE_SECONDS],
            webhook_lease_seconds=lease_seconds,
            webhook_timeout_seconds=5.0,
        )
        app = create_app(
            settings,
            transports={
                "projects": projects,
                "assessment": FakeAssessment(),
                "stakeholders": FakeStakeholders(),
            },
        )
        receiver = WebhookReceiver()
        worker = DeliveryWorker(app.state.database, settings)
        try:
            async with serving(receiver, lifespan="off") as receiver_url:
                await register(app, receiver_url)
                yield app, projects, settings, receiver, worker
        finally:
            await worker.aclose()
            await app.state.database.dispose()


async def burst(args: argparse.Namespace) -> str:
    async with scenario(args) as (app, projects, _, receiver, worker):
        for n in range(args.burst):
            publish(projects, n)
        started = time.perf_counter()
        async with running(app, worker):
            done = await wait_for(lambda: len(receiver.received) >= args.burst, args.limit)
        elapsed = time.perf_counter() - started
        got = len(arrived(receiver))
        return f"{args.burst} events: {got} delivered in {elapsed:.1f} s = " + (
            f"{got / elapsed:.0f} deliveries/s" + ("" if done else " (time limit reached)")
        )


async def steady(args: argparse.Namespace) -> str:
    async with scenario(args) as (app, projects, _, receiver, worker):
        total = int(args.rate * args.steady)
        async with running(app, worker):
            t0 = time.perf_counter()
            for n in range(total):
                publish(projects, n)
                await asyncio.sleep(max(0.0, t0 + (n + 1) / args.rate - time.perf_counter()))
            await wait_for(lambda: len(receiver.received) >= total, 60)
        values = sorted(lags(receiver))
        p50 = statistics.median(values)
        p99 = values[int(0.99 * (len(values) - 1))]
        return (
            f"{total} events at {args.rate:.0f}/s: {len(values)} delivered, lag p50 "
            f"{p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {values[-1] * 1000:.0f} ms "
            f"(target p99 < 2000 ms: {'met' if p99 < 2 else 'NOT met'})"
        )


async def down(args: argparse.Namespace) -> str:
    async with scenario(args) as (app, projects, _, receiver, worker):
        receiver.status = 503
        down_for = 600 / COMPRESSION
        sent = [publish(projects, n) for n in range(args.down_events)]
        async with running(app, worker):
            await asyncio.sleep(down_for)
            receiver.status = 200
            back, back_wall = time.perf_counter(), time.time()

            def all_back() -> bool:
                answered = {r.json()["data"]["id"] for r in receiver.received if r.at >= back_wall}
                return set(sent) <= answered

            ok = await wait_for(all_back, args.limit)
            recovered = time.perf_counter() - back
        seen = arrived(receiver)
        lost = [e for e in sent if e not in seen]
        same_id = all(len(ids) == 1 for ids in seen.values())
        return (
            f"{len(sent)} events while the receiver answered 503 for {down_for:.0f} s "
            f"(10 min / {COMPRESSION:.0f}): {len(receiver.received)} requests, lost "
            f"{len(lost)}, every redelivery with the same webhook-id: {same_id}; all in "
            f"{recovered:.1f} s after it came back" + ("" if ok else " (time limit reached)")
        )


async def kill(args: argparse.Namespace) -> str:
    # A short lease: the killed worker's deliveries are claimable again soon.
    async with scenario(args, lease_seconds=2.0) as (app, projects, settings, receiver, worker):
        receiver.delay = 0.5
        sent = [publish(projects, n) for n in range(args.kill_events)]
        stop = asyncio.Event()
        consumers = [asyncio.create_task(c.run(stop)) for c in app.state.consumers.values()]
        task = asyncio.create_task(worker.run(stop))
        await wait_for(lambda: len(receiver.received) >= 5, 10)
        in_flight = len(worker._tasks)
        task.cancel()
        for pending in list(worker._tasks):
            pending.cancel()  # as a SIGKILL would: nothing settles
        await asyncio.gather(task, *worker._tasks, return_exceptions=True)
        killed_at = time.perf_counter()
        receiver.delay = 0.0
        restarted = DeliveryWorker(app.state.database, settings)
        task = asyncio.create_task(restarted.run(stop))
        ok = await wait_for(lambda: set(sent) <= set(arrived(receiver)), args.limit)
        recovered = time.perf_counter() - killed_at
        stop.set()
        await asyncio.gather(task, *consumers, return_exceptions=True)
        await restarted.aclose()
        seen = arrived(receiver)
        lost = [e for e in sent if e not in seen]
        return (
            f"{len(sent)} events, worker killed with {in_flight} attempts in flight: lost "
            f"{len(lost)}, duplicates {len(receiver.received) - len(seen)} (same webhook-id: "
            f"{all(len(i) == 1 for i in seen.values())}), all delivered {recovered:.1f} s "
            f"after the kill (lease {settings.webhook_lease_seconds:.0f} s)"
            + ("" if ok else " (time limit reached)")
        )


SCENARIOS = {"burst": burst, "steady": steady, "down": down, "kill": kill}


async def bench(args: argparse.Namespace) -> dict[str, str]:
    results: dict[str, str] = {}
    for name, run in SCENARIOS.items():
        if args.only and name not in args.only:
            continue
        results[name] = await run(args)
        print(f"{name}: {results[name]}", file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--steady", type=float, default=20.0, help="seconds at --rate")
    parser.add_argument("--down-events", type=int, default=200)
    parser.add_argument("--kill-events", type=int, default=100)
    parser.add_argument("--limit", type=float, default=180.0, help="seconds per scenario at most")
    parser.add_argument(
        "--consumer-poll",
        type=float,
        default=0.05,
        help="seconds between feed polls (the service's default is 1.0; the delivery worker "
        "keeps its default poll, being woken when deliveries are queued)",
    )
    parser.add_argument(
        "--only", action="append", choices=list(SCENARIOS), help="run only these (repeatable)"
    )
    args = parser.parse_args(argv)
    started = dt.datetime.now(dt.UTC)
    results = asyncio.run(bench(args))
    print(f"## {started:%Y-%m-%d %H:%M} UTC, {backend()}")
    for name, line in results.items():
        print(f"- {name}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
