"""`make run` itself (`python -m scripts.run`): the banner, Ctrl-C/SIGTERM, a child that dies."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from scripts.processes import ALL_PROCESSES, allocate_ports, port_in_use
from shared.testing import TokenFactory

# `make run` on its SQLite default, whatever the suite's backend: the PostgreSQL run leaves it out.
pytestmark = [pytest.mark.e2e, pytest.mark.backend_independent]

ROOT = Path(__file__).resolve().parents[2]
STARTED = re.compile(r"^(\w+)\s+\| .*Started server process \[(\d+)\]")


class RunProcess:
    """`python -m scripts.run` in the background, its output collected line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "scripts.run"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.children: dict[str, int] = {}
        self._threads = [
            threading.Thread(
                target=self._collect, args=(self.popen.stdout, self.stdout), daemon=True
            ),
            threading.Thread(
                target=self._collect, args=(self.popen.stderr, self.stderr), daemon=True
            ),
        ]
        for thread in self._threads:
            thread.start()

    def _collect(self, stream: Iterator[str] | None, lines: list[str]) -> None:
        assert stream is not None
        for line in stream:
            lines.append(line)
            match = STARTED.match(line)
            if match:
                self.children[match.group(1)] = int(match.group(2))

    def wait_for_banner(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any("CMDI is running" in line for line in self.stdout):
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"no banner (exit {self.popen.poll()}):\n{''.join(self.stderr[-40:])}"
                )
            time.sleep(0.05)

    def wait(self, timeout: float) -> int:
        code = self.popen.wait(timeout)
        for thread in self._threads:
            thread.join(2.0)
        return code

    def kill_everything(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.popen.kill()
        for pid in self.children.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5.0)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def run_environment(run_databases: dict[str, str]) -> dict[str, str]:
    """`make run` configured as the module docstring of scripts.run documents: free ports
    through `<PREFIX>PORT`, throwaway databases through `<PREFIX>DATABASE_URL`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "CMDI_RUN_"))}
    for service in ALL_PROCESSES:
        env.pop(f"{service.env_prefix}DATABASE_URL", None)
    for name, port in allocate_ports().items():
        env[f"{name.upper()}_PORT"] = str(port)
    for name, url in run_databases.items():
        env[f"{name.upper()}_DATABASE_URL"] = url
    env["CMDI_RUN_READY_TIMEOUT"] = "30"
    return env


@pytest.fixture
async def make_run(run_environment: dict[str, str]) -> AsyncIterator[RunProcess]:
    process = RunProcess(run_environment)
    try:
        await asyncio.to_thread(process.wait_for_banner, 40.0)
        yield process
    finally:
        process.kill_everything()


async def test_make_run_serves_the_api_and_stops_everything_on_ctrl_c(
    make_run: RunProcess, run_environment: dict[str, str], tokens: TokenFactory
) -> None:
    gateway = f"http://127.0.0.1:{run_environment['GATEWAY_PORT']}"
    banner = "".join(make_run.stdout)
    assert f"{gateway}/api/v1" in banner
    assert f"{gateway}/api/docs" in banner
    assert "make token ROLE=admin" in banner
    assert "make demo" in banner
    assert set(make_run.children) == {s.name for s in ALL_PROCESSES}
    async with httpx.AsyncClient(base_url=gateway, timeout=5.0, trust_env=False) as client:
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get("/api/v1/projects")).status_code == 401  # routed, no token
        # The shipped default templates are active on a fresh platform (seeded after migrating).
        active = await client.get(
            "/api/v1/frameworks",
            params={"status": "active"},
            headers={"Authorization": f"Bearer {tokens('viewer')}"},
        )
        assert active.status_code == 200, active.text
        names = {(f["name"], f["semver"]) for f in active.json()["items"]}
        assert names == {("CMDI IIAF", "1.0.0"), ("NASSS complexity", "1.0.0")}

    # SIGINT is Ctrl-C (the terminal sends it to make and to us; the children have their own
    # session). SIGTERM takes the same path: scripts.run turns it into KeyboardInterrupt.
    make_run.popen.send_signal(signal.SIGINT)
    assert await asyncio.to_thread(make_run.wait, 20.0) == 0
    assert not [name for name, pid in make_run.children.items() if alive(pid)]
    assert not [
        port
        for port in (int(run_environment[f"{s.name.upper()}_PORT"]) for s in ALL_PROCESSES)
        if port_in_use(port)
    ]


async def test_make_run_restarts_a_crashed_process_and_keeps_the_others(
    make_run: RunProcess, run_environment: dict[str, str]
) -> None:
    gateway = f"http://127.0.0.1:{run_environment['GATEWAY_PORT']}"
    others = {name: pid for name, pid in make_run.children.items() if name != "assessment"}
    crashed = make_run.children["assessment"]
    os.kill(crashed, signal.SIGKILL)
    async with httpx.AsyncClient(base_url=gateway, timeout=2.0, trust_env=False) as client:
        # Back on its own port (first restart after 0.5 s), the platform ready again.
        deadline = time.monotonic() + 30.0
        while make_run.children["assessment"] == crashed or (
            (await client.get("/readyz")).status_code != 200
        ):
            assert make_run.popen.poll() is None, "make run exited"
            assert time.monotonic() < deadline, "".join(make_run.stderr[-40:])
            await asyncio.sleep(0.1)
    log = "".join(make_run.stderr)
    assert "!!! assessment exited unexpectedly (code -9); restarting it in 0.5 s" in log
    assert "!!! assessment restarted" in log
    # The others never stopped: the same processes throughout.
    assert {name: make_run.children[name] for name in others} == others
    assert all(alive(pid) for pid in others.values())
    # Ctrl-C still stops everything, the restarted process included.
    make_run.popen.send_signal(signal.SIGINT)
    assert await asyncio.to_thread(make_run.wait, 20.0) == 0
    assert not [name for name, pid in make_run.children.items() if alive(pid)]
