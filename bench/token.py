"""`python -m bench.token`: the token endpoint under 1,000 wrong secrets (issue #13).

1. Constant time. The integrations app in process (ASGI, a migrated SQLite or PostgreSQL
   database), 1,000 token requests per scenario, interleaved at random so drift hits all alike:
   a known client with a wrong secret, a known client with its secret changed in the last
   character only (a naive `==` would take longest there), an unknown client id (compared against
   the dummy digest), and for reference the right secret. Reported: median and p5/p95 latency
   per scenario and the gap between the refusals' medians. Then the comparison alone
   (`sha256` + `hmac.compare_digest`) for a mismatch in the first and in the last character.
2. Rate limited. The platform as `make run` starts it (`scripts.processes.Stack`, throwaway
   databases), 1,000 wrong secrets in a row through the gateway from one address: how many
   are refused by the service (401) before the gateway's `oauth` limit answers 429, and its
   `Retry-After`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import random
import statistics
import sys
import time
import uuid
from contextlib import AsyncExitStack
from typing import Any

import httpx

from integrations_service.main import ALEMBIC_INI, create_app
from integrations_service.settings import Settings
from scripts.processes import Stack, allocate_ports
from scripts.services import SERVICES
from shared.testing import TokenFactory, test_database

TOKEN = "/v1/oauth/token"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {**FORM, "Authorization": f"Basic {raw}"}


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p5_ms": round(ordered[len(ordered) // 20] * 1000, 3),
        "p95_ms": round(ordered[len(ordered) * 19 // 20] * 1000, 3),
    }


async def constant_time(requests: int) -> dict[str, Any]:
    async with test_database("bench_token", ALEMBIC_INI) as url:
        app = create_app(
            Settings(
                database_url=url,
                consumer_enabled=False,
                webhook_worker_enabled=False,
                oauth_signing_key_file=None,
                log_level="WARNING",
            )
        )
        admin = TokenFactory()("admin", sub="bench-admin")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as api:
            created = await api.post(
                "/v1/clients",
                json={"name": "bench", "roles": ["reporter"]},
                headers={"Authorization": f"Bearer {admin}"},
            )
            created.raise_for_status()
            client_id, secret = created.json()["client_id"], created.json()["client_secret"]
            last = "A" if secret[-1] != "A" else "B"
            scenarios = {
                "wrong secret": (client_id, "cmdi_cs_" + "x" * 43),
                "last character wrong": (client_id, secret[:-1] + last),
                "unknown client": (str(uuid.uuid4()), secret),
                "right secret (reference)": (client_id, secret),
            }
            order = [name for name in scenarios for _ in range(requests)]
            random.shuffle(order)
            for name in scenarios:  # warm up every path
                await api.post(
                    TOKEN,
                    data={"grant_type": "client_credentials"},
                    headers=_basic(*scenarios[name]),
                )
            samples: dict[str, list[float]] = {name: [] for name in scenarios}
            statuses: dict[str, set[int]] = {name: set() for name in scenarios}
            for name in order:
                started = time.perf_counter()
                response = await api.post(
                    TOKEN,
                    data={"grant_type": "client_credentials"},
                    headers=_basic(*scenarios[name]),
                )
                samples[name].append(time.perf_counter() - started)
                statuses[name].add(response.status_code)
        await app.state.database.dispose()
    result: dict[str, Any] = {
        name: {**_summary(values), "statuses": sorted(statuses[name])}
        for name, values in samples.items()
    }
    refusals = [result[name]["median_ms"] for name in scenarios if "reference" not in name]
    result["refusal_median_gap_ms"] = round(max(refusals) - min(refusals), 3)
    result["compare_only"] = compare_only(secret)
    return result


def compare_only(secret: str, rounds: int = 50_000, repeats: int = 7) -> dict[str, float]:
    """ns per check (digest of the candidate, then compare_digest with the stored digest): the
    best of `repeats` alternating runs, so warm-up and the neighbours' load hit both alike."""
    stored = hashlib.sha256(secret.encode()).hexdigest()
    first = ("Z" if secret[0] != "Z" else "Y") + secret[1:]
    last = secret[:-1] + ("Z" if secret[-1] != "Z" else "Y")
    best: dict[str, float] = {}
    for _ in range(repeats):
        for label, candidate in (("first character wrong", first), ("last character wrong", last)):
            started = time.perf_counter_ns()
            for _ in range(rounds):
                hmac.compare_digest(hashlib.sha256(candidate.encode()).hexdigest(), stored)
            took = (time.perf_counter_ns() - started) / rounds
            best[label + " ns"] = round(min(best.get(label + " ns", took), took), 1)
    return best


async def rate_limited(requests: int) -> dict[str, Any]:
    async with AsyncExitStack() as exit_stack:
        urls = {
            service.name: await exit_stack.enter_async_context(
                test_database(f"bench_token_{service.name}", service.alembic_ini)
            )
            for service in SERVICES
        }
        stack = Stack(ports=allocate_ports(), database_urls=urls)
        try:
            stack.start()
            await asyncio.to_thread(stack.wait_ready, 60.0)
            admin = TokenFactory().headers("admin", sub="bench-admin")
            async with httpx.AsyncClient(
                base_url=f"{stack.gateway_url}/api", timeout=30.0, trust_env=False
            ) as api:
                created = await api.post(
                    "/v1/clients", json={"name": "bench", "roles": ["viewer"]}, headers=admin
                )
                created.raise_for_status()
                client_id = created.json()["client_id"]
                counts: dict[int, int] = {}
                first_429: int | None = None
                retry_after: str | None = None
                policy = None
                started = time.perf_counter()
                for attempt in range(requests):
                    response = await api.post(
                        TOKEN,
                        data={"grant_type": "client_credentials"},
                        headers=_basic(client_id, f"cmdi_cs_wrong{attempt}"),
                    )
                    counts[response.status_code] = counts.get(response.status_code, 0) + 1
                    policy = policy or response.headers.get("ratelimit-policy")
                    if response.status_code == 429 and first_429 is None:
                        first_429 = attempt + 1
                        retry_after = response.headers.get("retry-after")
                elapsed = time.perf_counter() - started
        finally:
            await asyncio.to_thread(stack.stop, 10.0)
    return {
        "statuses": {str(k): v for k, v in sorted(counts.items())},
        "first_429_at_request": first_429,
        "retry_after_s": retry_after,
        "ratelimit_policy": policy,
        "seconds": round(elapsed, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.token",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--skip-gateway", action="store_true")
    args = parser.parse_args(argv)
    report = {"constant_time": asyncio.run(constant_time(args.requests))}
    if not args.skip_gateway:
        report["rate_limited"] = asyncio.run(rate_limited(args.requests))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
