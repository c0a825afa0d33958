"""The reports' pages in a real headless browser (issue #11: seeing, not only reading).

The reporting app is served on 127.0.0.1 (uvicorn, in the test's loop) with its upstreams
played by the suite's fakes, filled with a demo-like portfolio; Debian's Chromium loads each
report's page with the caller's token, and the test checks that the page loaded (its one h1),
that each chart is there, drawn (a box with an area, marks inside) and named for assistive
technology, and that the console stayed clean (no error, no exception, no CSP violation). Each
page's screenshot, and the portfolio printed to PDF (A4, from the page's `@page` rule), are
kept under `var/test-artifacts/`. With `CMDI_UPDATE_DOCS_SCREENSHOT=1` the portfolio's
screenshot is also written to `docs/img/portfolio.png`, the README's picture.

The browser is driven over the DevTools protocol with aiohttp's WebSocket client (a dependency
already), so no driver library or chromedriver is needed. The set-up installs `chromium` with
apt-get when it is missing and we may (root, apt present); otherwise the test is skipped, saying
why. Everything is bounded: the install, the browser's start, each page, the whole test.

Run alone: `pytest -m browser services/reporting/tests`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from fastapi import FastAPI

from services.reporting.tests.upstreams import Upstreams
from shared.testing import TokenFactory
from shared.testing.reads import merge
from shared.testing.servers import serving

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "var" / "test-artifacts"
DOCS_SCREENSHOT = ROOT / "docs" / "img" / "portfolio.png"
INSTALL_SECONDS = 600
START_SECONDS = 30
PAGE_SECONDS = 30
TEST_SECONDS = 120
WIDTH, HEIGHT = 900, 1300


# --- the browser -------------------------------------------------------------------------------


def _install() -> str | None:
    """Install Debian's chromium; None when it is there, else why it could not be."""
    if shutil.which("apt-get") is None:
        return "there is no apt-get on this machine"
    if os.geteuid() != 0:
        return "installing it needs root"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    for commands in ([install], [["apt-get", "update"], install]):
        try:
            done = [
                subprocess.run(
                    c, env=env, capture_output=True, timeout=INSTALL_SECONDS, check=False
                )
                for c in commands
            ]
        except subprocess.TimeoutExpired:
            return f"apt-get did not finish in {INSTALL_SECONDS} s"
        if all(run.returncode == 0 for run in done) and _chromium() is not None:
            return None
    return "apt-get could not install it: " + done[-1].stderr.decode(errors="replace")[-300:]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium() -> str:
    found = _chromium()
    if found is None:
        why = _install()
        found = _chromium()
        if found is None:
            pytest.skip(f"the browser test needs Debian's chromium, and {why}")
    return found


class Tab:
    """One page of the browser over the DevTools protocol: commands, and the events kept."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, session_id: str) -> None:
        self.ws = ws
        self.session_id = session_id
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.loaded = asyncio.Event()

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        ident = next(self.ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[ident] = future
        message = {"id": ident, "method": method, "params": params or {}}
        await self.ws.send_json({**message, "sessionId": self.session_id})
        async with asyncio.timeout(PAGE_SECONDS):
            answer = await future
        if "error" in answer:
            raise AssertionError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    def receive(self, message: dict[str, Any]) -> None:
        if "id" in message and message["id"] in self.waiting:
            self.waiting.pop(message["id"]).set_result(message)
        elif "method" in message:
            self.events.append(message)
            if message["method"] == "Page.loadEventFired":
                self.loaded.set()

    def problems(self) -> list[str]:
        """What a console would show as errors: console.error, exceptions, logged errors (a
        refused resource, a CSP violation)."""
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params.get("exceptionDetails", {}))[:300])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(json.dumps(params.get("args", []))[:300])
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", "")[:300])
        return found

    async def open(self, url: str) -> None:
        self.loaded.clear()
        await self.send("Page.navigate", {"url": url})
        async with asyncio.timeout(PAGE_SECONDS):
            await self.loaded.wait()

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}
        )
        return result["result"].get("value")

    async def screenshot(self, path: Path, height: int | None = None) -> None:
        metrics = await self.send("Page.getLayoutMetrics")
        size = metrics["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "scale": 1}
        clip["height"] = min(size["height"], height) if height else size["height"]
        shot = await self.send(
            "Page.captureScreenshot",
            {"format": "png", "clip": clip, "captureBeyondViewport": True},
        )
        await asyncio.to_thread(_write, path, base64.b64decode(shot["data"]))

    async def pdf(self, path: Path) -> bytes:
        printed = await self.send(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
        )
        data = base64.b64decode(printed["data"])
        await asyncio.to_thread(_write, path, data)
        return data


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@contextlib.asynccontextmanager
async def browser(executable: str, token: str) -> AsyncIterator[Tab]:
    """Headless Chromium with one tab sending `token` on every request; stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="cmdi-chromium-") as profile:
        process = await asyncio.create_subprocess_exec(
            executable,
            "--headless=new",
            "--no-sandbox",  # root in a container: the sandbox needs user namespaces
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--hide-scrollbars",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            f"--window-size={WIDTH},{HEIGHT}",
            "about:blank",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stderr is not None
        try:
            async with asyncio.timeout(START_SECONDS):
                while True:
                    line = (await process.stderr.readline()).decode(errors="replace")
                    if not line:
                        raise AssertionError("chromium stopped before it listened")
                    if found := re.search(r"DevTools listening on (ws://\S+)", line):
                        endpoint = found.group(1)
                        break
            # Keep reading its stderr so that it never blocks on a full pipe.
            drain = asyncio.create_task(process.stderr.read())
            async with aiohttp.ClientSession() as http, http.ws_connect(endpoint) as ws:
                tab = await _attach(ws)
                reader = asyncio.create_task(_read(ws, tab))
                try:
                    for domain in ("Page", "Runtime", "Log", "Network"):
                        await tab.send(f"{domain}.enable")
                    await tab.send(
                        "Network.setExtraHTTPHeaders",
                        {"headers": {"Authorization": f"Bearer {token}"}},
                    )
                    await tab.send(
                        "Emulation.setDeviceMetricsOverride",
                        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
                    )
                    yield tab
                finally:
                    reader.cancel()
            drain.cancel()
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    async with asyncio.timeout(5):
                        await process.wait()
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def _attach(ws: aiohttp.ClientWebSocketResponse) -> Tab:
    """A new tab, attached in flat mode (its messages carry our session id)."""

    async def call(ident: int, method: str, params: dict[str, Any]) -> dict[str, Any]:
        await ws.send_json({"id": ident, "method": method, "params": params})
        async with asyncio.timeout(PAGE_SECONDS):
            while True:
                message = await ws.receive_json()
                if message.get("id") == ident:
                    result: dict[str, Any] = message["result"]
                    return result

    target = await call(1, "Target.createTarget", {"url": "about:blank"})
    attached = await call(
        2, "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
    )
    return Tab(ws, attached["sessionId"])


async def _read(ws: aiohttp.ClientWebSocketResponse, tab: Tab) -> None:
    async for message in ws:
        if message.type == aiohttp.WSMsgType.TEXT:
            data = json.loads(message.data)
            if data.get("sessionId") == tab.session_id:
                tab.receive(data)


# What the browser shows of a page: its headings and each chart as drawn.
INSPECT = """JSON.stringify({
  h1: [...document.querySelectorAll('h1')].map(e => e.textContent.trim()),
  scripts: document.scripts.length,
  charts: [...document.querySelectorAll('svg[data-chart]')].map(svg => {
    const box = svg.getBoundingClientRect();
    const named = (svg.getAttribute('aria-labelledby') || '').split(' ')
      .map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    return {
      chart: svg.dataset.chart, role: svg.getAttribute('role'), named: named,
      width: box.width, height: box.height, empty: !!svg.closest('figure.chart-empty'),
      marks: svg.querySelectorAll('.bar, .point, .cell, .range, .series').length,
    };
  }),
})"""


# --- a demo-like platform ----------------------------------------------------------------------


def _fill(upstreams: Upstreams) -> tuple[str, str]:
    """A portfolio with something in every chart; the project and decision the packs show."""
    stages = [
        ("idea", 6),
        ("scoping", 5),
        ("design", 4),
        ("pilot", 7),
        ("evaluation", 3),
        ("scaling", 3),
        ("embedding", 2),
        ("sustained", 1),
        ("stopped", 1),
    ]
    funnel = [
        ("g0_triage", 31, 29, 25, 4),
        ("g1_scoping", 22, 20, 17, 3),
        ("g2_pilot_approval", 16, 14, 11, 3),
        ("g3_post_pilot_review", 9, 8, 6, 2),
        ("g4_scale_or_adopt", 6, 5, 4, 1),
    ]
    days = [
        ("idea", 25, 21, 44),
        ("scoping", 20, 35, 61),
        ("design", 16, 48, 90),
        ("pilot", 9, 120, 182),
        ("evaluation", 6, 64, 97),
        ("scaling", 3, 150, 210),
    ]
    upstreams.aggregates(
        projects={
            "projects": 32,
            "by_stage": [{"key": key, "count": count} for key, count in stages],
            "by_pillar": [
                {"key": "project_innovation", "count": 27},
                {"key": "innovation_governance", "count": 5},
            ],
            "by_directorate": [
                {"key": "Medicine", "count": 14},
                {"key": "Surgery", "count": 9},
                {"key": "Community & Primary Care", "count": 9},
            ],
            "by_innovation_type": [
                {"key": "digital_technology", "count": 13},
                {"key": "service_or_pathway_redesign", "count": 11},
                {"key": "workforce_or_role", "count": 8},
            ],
            "gate_funnel": [
                {
                    "gate": gate,
                    "entered": entered,
                    "decided": decided,
                    "proceeded": proceeded,
                    "stopped": stopped,
                    "conversion": round(proceeded / decided, 4),
                }
                for gate, entered, decided, proceeded, stopped in funnel
            ],
            "days_in_stage": [
                {
                    "stage": stage,
                    "stays": stays,
                    "median_days": median,
                    "p90_days": p90,
                    "ongoing": dict(stages).get(stage, 0),
                }
                for stage, stays, median, p90 in days
            ],
            "core20plus5": [
                {"key": "hypertension", "count": 4},
                {"key": "chronic_respiratory_disease", "count": 3},
            ],
            "net_zero": {
                "projects": 32,
                "relevant": 9,
                "share": 0.2813,
                "tco2e_estimate": 148.5,
                "tco2e_benefits": 5,
            },
        },
        governance={
            "projects_decided": 29,
            "latest_outcome": [
                {"outcome": "proceed", "projects": 17},
                {"outcome": "proceed_with_conditions", "projects": 6},
                {"outcome": "adapt", "projects": 3},
                {"outcome": "stop", "projects": 3},
            ],
            "decisions_in_period": 14,
            "against_recommendation": 3,
            "override_rate": 0.2143,
            "conditions": {"open": 7, "past_due": 2},
            "evaluations": {"active": 2, "pivots": 1, "pivots_implemented": 1},
        },
    )
    project_id = upstreams.add_project(
        stages=[
            {"occurred_at": "2026-01-10T09:00:00Z", "from_stage": "idea", "to_stage": "scoping"},
            {"occurred_at": "2026-02-10T09:00:00Z", "from_stage": "scoping", "to_stage": "design"},
        ],
        team=[{"subject": "lead-1", "display_name": "Dr A. Lead"}],
    )
    decision_id = upstreams.add_decision(project_id, decided_at="2026-03-10T15:00:00Z")
    _assessment(upstreams, decision_id)
    _engagement(upstreams, project_id)
    _attainment(upstreams, project_id)
    return project_id, decision_id


def _assessment(upstreams: Upstreams, decision_id: str) -> None:
    a = upstreams.assessment
    template = "/v1/aggregates/decisions/{decision_id}/evidence"
    summary = next(d for d in upstreams.decisions if d["id"] == decision_id)
    decision = {
        key: summary[key]
        for key in (
            "id",
            "project_id",
            "assessment_id",
            "gate",
            "outcome",
            "computed_recommendation",
            "forum",
            "meeting_date",
            "decided_at",
        )
    }
    domains = [
        ("need", "Need", 0.75),
        ("value", "Value", 0.5),
        ("feasibility", "Feasibility", 0.62),
        ("evidence", "Evidence", 0.4),
        ("adoption", "Adoption", 0.7),
    ]
    assessors = ["assessor-1", "assessor-2", "assessor-3"]
    criteria = []
    for index, (code, _, score) in enumerate(domains):
        consensus = round(score * 4)
        values = [max(0, consensus - 1), consensus, min(4, consensus + (index % 2))]
        criteria.append(
            merge(
                a.example_of("EvidenceCriterion"),
                {
                    "code": f"{code[0].upper()}1",
                    "domain": code,
                    "scale": "ordinal_0_4",
                    "weight": 1.0,
                    "consensus": consensus,
                    "normalised": consensus / 4,
                    "ratings": [
                        merge(a.example_of("AssessorRating"), {"assessor": who, "value": v})
                        for who, v in zip(assessors, values, strict=True)
                    ],
                },
            )
        )
    evidence = merge(
        a.example("GET", template),
        {
            "decision": decision | {"followed_recommendation": True},
            "assessment": {
                "id": summary["assessment_id"],
                "gate": summary["gate"],
                "overall": 0.6,
                "domains": [
                    merge(
                        a.example_of("DomainResult"),
                        {"code": code, "label": name, "weight": 1.0, "score": score},
                    )
                    for code, name, score in domains
                ],
                "criteria": criteria,
            },
        },
    )
    a.answer_for("GET", template, decision_id, evidence, not_found="decision-not-found")


def _engagement(upstreams: Upstreams, project_id: str) -> None:
    s = upstreams.stakeholders
    path = "/v1/aggregates/project-engagement"
    counts = {"manage_closely": 6, "keep_satisfied": 3, "keep_informed": 8, "monitor": 4}
    body = merge(
        s.example("POST", path),
        {
            "project_id": project_id,
            "as_of": "2026-03-10T15:00:00Z",
            "stakeholders": {
                "threshold": 3,
                "assessed": sum(counts.values()),
                "mendelow": [{"quadrant": q, "count": c} for q, c in counts.items()],
            },
        },
    )
    s.answer("POST", path, body)


def _attainment(upstreams: Upstreams, project_id: str) -> None:
    p = upstreams.projects
    template = "/v1/aggregates/projects/{project_id}/attainment"
    ends = ["2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30"]
    shares = {
        "expect_to_see": [1, 2, 3, 4],
        "like_to_see": [0, 1, 1, 2],
        "love_to_see": [0, 0, 1, 1],
    }
    series = [
        merge(
            p.example_of("PartnerLevelSeries"),
            {
                "lineage_id": str(uuid.uuid4()),
                "name": "ED nursing team",
                "level": level,
                "periods": [
                    merge(
                        p.example_of("LevelPeriod"),
                        {
                            "period_start": end[:8] + "01",
                            "period_end": end,
                            "markers": 4,
                            "rated": 4,
                            "attained": attained,
                            "attainment_share": attained / 4,
                        },
                    )
                    for end, attained in zip(ends, values, strict=True)
                ],
            },
        )
        for level, values in shares.items()
    ]
    body = merge(p.example("GET", template), {"project_id": project_id, "series": series})
    p.answer_for("GET", template, project_id, body, not_found="project-not-found")


# --- the test ----------------------------------------------------------------------------------


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


async def test_each_report_page_in_a_real_browser(
    chromium: str, app: FastAPI, upstreams: Upstreams, tokens: TokenFactory, artifacts: Path
) -> None:
    project_id, decision_id = _fill(upstreams)
    as_of = "as_of=2026-06-30T00:00:00Z"
    pages = {
        "portfolio": (
            f"/v1/reports/portfolio?{as_of}",
            "Portfolio report",
            {"stages", "gate-funnel", "days-in-stage"},
        ),
        "evidence-pack": (
            f"/v1/reports/decisions/{decision_id}/evidence?{as_of}",
            "Decision evidence pack: CMDI-2026-001",
            {"domain-radar", "power-interest"},
        ),
        "board-pack": (
            "/v1/reports/board-pack?forum=Innovation%20board&meeting_date=2026-03-10",
            "Board pack: Innovation board, 10 Mar 2026",
            set(),
        ),
        "dossier": (
            f"/v1/reports/projects/{project_id}/dossier?{as_of}",
            "Project dossier: CMDI-2026-001 Virtual ward",
            {"attainment", "power-interest"},
        ),
    }
    async with (
        asyncio.timeout(TEST_SECONDS),
        serving(app, lifespan="off") as url,  # the session's app keeps its clients open
        browser(chromium, tokens("governance", sub="gov-1")) as tab,
    ):
        for name, (path, h1, charts) in pages.items():
            separator = "&" if "?" in path else "?"
            await tab.open(f"{url}{path}{separator}format=html")
            seen = json.loads(await tab.evaluate(INSPECT))
            await tab.screenshot(artifacts / f"{name}.png")
            assert seen["h1"] == [h1], (name, seen["h1"])
            assert seen["scripts"] == 0
            drawn = {chart["chart"]: chart for chart in seen["charts"]}
            assert set(drawn) == charts, name
            for chart in seen["charts"]:
                assert chart["role"] == "img" and chart["named"], chart
                assert chart["width"] > 100 and chart["height"] > 50, chart
                assert not chart["empty"] and chart["marks"] > 0, chart
            assert tab.problems() == [], (name, tab.problems())
            if name == "portfolio":
                pdf = await tab.pdf(artifacts / "portfolio.pdf")
                # A4 in points (595 x 842), from the page's `@page { size: A4 }`.
                assert re.search(rb"/MediaBox \[0 0 59[45]\.?\d* 84[12]\.?\d*\]", pdf), pdf[:400]
                if os.environ.get("CMDI_UPDATE_DOCS_SCREENSHOT") == "1":
                    await tab.screenshot(DOCS_SCREENSHOT, height=2060)
