"""Webhooks end to end inside the service: endpoints registered through the API, events from
the (fake) upstream feeds fanned out by the real consumers, delivered by the real worker to a
real receiver on 127.0.0.1, whose signatures `standardwebhooks.Webhook.verify` accepts."""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from standardwebhooks import Webhook

from integrations_service.settings import Settings
from integrations_service.webhooks import repository, service
from integrations_service.webhooks.delivery import DNS_TTL_SECONDS, DeliveryWorker
from integrations_service.webhooks.ssrf import IPAddress, Resolver, UrlPolicy
from shared.testing import FakeProjects, assert_problem, backend, serving
from shared.testing.webhooks import Received, WebhookReceiver


@pytest.fixture(scope="module", autouse=True)
async def close_the_apps_worker(app: FastAPI) -> AsyncIterator[None]:
    """The session's app runs no lifespan: its worker's HTTP session is closed here."""
    yield
    await app.state.webhook_worker.aclose()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[WebhookReceiver, str]]:
    hook = WebhookReceiver()
    async with serving(hook, lifespan="off") as url:
        yield hook, url


async def register(
    admin: httpx.AsyncClient, url: str, types: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    response = await admin.post(
        "/v1/webhooks", json={"url": url, "event_types": types or ["project.*"], **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def publish(
    projects: FakeProjects, entity_id: str | None = None, type_: str = "project.updated"
) -> str:
    entity_id = entity_id or str(uuid.uuid4())
    return projects.publish(
        type_,
        {"entity": {"id": entity_id, "title": "A"}, "changed": ["title"]},
        entity_type="project",
        entity_id=entity_id,
    )


async def deliver(
    app: FastAPI, until: Callable[[], bool], *, worker: DeliveryWorker | None = None
) -> None:
    """Read the feeds, then run the worker until `until()` (retries wait their schedule)."""
    for consumer in app.state.consumers.values():
        await consumer.step()
    worker = worker or app.state.webhook_worker
    async with asyncio.timeout(10):
        while True:
            await worker.step()
            if until():
                return
            await asyncio.sleep(0.02)


async def deliveries(admin: httpx.AsyncClient, webhook_id: str) -> list[dict[str, Any]]:
    response = await admin.get(f"/v1/webhooks/{webhook_id}/deliveries")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# --- endpoints ---------------------------------------------------------------------------------


async def test_the_secret_is_shown_once(
    admin: httpx.AsyncClient, receiver: tuple[WebhookReceiver, str]
) -> None:
    created = await register(admin, receiver[1], description="Intranet sync")
    assert created["secret"].startswith("whsec_")
    assert created["enabled"] is True
    read = await admin.get(f"/v1/webhooks/{created['id']}")
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.headers["etag"]
    listed = (await admin.get("/v1/webhooks")).json()["items"]
    assert [w["id"] for w in listed] == [created["id"]]
    assert "whsec_" not in (await admin.get("/v1/webhooks")).text


async def test_only_admins_manage_webhooks(
    as_role: Callable[..., httpx.AsyncClient], receiver: tuple[WebhookReceiver, str]
) -> None:
    async with as_role("governance", "reporter", "service") as api:
        assert_problem(await api.get("/v1/webhooks"), 403)
        refused = await api.post("/v1/webhooks", json={"url": receiver[1], "event_types": ["*"]})
        assert_problem(refused, 403)
        # The role is checked before the record is looked up: an unknown id is a 403 too, so a
        # non-admin cannot learn which ids exist.
        unknown = uuid.uuid4()
        for path in (f"/v1/webhooks/{unknown}", f"/v1/webhooks/{unknown}/deliveries"):
            assert_problem(await api.get(path), 403)
        assert_problem(await api.post(f"/v1/webhooks/deliveries/{unknown}/redeliver"), 403)
        assert_problem(await api.get(f"/v1/clients/{unknown}"), 403)


@pytest.mark.parametrize(
    ("body", "slug", "secret_value"),
    [
        ({"url": "ftp://example.org/x"}, "invalid-webhook-url", "ftp://example.org"),
        ({"url": "http://user:pw@127.0.0.1/x"}, "invalid-webhook-url", "user:pw"),
        ({"url": "not a url"}, "invalid-webhook-url", "not a url"),
        ({"url": "http://10.1.2.3/hook"}, "webhook-address-refused", "10.1.2.3"),
        ({"url": "http://169.254.169.254/latest"}, "webhook-address-refused", "169.254"),
        ({"url": "http://[::ffff:192.168.0.1]/"}, "webhook-address-refused", "192.168"),
        ({"url": "http://localhost.invalid/"}, "webhook-address-refused", "localhost.invalid"),
        ({"event_types": ["project.exploded"]}, "unknown-event-type", "exploded"),
        ({"event_types": ["nosuchentity.*"]}, "unknown-event-type", "nosuchentity"),
        ({"description": "d" * 501}, "validation-error", "ddddd"),
        ({"event_types": []}, "validation-error", None),
    ],
)
async def test_bad_input_is_a_problem_stores_nothing_echoes_nothing(
    admin: httpx.AsyncClient,
    receiver: tuple[WebhookReceiver, str],
    body: dict[str, Any],
    slug: str,
    secret_value: str | None,
) -> None:
    payload = {"url": receiver[1], "event_types": ["project.*"], **body}
    response = await admin.post("/v1/webhooks", json=payload)
    assert_problem(response, 422, slug)
    if secret_value is not None:
        assert secret_value not in response.text
    assert (await admin.get("/v1/webhooks")).json()["items"] == []
    assert (await admin.get("/v1/audit")).json()["items"] == []


async def test_patch_validates_and_honours_if_match(
    admin: httpx.AsyncClient, receiver: tuple[WebhookReceiver, str]
) -> None:
    created = await register(admin, receiver[1])
    path = f"/v1/webhooks/{created['id']}"
    stale = await admin.patch(path, json={"description": "x"}, headers={"If-Match": '"99"'})
    assert_problem(stale, 412)
    bad = await admin.patch(path, json={"url": "http://192.168.1.1/"})
    assert_problem(bad, 422, "webhook-address-refused")
    etag = (await admin.get(path)).headers["etag"]
    patched = await admin.patch(
        path, json={"event_types": ["*"], "enabled": False}, headers={"If-Match": etag}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["event_types"] == ["*"]
    assert patched.json()["enabled"] is False
    assert (await admin.delete(path)).status_code == 204
    assert_problem(await admin.get(path), 404, "webhook-not-found")


async def test_secrets_never_reach_the_audit_trail_or_the_feed(
    admin: httpx.AsyncClient, receiver: tuple[WebhookReceiver, str]
) -> None:
    created = await register(admin, receiver[1])
    rotated = await admin.post(f"/v1/webhooks/{created['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    audit = await admin.get("/v1/audit")
    actions = [e["action"] for e in audit.json()["items"]]
    assert set(actions) == {"created", "secret_rotated"}
    events = await admin.get("/v1/events")
    assert {e["type"] for e in events.json()["items"]} == {
        "webhook_endpoint.created",
        "webhook_endpoint.secret_rotated",
    }
    for text in (audit.text, events.text):
        assert "whsec_" not in text
        assert created["secret"] not in text
        assert rotated.json()["secret"] not in text


# --- delivery ----------------------------------------------------------------------------------


async def test_a_feed_event_is_delivered_signed_as_the_feed_publishes_it(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hook, url = receiver
    created = await register(admin, f"{url}/hooks/cmdi")
    other = await register(admin, url, ["assessment.*"])
    event_id = publish(projects)
    await deliver(app, lambda: len(hook.received) >= 1)
    [got] = hook.received
    assert got.path == "/hooks/cmdi"
    payload = Webhook(created["secret"]).verify(got.body, got.headers)
    feed_event = projects.events[0]
    assert payload == {
        "type": "project.updated",
        "timestamp": feed_event["occurred_at"],
        "data": feed_event,
    }
    assert payload["data"]["id"] == event_id
    assert got.headers["webhook-id"].startswith("msg_")
    assert int(got.headers["webhook-timestamp"]) > 0
    [log] = await deliveries(admin, created["id"])
    assert log["status"] == "succeeded"
    assert log["message_id"] == got.headers["webhook-id"]
    assert log["attempts"][0]["status_code"] == 200
    assert log["attempts"][0]["response_body"] == "ok"
    assert await deliveries(admin, other["id"]) == []


async def test_failures_are_retried_with_the_same_webhook_id(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hook, url = receiver
    created = await register(admin, url)
    hook.answers.extend([500, 503])
    publish(projects)
    await deliver(app, lambda: len(hook.received) >= 3)
    assert len(set(hook.ids())) == 1
    for got in hook.received:
        Webhook(created["secret"]).verify(got.body, got.headers)
    [log] = await deliveries(admin, created["id"])
    assert log["status"] == "succeeded"
    assert [a["status_code"] for a in log["attempts"]] == [500, 503, 200]
    assert [a["outcome"] for a in log["attempts"]] == ["http_error", "http_error", "succeeded"]


async def test_the_schedule_ends_in_failure(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
    settings_with: Callable[..., Settings],
) -> None:
    hook, url = receiver
    hook.status = 500
    created = await register(admin, url)
    publish(projects)
    worker = DeliveryWorker(app.state.database, settings_with())
    try:
        await deliver(app, lambda: len(hook.received) >= 4, worker=worker)
        await asyncio.sleep(0.3)
        await worker.step()
    finally:
        await worker.aclose()
    assert len(hook.received) == 4  # the compressed schedule has four attempts
    [log] = await deliveries(admin, created["id"])
    assert log["status"] == "failed"
    assert log["next_attempt_at"] is None


async def test_a_redirect_is_a_failure_and_never_followed(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hook, url = receiver
    created = await register(admin, f"{url}/in")
    hook.answers.append((307, {"location": f"{url}/elsewhere"}))
    publish(projects)
    await deliver(app, lambda: len(hook.received) >= 2)
    assert [r.path for r in hook.received] == ["/in", "/in"]
    [log] = await deliveries(admin, created["id"])
    assert [a["status_code"] for a in log["attempts"]] == [307, 200]


async def test_410_gone_disables_the_endpoint_and_publishes_it(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hook, url = receiver
    created = await register(admin, url)
    hook.answers.append(410)
    publish(projects)
    await deliver(app, lambda: len(hook.received) >= 1)
    endpoint = (await admin.get(f"/v1/webhooks/{created['id']}")).json()
    assert endpoint["enabled"] is False
    assert "410" in endpoint["disabled_reason"]
    types = [e["type"] for e in (await admin.get("/v1/events")).json()["items"]]
    assert "webhook_endpoint.disabled" in types
    publish(projects)
    await deliver(app, lambda: True)
    await app.state.webhook_worker.drain()
    assert len(hook.received) == 1  # nothing more goes to a disabled endpoint
    assert_problem(await admin.post(f"/v1/webhooks/{created['id']}/test"), 409, "webhook-disabled")


async def test_an_endpoint_failing_too_long_is_disabled(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
    settings_with: Callable[..., Settings],
) -> None:
    hook, url = receiver
    hook.status = 500
    created = await register(admin, url)
    worker = DeliveryWorker(app.state.database, settings_with(webhook_disable_after_seconds=0.1))
    try:
        publish(projects)
        await deliver(app, lambda: len(hook.received) >= 2, worker=worker)
        await asyncio.sleep(0.15)
        # The next failure, more than the allowed period after the first, disables it (on a
        # slow machine the second attempt may already have).
        publish(projects)
        await deliver(app, lambda: True, worker=worker)
    finally:
        await worker.aclose()
    endpoint = (await admin.get(f"/v1/webhooks/{created['id']}")).json()
    assert endpoint["enabled"] is False
    disabled = [
        e
        for e in (await admin.get("/v1/events")).json()["items"]
        if e["type"] == "webhook_endpoint.disabled"
    ]
    assert len(disabled) == 1
    assert "whsec_" not in str(disabled)


async def test_an_entitys_events_arrive_in_order(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hook, url = receiver
    await register(admin, url)
    entity = str(uuid.uuid4())
    first = publish(projects, entity, "project.created")
    failures = iter([500, 500])  # the entity's first event fails twice

    def fail_first(got: Received) -> int | None:
        return next(failures, None) if got.json()["data"]["id"] == first else None

    hook.rule = fail_first
    second = publish(projects, entity, "project.updated")
    other = publish(projects)
    await deliver(app, lambda: len(hook.received) >= 5)
    order = [r.json()["data"]["id"] for r in hook.received]
    # The other entity is not held up; this entity's second event waits for its first.
    assert order.index(other) < 3
    own = [event for event in order if event != other]
    assert own == [first, first, first, second]


async def test_after_a_rotation_both_secrets_sign_for_the_overlap(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hook, url = receiver
    created = await register(admin, url)
    rotated = (await admin.post(f"/v1/webhooks/{created['id']}/rotate-secret")).json()
    assert rotated["previous_secret_expires_at"] is not None
    publish(projects)
    await deliver(app, lambda: len(hook.received) >= 1)
    [got] = hook.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(created["secret"]).verify(got.body, got.headers)
    Webhook(rotated["secret"]).verify(got.body, got.headers)


async def test_the_address_is_checked_again_at_delivery(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
    settings_with: Callable[..., Settings],
) -> None:
    """Registered while 127.0.0.1 was allowed; by delivery time it is not (as if the name now
    resolved to a private address): refused, nothing sent."""
    hook, url = receiver
    created = await register(admin, url)
    publish(projects)
    worker = DeliveryWorker(app.state.database, settings_with(webhook_allowed_networks=[]))
    assert worker.policy == UrlPolicy(require_https=False, allowed_networks=())
    try:
        for consumer in app.state.consumers.values():
            await consumer.step()
        assert await worker.step() == 1
    finally:
        await worker.aclose()
    assert hook.received == []
    [log] = await deliveries(admin, created["id"])
    assert log["attempts"][0]["outcome"] == "refused"
    assert log["status"] == "pending"


async def test_test_redeliver_and_the_response_cap(
    app: FastAPI, admin: httpx.AsyncClient, receiver: tuple[WebhookReceiver, str]
) -> None:
    hook, url = receiver
    hook.body = b"x" * 5000
    created = await register(admin, url)
    queued = await admin.post(f"/v1/webhooks/{created['id']}/test")
    assert queued.status_code == 202, queued.text
    await deliver(app, lambda: len(hook.received) >= 1)
    payload = Webhook(created["secret"]).verify(hook.received[0].body, hook.received[0].headers)
    assert payload["type"] == "webhook.test"
    delivery_id = queued.json()["id"]
    again = await admin.post(f"/v1/webhooks/deliveries/{delivery_id}/redeliver")
    assert again.status_code == 202, again.text
    await deliver(app, lambda: len(hook.received) >= 2)
    assert hook.received[0].webhook_id == hook.received[1].webhook_id
    [log] = await deliveries(admin, created["id"])
    assert len(log["attempts"]) == 2
    assert all(len(a["response_body"]) == 1024 for a in log["attempts"])
    missing = await admin.post(f"/v1/webhooks/deliveries/{uuid.uuid4()}/redeliver")
    assert_problem(missing, 404, "webhook-delivery-not-found")


@pytest.mark.skipif(backend() != "postgresql", reason="several workers need PostgreSQL")
async def test_two_workers_never_send_the_same_attempt_twice(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
    settings_with: Callable[..., Settings],
) -> None:
    hook, url = receiver
    hook.delay = 0.01
    for _ in range(3):
        await register(admin, url)
    for _ in range(40):
        publish(projects)
    for consumer in app.state.consumers.values():
        await consumer.step()
    settings = settings_with(webhook_batch_size=7, webhook_max_in_flight_per_endpoint=50)
    workers = [DeliveryWorker(app.state.database, settings) for _ in range(2)]
    try:
        async with asyncio.timeout(30):
            while len(hook.received) < 120:
                await asyncio.gather(*(w.step() for w in workers))
    finally:
        for worker in workers:
            await worker.aclose()
    ids = hook.ids()
    assert len(ids) == 120
    assert len(set(ids)) == 120


async def test_a_new_endpoint_gets_what_happens_from_then_on_not_the_history(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    hook, url = receiver
    publish(projects)  # before the endpoint exists, not yet read by the consumer
    await asyncio.sleep(0.01)
    await register(admin, url)
    later = publish(projects)
    await deliver(app, lambda: len(hook.received) >= 1)
    await app.state.webhook_worker.drain()
    assert [r.json()["data"]["id"] for r in hook.received] == [later]


# --- the delivery loop -------------------------------------------------------------------------


class Concurrency:
    """Wraps a receiver: how many requests it is answering at once, at most."""

    def __init__(self, inner: WebhookReceiver) -> None:
        self.inner, self.now, self.peak = inner, 0, 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            await self.inner(scope, receive, send)
        finally:
            self.now -= 1


async def test_the_loop_keeps_the_per_endpoint_limit_and_is_woken_by_the_fan_out(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    settings_with: Callable[..., Settings],
) -> None:
    """Ten events of ten entities, claimable at once: never more than the endpoint's limit of
    three in flight, yet three at a time (a claimed batch is sent concurrently). The worker's
    poll is an hour: only the fan-out's commit can have woken it."""
    hook = WebhookReceiver(delay=0.1)
    counted = Concurrency(hook)
    async with serving(counted, lifespan="off") as url:
        await register(admin, url)
        worker = DeliveryWorker(
            app.state.database,
            settings_with(webhook_max_in_flight_per_endpoint=3, webhook_poll_seconds=3600),
        )
        stop = asyncio.Event()
        loop = asyncio.create_task(worker.run(stop))
        try:
            await asyncio.sleep(0.05)  # the loop's first round has found nothing and sleeps
            sent = {publish(projects) for _ in range(10)}
            for consumer in app.state.consumers.values():
                await consumer.step()
            async with asyncio.timeout(20):
                await hook.wait_for(10)
        finally:
            stop.set()
            await asyncio.wait_for(loop, 5)
            await worker.aclose()
    assert {r.json()["data"]["id"] for r in hook.received} == sent
    assert counted.peak == 3


async def test_a_failed_claim_still_settles_what_finished(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The round's claim fails after its attempts finished: they are recorded in a round of
    their own, not left to be sent again when their leases end."""
    url = receiver[1]
    created = await register(admin, url)
    publish(projects)
    for consumer in app.state.consumers.values():
        await consumer.step()
    worker: DeliveryWorker = app.state.webhook_worker
    [claimed] = await worker.exchange((), 10)
    attempted = await worker.attempt(claimed)

    async def broken(*_: object, **__: object) -> list[object]:
        raise RuntimeError("the claim failed")

    monkeypatch.setattr(repository, "claim_due", broken)
    assert await worker.exchange([attempted], 10) == []
    [log] = await deliveries(admin, created["id"])
    assert log["status"] == "succeeded"
    assert [a["status_code"] for a in log["attempts"]] == [200]


async def test_a_rebound_name_is_refused_once_looked_up_again(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    """`localhost` is checked at registration by the real resolver. At delivery the worker's
    resolver (a fake DNS: the outside world) first answers 127.0.0.1, then a private address:
    until the cached answer expires the delivery still goes to the address that was checked,
    never to the new one; after it, the name is refused."""
    hook, url = receiver
    port = int(url.rsplit(":", 1)[1])
    created = await register(admin, f"http://localhost:{port}/hook")
    answers = {"localhost": [ipaddress.ip_address("127.0.0.1")]}
    looked_up: list[str] = []

    async def dns(host: str, _: int) -> list[IPAddress]:
        looked_up.append(host)
        return answers[host]

    clock = [0.0]
    worker: DeliveryWorker = app.state.webhook_worker
    worker.resolver = Resolver(10.0, lookup=dns, timer=lambda: clock[0])
    try:
        publish(projects)
        await deliver(app, lambda: len(hook.received) >= 1)
        answers["localhost"] = [ipaddress.ip_address("10.1.2.3")]  # rebound
        publish(projects)
        await deliver(app, lambda: len(hook.received) >= 2)
        assert looked_up == ["localhost"]  # the second went to the checked 127.0.0.1
        clock[0] = 11.0
        publish(projects)
        for consumer in app.state.consumers.values():
            await consumer.step()
        assert await worker.step() == 1
    finally:
        worker.resolver = Resolver(DNS_TTL_SECONDS)
    assert looked_up == ["localhost", "localhost"]
    assert len(hook.received) == 2
    assert all(r.headers["host"] == f"localhost:{port}" for r in hook.received)
    logs = await deliveries(admin, created["id"])
    assert logs[0]["attempts"][0]["outcome"] == "refused"
    assert [d["status"] for d in logs[1:]] == ["succeeded", "succeeded"]


async def test_a_pages_fan_out_is_written_on_commit_and_forgotten_on_rollback(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    """The fan-out reads the endpoints once per transaction and inserts its deliveries as the
    transaction commits: a rolled-back page leaves none behind, not even for the next
    transaction of the same session, and a new transaction sees a newly registered endpoint."""
    first = await register(admin, receiver[1])
    rolled_back, kept = publish(projects), publish(projects)
    events = {e["id"]: e for e in projects.events}
    async with app.state.database.sessionmaker() as session:
        outcome = await service.fan_out(session, producer="projects", event=events[rolled_back])
        assert outcome == "1 deliveries"
        await session.rollback()
        second = await register(admin, receiver[1])
        # The second endpoint was registered after the event happened: not for it.
        outcome = await service.fan_out(session, producer="projects", event=events[kept])
        assert outcome == "1 deliveries"
        await session.commit()
    assert [d["event_id"] for d in await deliveries(admin, first["id"])] == [kept]
    later = publish(projects)
    async with app.state.database.sessionmaker() as session:
        outcome = await service.fan_out(session, producer="projects", event=projects.events[-1])
        assert outcome == "2 deliveries"
        await session.commit()
    assert [d["event_id"] for d in await deliveries(admin, second["id"])] == [later]


async def test_the_backlog_gauges_show_what_is_due_and_waiting(
    app: FastAPI,
    admin: httpx.AsyncClient,
    projects: FakeProjects,
    receiver: tuple[WebhookReceiver, str],
) -> None:
    """The first-attempt lag only moves when attempts happen: a worker that makes none must
    still show, as deliveries due and how long the oldest has waited."""
    hook, url = receiver
    await register(admin, url)
    for _ in range(3):
        publish(projects)
    for consumer in app.state.consumers.values():
        await consumer.step()
    worker: DeliveryWorker = app.state.webhook_worker
    await asyncio.sleep(0.05)
    await worker.report_backlog(force=True)
    assert REGISTRY.get_sample_value("cmdi_webhook_deliveries_due") == 3
    waited = REGISTRY.get_sample_value("cmdi_webhook_oldest_due_seconds")
    assert waited is not None and 0.05 <= waited < 10
    await deliver(app, lambda: len(hook.received) >= 3)
    await worker.report_backlog()  # within the interval: not read again
    assert REGISTRY.get_sample_value("cmdi_webhook_deliveries_due") == 3
    await worker.report_backlog(force=True)
    assert REGISTRY.get_sample_value("cmdi_webhook_deliveries_due") == 0
    assert REGISTRY.get_sample_value("cmdi_webhook_oldest_due_seconds") == 0
