"""`make run`: migrate each service's database (and seed the shipped defaults: the active "CMDI
IIAF" and "NASSS complexity" templates, see `scripts.migrate`), start the services, the
reporting service (no database) and the gateway, stop on Ctrl-C.

Every process is `python -m uvicorn <factory> --factory --host 127.0.0.1 --port <port>
--no-access-log` (see `scripts.processes.Stack`, which the e2e tests use too). The command waits
until each answers `/readyz`, prints the URLs, and keeps running until Ctrl-C or SIGTERM, which
stop all five (SIGTERM, then SIGKILL after 10 s) and exit 0. A process that dies later is
restarted on its own port with exponential backoff (0.5 s doubling to 30 s; a "!!!" line with its
exit code and last output says so) while the others keep serving; if a process fails to start
at all, the others are stopped and the exit status is 1. Logs of every process go to standard
error, each line prefixed with the process's name; the URLs go to standard output.

Environment (all optional; the defaults are what docs/conventions.md promises):

    <PREFIX>DATABASE_URL      a service's database, e.g. PROJECTS_DATABASE_URL
                              (default: SQLite files var/projects.db, var/assessment.db, ...)
    CMDI_RUN_PORT_OFFSET      added to every default port (8000-8004), e.g. 100 → 8100-8104
    <PREFIX>PORT              one process's port, e.g. GATEWAY_PORT=9000 (wins over the offset)
    CMDI_RUN_READY_TIMEOUT    seconds to wait for every `/readyz` (default 60)

Prefixes: GATEWAY_, PROJECTS_, ASSESSMENT_, STAKEHOLDERS_, REPORTING_. Each process also
receives `<PREFIX>SERVICE_URLS__<NAME>` for every other process but the gateway (e.g.
GATEWAY_SERVICE_URLS__REPORTING), built from the ports above, so they find each other whatever
the ports. Every other variable (log level, gateway timeouts, ...) passes through unchanged.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import FrameType

from scripts.migrate import database_url, prepare
from scripts.processes import ALL_PROCESSES, HOST, Stack, StackError, port_in_use
from scripts.services import GATEWAY, REPORTING, ROOT, SERVICES

_echo_lock = threading.Lock()


class ConfigurationError(Exception):
    pass


def _int_env(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name}={raw!r} is not a whole number") from exc


def ports_from_env(environ: Mapping[str, str]) -> dict[str, int]:
    offset = _int_env(environ, "CMDI_RUN_PORT_OFFSET", 0)
    ports = {
        service.name: _int_env(environ, f"{service.env_prefix}PORT", service.port + offset)
        for service in ALL_PROCESSES
    }
    for name, port in ports.items():
        if not 0 < port < 65536:
            raise ConfigurationError(f"the port of {name} ({port}) is out of range")
    if len(set(ports.values())) != len(ports):
        raise ConfigurationError(f"two processes would share a port: {ports}")
    return ports


def database_urls_from_env() -> dict[str, str]:
    return {
        service.name: database_url(service.name, service.default_database_url())
        for service in SERVICES
    }


def migrate(database_urls: Mapping[str, str]) -> None:
    (ROOT / "var").mkdir(exist_ok=True)
    for service in SERVICES:
        print(f"Migrating {service.name} to head...", file=sys.stderr)
        try:
            for line in prepare(service, database_urls[service.name]):
                print(f"  {line}", file=sys.stderr)
        except Exception as exc:
            raise ConfigurationError(
                f"migrating {service.name} failed ({type(exc).__name__}: {exc}); "
                f"check {service.env_prefix}DATABASE_URL"
            ) from exc


def echo(name: str, line: str) -> None:
    with _echo_lock:
        sys.stderr.write(f"{name:<12} | {line}\n")
        sys.stderr.flush()


def banner(stack: Stack) -> str:
    gateway = stack.gateway_url
    lines = [
        "",
        "CMDI is running (Ctrl-C stops everything):",
        f"  API (gateway)  {gateway}/api/v1",
        f"  API docs       {gateway}/api/docs",
    ]
    lines += [
        f"  {s.name:<14} {stack.url(s.name)}/v1  (docs {stack.url(s.name)}/docs)"
        for s in (*SERVICES, REPORTING)
    ]
    demo_env = "" if gateway == f"http://{HOST}:{GATEWAY.port}" else f"CMDI_GATEWAY_URL={gateway} "
    lines += [
        "",
        "Next, in another terminal:",
        "  make token ROLE=admin    # prints a development bearer token (and nothing else)",
        f"  {demo_env}make demo    # loads the demo dataset through the API",
        "  TOKEN=$(make -s token ROLE=admin)",
        f'  curl -H "Authorization: Bearer $TOKEN" {gateway}/api/v1/projects',
        "",
    ]
    return "\n".join(lines)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@dataclass
class RestartPolicy:
    """Exponential backoff for restarting a crashed process: `first` seconds, doubling up to
    `cap`; a process that then stays up for `stable` seconds starts again from `first`."""

    first: float = 0.5
    cap: float = 30.0
    stable: float = 30.0

    def delay(self, crashes: int) -> float:
        return float(min(self.cap, self.first * 2 ** max(0, crashes - 1)))


@dataclass
class _Crashes:
    count: int = 0
    started_at: float = 0.0
    restart_at: float | None = None


def supervise(stack: Stack, ready_timeout: float, policy: RestartPolicy | None = None) -> int:
    """Start, wait, then watch until a signal (0). A process that dies is restarted on its own
    port with backoff while the others keep serving; a process that cannot start at all is a
    startup failure (1)."""
    policy = policy or RestartPolicy()
    stack.start()
    stack.wait_ready(ready_timeout)
    print(banner(stack), flush=True)
    now = time.monotonic()
    crashes = {name: _Crashes(started_at=now) for name in stack.processes}
    while True:
        now = time.monotonic()
        for name, code in stack.exited().items():
            state = crashes[name]
            if state.restart_at is not None:
                continue  # already waiting to restart
            if now - state.started_at >= policy.stable:
                state.count = 0
            state.count += 1
            delay = policy.delay(state.count)
            state.restart_at = now + delay
            stack.processes[name].finish()
            print(
                f"\n!!! {name} exited unexpectedly (code {code}); restarting it in {delay:.1f} s "
                f"(crash {state.count} in a row; the other processes keep running). "
                f"Its last output:\n{stack.output_tail(name)}\n",
                file=sys.stderr,
                flush=True,
            )
        for name, state in crashes.items():
            if state.restart_at is not None and now >= state.restart_at:
                state.restart_at = None
                state.started_at = now
                stack.start([name])
                print(
                    f"!!! {name} restarted (pid {stack.processes[name].pid})",
                    file=sys.stderr,
                    flush=True,
                )
        time.sleep(0.2)


def main() -> int:
    # Explicitly, also for SIGINT: started from a script (`make run &`), SIGINT arrives ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        ports = ports_from_env(os.environ)
        busy = [f"{name} ({port})" for name, port in ports.items() if port_in_use(port)]
        if busy:
            raise ConfigurationError(
                f"ports already in use on {HOST}: {', '.join(busy)}. Is `make run` already "
                "running? Choose others with CMDI_RUN_PORT_OFFSET=100 or <PREFIX>PORT=..."
            )
        urls = database_urls_from_env()
        migrate(urls)
        ready_timeout = float(_int_env(os.environ, "CMDI_RUN_READY_TIMEOUT", 60))
    except ConfigurationError as exc:
        print(f"make run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0

    stack = Stack(ports=ports, database_urls=urls, echo=echo)
    try:
        return supervise(stack, ready_timeout)
    except StackError as exc:
        print(f"\nmake run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...", file=sys.stderr)
        return 0
    finally:
        # A second Ctrl-C must not leave orphans: stop() escalates to SIGKILL by itself.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop(timeout=10.0)


if __name__ == "__main__":
    sys.exit(main())
