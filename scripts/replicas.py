"""Replicas of every process behind a real nginx on one machine: the replica suite's platform.

A `ReplicaStack` starts `replicas` uvicorn children of each service and of the gateway (the same
`ManagedProcess` `make run` uses) on free ports of 127.0.0.1, and one nginx child configured by
`scripts.nginx_conf` as the ingress (the stack's `gateway_url`) and as a listener per service,
which is every process's `<PREFIX>SERVICE_URLS__<NAME>`: the gateway and the services reach a
service through nginx, as pods reach each other through a Kubernetes Service.

    with ReplicaStack(database_urls={"projects": "postgresql+psycopg://...", ...}) as stack:
        stack.start()
        stack.wait_ready(timeout=60)
        stack.kill_replica("projects", 0)          # SIGKILL one, the other keeps serving
        stack.restart_replica("projects", 0)
        stack.rolling_restart(["projects"])        # SIGTERM each in turn, wait ready, next

It offers what the e2e tests use of a `Stack` (`gateway_url`, `processes[name].running()`,
`terminate`, `restart`, `pause`, `resume`, `exited`, `output_tail`, `extra_env`), each acting on
every replica of the named process. Replicas share their service's database, so the databases
must be PostgreSQL (one SQLite file takes one process).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

from scripts import nginx_conf
from scripts.processes import (
    ALL_PROCESSES,
    HOST,
    Echo,
    ManagedProcess,
    Stack,
    StackError,
    free_ports,
    service_url,
    stop_processes,
    wait_processes_ready,
)
from scripts.services import GATEWAY, Service

NGINX = "nginx"
# Debian puts nginx in /usr/sbin, which a non-login PATH may leave out.
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx")


@cache
def ensure_nginx() -> str:
    """nginx's executable, installed from Debian's package first if it is missing (the suite's
    set-up runs as root on Debian; anywhere else, install it yourself)."""
    found = shutil.which(NGINX) or next(
        (p for p in NGINX_CANDIDATES if os.access(p, os.X_OK)), None
    )
    if found is not None:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise StackError("nginx is not installed, and `apt-get install -y nginx` needs root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", NGINX]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise StackError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    found = shutil.which(NGINX) or next(
        (p for p in NGINX_CANDIDATES if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise StackError("nginx was installed but is not on PATH or in /usr/sbin")
    return found


class NginxProcess(ManagedProcess):
    """nginx in the foreground (`daemon off`), its prefix a directory of its own; ready when the
    ingress's `/readyz` (the gateway's) answers 200."""

    def __init__(self, *, executable: str, prefix: Path, port: int, echo: Echo | None) -> None:
        service = Service(NGINX, port, app="", has_database=False)
        super().__init__(service, port=port, env=dict(os.environ), echo=echo)
        self.executable = executable
        self.prefix = prefix

    def command(self) -> list[str]:
        return [self.executable, "-p", str(self.prefix), "-c", "nginx.conf", "-g", "daemon off;"]


_live_stacks: weakref.WeakSet[ReplicaStack] = weakref.WeakSet()


@atexit.register
def _stop_live_stacks() -> None:
    # A last resort, as scripts.processes has for its stacks: no orphan outlives the tests.
    for stack in list(_live_stacks):
        stack.stop(timeout=3.0)


class ReplicaSet:
    """The replicas of one process, addressed as one (what a test does with `processes[name]`)."""

    def __init__(self, replicas: Sequence[ManagedProcess]) -> None:
        self.replicas = list(replicas)

    def running(self) -> bool:
        """Whether any replica still runs (so a stopped stack has none)."""
        return any(replica.running() for replica in self.replicas)

    @property
    def pid(self) -> int | None:
        return next((r.pid for r in self.replicas if r.running()), None)

    def signal(self, signum: int, *, group: bool = True) -> None:
        for replica in self.replicas:
            replica.signal(signum, group=group)


class ReplicaStack:
    """`replicas` copies of each process and nginx in front of them, started and stopped
    together, or one replica at a time."""

    def __init__(
        self,
        *,
        database_urls: Mapping[str, str],
        replicas: int = 2,
        env: Mapping[str, str] | None = None,
        services: Sequence[Service] = ALL_PROCESSES,
        echo: Echo | None = None,
        nginx_read_timeout: int = nginx_conf.READ_TIMEOUT_SECONDS,
    ) -> None:
        missing = [s.name for s in services if s.has_database and s.name not in database_urls]
        if missing:
            raise ValueError(f"no database URL for {missing}")
        if GATEWAY.name not in {s.name for s in services}:
            raise ValueError("a replica stack needs the gateway (nginx fronts it)")
        self.services = list(services)
        self.database_urls = dict(database_urls)
        self.extra_env = dict(env or {})
        self.replica_count = replicas
        self.nginx_read_timeout = nginx_read_timeout
        upstreams = [s for s in self.services if s.name != GATEWAY.name]
        ports = iter(free_ports(1 + len(upstreams) + replicas * len(self.services)))
        self.public_port = next(ports)
        self.listener_ports = {s.name: next(ports) for s in upstreams}
        replica_ports = {s.name: [next(ports) for _ in range(replicas)] for s in self.services}
        self.prefix = Path(tempfile.mkdtemp(prefix="cmdi-nginx-"))
        for directory in ("logs", "tmp"):
            (self.prefix / directory).mkdir()
        layout = nginx_conf.local_layout(
            public_port=self.public_port,
            gateway_ports=replica_ports[GATEWAY.name],
            listener_ports=self.listener_ports,
            replica_ports={s.name: replica_ports[s.name] for s in upstreams},
            user="root" if os.geteuid() == 0 else None,
            host=HOST,
            read_timeout=nginx_read_timeout,
        )
        (self.prefix / "nginx.conf").write_text(nginx_conf.render(layout), encoding="utf-8")
        self.nginx = NginxProcess(
            executable=ensure_nginx(), prefix=self.prefix, port=self.public_port, echo=echo
        )
        self.replicas: dict[str, list[ManagedProcess]] = {
            service.name: [
                ManagedProcess(
                    dataclasses.replace(service, name=f"{service.name}-{index + 1}", port=port),
                    port=port,
                    env=self.environment(service),
                    echo=echo,
                )
                for index, port in enumerate(replica_ports[service.name])
            ]
            for service in self.services
        }
        self.processes = {name: ReplicaSet(group) for name, group in self.replicas.items()}

    # -- configuration -------------------------------------------------------------------------

    @property
    def gateway_url(self) -> str:
        """The ingress: what a client of the platform calls."""
        return service_url(self.public_port)

    def url(self, name: str) -> str:
        """Where `name` is reached: the ingress for the gateway, else its nginx listener."""
        if name == GATEWAY.name:
            return self.gateway_url
        return service_url(self.listener_ports[name])

    @property
    def ports(self) -> dict[str, int]:
        """Every port the stack binds, by who binds it (nginx for its listeners)."""
        bound = {NGINX: self.public_port}
        bound.update({f"{NGINX}:{name}": port for name, port in self.listener_ports.items()})
        for group in self.replicas.values():
            bound.update({replica.name: replica.port for replica in group})
        return bound

    def environment(self, service: Service) -> dict[str, str]:
        """A replica's environment: inherited, then our wiring, then `env` (which wins)."""
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"
        prefix = service.env_prefix
        if service.has_database:
            env[f"{prefix}DATABASE_URL"] = self.database_urls[service.name]
        for other in self.services:
            if other.name not in (GATEWAY.name, service.name):
                env[f"{prefix}SERVICE_URLS__{other.name.upper()}"] = self.url(other.name)
        env.update(self.extra_env)
        return env

    def replica(self, name: str, index: int) -> ManagedProcess:
        return self.replicas[name][index]

    # -- lifecycle -----------------------------------------------------------------------------

    def _chosen(self, names: Iterable[str] | None) -> list[ManagedProcess]:
        chosen = list(names) if names is not None else [NGINX, *self.replicas]
        unknown = [name for name in chosen if name != NGINX and name not in self.replicas]
        if unknown:
            raise KeyError(f"not in this stack: {unknown}")
        processes: list[ManagedProcess] = []
        for name in chosen:
            processes += [self.nginx] if name == NGINX else self.replicas[name]
        return processes

    def start(self, names: Iterable[str] | None = None) -> None:
        """Spawn the processes (all, nginx first, by default) without waiting for them."""
        _live_stacks.add(self)
        for process in self._chosen(names):
            if not process.running():
                process.start()

    def wait_ready(self, timeout: float = 60.0, names: Iterable[str] | None = None) -> None:
        """Each replica's own `/readyz`, then (for the whole stack, or when nginx is named) the
        ingress's, which is the gateway's through nginx: every service reached as callers do."""
        deadline = time.monotonic() + timeout
        chosen = self._chosen(names)
        wait_processes_ready([p for p in chosen if p is not self.nginx], timeout)
        if self.nginx in chosen:
            wait_processes_ready([self.nginx], max(1.0, deadline - time.monotonic()))

    def stop(self, timeout: float = 10.0, names: Iterable[str] | None = None) -> None:
        """SIGTERM every chosen process (nginx last: it stops at once), then SIGKILL stragglers."""
        chosen = self._chosen(names)
        stop_processes([p for p in chosen if p is not self.nginx], timeout)
        if self.nginx in chosen:
            stop_processes([self.nginx], timeout)
        if names is None:
            _live_stacks.discard(self)
            shutil.rmtree(self.prefix, ignore_errors=True)

    def exited(self) -> dict[str, int]:
        """Processes that have died although nobody asked them to stop: name → exit code."""
        dead = {}
        for process in self._chosen(None):
            code = process.returncode()
            if code is not None and not process.stopping:
                dead[process.name] = code
        return dead

    # -- whole processes (every replica), as the e2e tests use a `Stack` -----------------------

    def terminate(self, name: str, timeout: float = 10.0) -> None:
        self.stop(timeout, names=[name])

    def restart(self, name: str, timeout: float = 30.0) -> None:
        self.terminate(name)
        self.start([name])
        self.wait_ready(timeout, names=[name])

    def pause(self, name: str) -> None:
        self.processes[name].signal(signal.SIGSTOP)

    def resume(self, name: str) -> None:
        self.processes[name].signal(signal.SIGCONT)

    def output_tail(self, name: str, lines: int = 40) -> str:
        """The last lines of each replica of `name` (or of nginx), one block per replica."""
        processes = [self.nginx] if name == NGINX else self.replicas[name]
        return "\n".join(f"[{p.name}]\n{p.output_tail(lines)}" for p in processes)

    # -- one replica at a time -----------------------------------------------------------------

    def kill_replica(self, name: str, index: int, signum: int = signal.SIGKILL) -> None:
        """Send `signum` to one replica and wait for it to exit (no grace: SIGKILL by default)."""
        replica = self.replica(name, index)
        replica.stopping = True
        replica.signal(signum)
        if replica.popen is not None:
            replica.popen.wait(30.0)
        replica.finish()

    def restart_replica(self, name: str, index: int, timeout: float = 30.0) -> None:
        """Start one replica again on its port (stopping it gracefully first if it runs) and
        wait until it is ready."""
        replica = self.replica(name, index)
        if replica.running():
            stop_processes([replica], 10.0)
        replica.start()
        wait_processes_ready([replica], timeout)

    def rolling_restart(self, names: Sequence[str], timeout: float = 60.0) -> None:
        """Roll each of `names` the way a Deployment rolls: SIGTERM one replica (it drains its
        requests), start it again, wait until it is ready, then the next. The processes roll
        side by side (the first replica of each, then the second), as a cluster's Deployments
        do, so there is always a ready replica of every one."""
        for name in names:
            if name not in self.replicas:
                raise KeyError(f"not in this stack: {name}")
        for index in range(self.replica_count):
            wave = [self.replica(name, index) for name in names]
            stop_processes(wave, 10.0)
            for replica in wave:
                replica.start()
            wait_processes_ready(wave, timeout)

    # -- what nginx saw ------------------------------------------------------------------------

    def access_log(self) -> list[dict[str, Any]]:
        """nginx's access log so far, one dict per request (scripts.nginx_conf's `cmdi` format:
        `listener`, `method`, `uri`, `status`, `upstream`, `upstream_status`, ...)."""
        path = self.prefix / "logs" / "access.log"
        if not path.exists():
            return []
        entries = []
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                entries.append(json.loads(line))
        return entries

    def listener_entries(self, name: str) -> Iterator[dict[str, Any]]:
        """The access log's requests to `name` (the ingress for the gateway, else its listener)."""
        port = self.public_port if name == GATEWAY.name else self.listener_ports[name]
        return (entry for entry in self.access_log() if entry.get("listener") == str(port))

    def __enter__(self) -> ReplicaStack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


PlatformFactory = Callable[..., contextlib.AbstractAsyncContextManager[Stack | ReplicaStack]]
"""What tests/e2e's `platform_for` fixture returns: (database URLs, env, ready_timeout=) to a
running platform, one process of each or replicas behind nginx (CMDI_E2E_STACK)."""
