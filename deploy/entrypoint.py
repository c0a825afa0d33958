"""The container image's entrypoint: the command names the process (`gateway`, `projects`, ...),
`migrate <service>|all` migrates, `healthcheck` probes `/healthz`, `cmdi ...` runs the CLI.

    docker run IMAGE projects              # uvicorn projects_service.main:create_app --factory
    docker run IMAGE migrate projects      # scripts.migrate for one service (or `all`)
    docker run IMAGE healthcheck           # the image's HEALTHCHECK: exit 0 if /healthz is 200

A process is started by replacing this one with uvicorn (`os.execv`): uvicorn takes its place
(PID 1 of a container) and receives SIGTERM itself: its graceful shutdown drains in-flight requests
for up to `GRACEFUL_SHUTDOWN_SECONDS` before it exits. The knobs are plain environment variables
because every orchestrator sets those: `PORT` (8000), `HOST` (0.0.0.0), `FORWARDED_ALLOW_IPS`
(uvicorn's own name: the proxies whose `X-Forwarded-*` headers are believed; 127.0.0.1 unless the
deployment names its ingress), `GRACEFUL_SHUTDOWN_SECONDS` (20, below the 30 s Kubernetes and
Compose wait before SIGKILL) and `KEEP_ALIVE_SECONDS` (5: above the gateway's 4 s pool keep-alive,
so the caller closes an idle connection first). Each process's own settings (`<PREFIX>_...`) are
read by the process itself.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence

from scripts.services import GATEWAY, REPORTING, SERVICES, Service

PROCESSES: dict[str, Service] = {s.name: s for s in (*SERVICES, REPORTING, GATEWAY)}
DATA_SERVICES: tuple[str, ...] = tuple(s.name for s in SERVICES if s.has_database)

DEFAULT_PORT = 8000
DEFAULT_GRACEFUL_SHUTDOWN_SECONDS = 20
DEFAULT_KEEP_ALIVE_SECONDS = 5
HEALTHCHECK_TIMEOUT_SECONDS = 3.0

USAGE = (
    f"usage: entrypoint <{'|'.join(PROCESSES)}>\n"
    f"       entrypoint migrate <{'|'.join(DATA_SERVICES)}|all>\n"
    "       entrypoint healthcheck\n"
    "       entrypoint cmdi [ARGS...]\n"
)


class UsageError(Exception):
    """The command line names no process or command this image knows."""


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise UsageError(f"{name} must be an integer, not {raw!r}") from None
    if value < 0:
        raise UsageError(f"{name} must not be negative")
    return value


def port(env: Mapping[str, str]) -> int:
    value = _int_env(env, "PORT", DEFAULT_PORT)
    if not 1 <= value <= 65535:
        raise UsageError(f"PORT must be 1-65535, not {value}")
    return value


def uvicorn_argv(service: Service, env: Mapping[str, str]) -> list[str]:
    """The uvicorn command line that serves `service` (the executable first)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        service.app,
        "--factory",
        "--host",
        env.get("HOST", "").strip() or "0.0.0.0",  # noqa: S104  (a container listens on its own interface)
        "--port",
        str(port(env)),
        # The app logs every request itself (shared.middleware, with the request id).
        "--no-access-log",
        "--proxy-headers",
        "--forwarded-allow-ips",
        env.get("FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1",
        "--timeout-graceful-shutdown",
        str(_int_env(env, "GRACEFUL_SHUTDOWN_SECONDS", DEFAULT_GRACEFUL_SHUTDOWN_SECONDS)),
        "--timeout-keep-alive",
        str(_int_env(env, "KEEP_ALIVE_SECONDS", DEFAULT_KEEP_ALIVE_SECONDS)),
    ]


def migrate(target: str) -> int:
    """Migrate one data service's database (or every one) to head and seed its defaults."""
    if target != "all" and target not in DATA_SERVICES:
        raise UsageError(f"no database to migrate for {target!r}")
    # Imported here: serving a process never needs alembic's command machinery loaded.
    from scripts.migrate import migrate_all

    migrate_all(None if target == "all" else target)
    return 0


def healthcheck(env: Mapping[str, str]) -> int:
    """0 when this container's process answers `/healthz` with 200, else 1 (Docker's contract)."""
    url = f"http://127.0.0.1:{port(env)}/healthz"
    # No proxy: an `HTTP_PROXY` in the environment must not turn a local probe into a remote one.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=HEALTHCHECK_TIMEOUT_SECONDS) as response:
            status = int(response.status)
    except (urllib.error.URLError, OSError) as exc:
        sys.stderr.write(f"healthcheck: {url}: {exc}\n")
        return 1
    if status != 200:
        sys.stderr.write(f"healthcheck: {url}: HTTP {status}\n")
        return 1
    return 0


def main(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run the command `argv` names (a process never returns: uvicorn replaces this one)."""
    if not argv:
        raise UsageError("no command given")
    command, *rest = argv
    if command in PROCESSES and not rest:
        args = uvicorn_argv(PROCESSES[command], env)
        sys.stdout.flush()
        os.execv(args[0], args)  # noqa: S606  (our own interpreter and arguments, no shell)
    if command == "migrate" and len(rest) == 1:
        return migrate(rest[0])
    if command == "healthcheck" and not rest:
        return healthcheck(env)
    if command == "cmdi":
        from cmdi_cli.main import run

        sys.argv = ["cmdi", *rest]
        run()
        return 0
    raise UsageError(f"unknown command: {' '.join(argv)}")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:], os.environ))
    except UsageError as exc:
        sys.stderr.write(f"{exc}\n{USAGE}")
        sys.exit(2)
