"""Start, watch and stop the platform's processes: what `make run` and the e2e tests share.

A `Stack` runs each service (and the gateway) as its own uvicorn subprocess on 127.0.0.1:

    stack = Stack(ports={"projects": 8001, ...}, database_urls={"projects": "sqlite+aiosqlite:///..."})
    with stack:                      # stop() on exit, whatever happens
        stack.start()
        stack.wait_ready(timeout=30)
        ...

Each process gets the inherited environment, plus `<PREFIX>DATABASE_URL` (services with a
database) and `<PREFIX>SERVICE_URLS__<NAME>` for every other process but the gateway (the
services and the reporting service), so they find each other and the gateway finds them on
whatever ports were chosen; `env` (given to the `Stack`) is applied last and wins.

Children run in their own session (process group): Ctrl-C in a terminal reaches only the parent,
which then stops them in an orderly way (SIGTERM, then SIGKILL after a timeout). Their combined
stdout and stderr is read by a thread per process: the last lines are kept for error messages
(`output_tail`) and, when `echo` is given, forwarded line by line. Stacks still running when the
interpreter exits are stopped by an `atexit` hook, as a last resort.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType

import httpx

from scripts.services import GATEWAY, REPORTING, ROOT, SERVICES, Service

HOST = "127.0.0.1"
ALL_PROCESSES: tuple[Service, ...] = (*SERVICES, REPORTING, GATEWAY)
TAIL_LINES = 200
# On SIGTERM uvicorn stops accepting, lets in-flight requests finish for up to this long, then
# closes what is left; below `Stack.stop`'s default 10 s, so SIGKILL stays the last resort. A
# rolling restart relies on it: a replica leaving drains its requests instead of cutting them.
GRACEFUL_SHUTDOWN_SECONDS = 5

Echo = Callable[[str, str], None]


class StackError(RuntimeError):
    """A process could not be started, did not become ready, or died."""


def free_ports(count: int, host: str = HOST) -> list[int]:
    """`count` distinct ports the kernel has just handed out as free (all bound at once, so they
    differ, then released for the children to bind)."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def allocate_ports(services: Sequence[Service] = ALL_PROCESSES) -> dict[str, int]:
    """A free port of 127.0.0.1 for each of `services` (tests, parallel stacks)."""
    return dict(zip((s.name for s in services), free_ports(len(services)), strict=True))


def port_in_use(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def service_url(port: int, host: str = HOST) -> str:
    return f"http://{host}:{port}"


class ManagedProcess:
    """One uvicorn child: its command line, environment, output tail and `Popen`."""

    def __init__(
        self, service: Service, *, port: int, env: dict[str, str], echo: Echo | None
    ) -> None:
        self.service = service
        self.port = port
        self.env = env
        self.echo = echo
        self.popen: subprocess.Popen[bytes] | None = None
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._tail_lock = threading.Lock()
        self.stopping = False  # set when we end it, so its exit is not "unexpected"
        self._reader: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def url(self) -> str:
        return service_url(self.port)

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None else None

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            self.service.app,
            "--factory",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--no-access-log",
            "--timeout-graceful-shutdown",
            str(GRACEFUL_SHUTDOWN_SECONDS),
        ]

    def start(self) -> None:
        if self.running():
            raise StackError(f"{self.name} is already running (pid {self.pid})")
        self.stopping = False
        with self._tail_lock:
            self.tail.clear()
        self.popen = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = threading.Thread(
            target=self._read_output, args=(self.popen,), name=f"output:{self.name}", daemon=True
        )
        self._reader.start()

    def _read_output(self, popen: subprocess.Popen[bytes]) -> None:
        assert popen.stdout is not None
        for raw in iter(popen.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self._tail_lock:
                self.tail.append(line)
            if self.echo is not None:
                # Keep draining whatever echo does, or the child blocks on a full pipe.
                with contextlib.suppress(Exception):
                    self.echo(self.name, line)

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def returncode(self) -> int | None:
        return self.popen.poll() if self.popen is not None else None

    def output_tail(self, lines: int = 40) -> str:
        with self._tail_lock:
            kept = list(self.tail)
        return "\n".join(kept[-lines:])

    def signal(self, signum: int, *, group: bool = True) -> None:
        """Send `signum` to the child (and its process group); a no-op once it has exited."""
        if not self.running():
            return
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if group:
                os.killpg(self.popen.pid, signum)
            else:
                self.popen.send_signal(signum)

    def finish(self, timeout: float = 2.0) -> None:
        """After exit: collect the output reader and close the pipe."""
        if self._reader is not None:
            self._reader.join(timeout)
            self._reader = None
        if (
            self.popen is not None
            and self.popen.stdout is not None
            and self.popen.poll() is not None
        ):
            self.popen.stdout.close()


def wait_processes_ready(processes: Sequence[ManagedProcess], timeout: float) -> None:
    """Poll each process's `/readyz` until it answers 200; raise `StackError` (with the
    process's last output) if one exits first or the deadline passes."""
    pending = list(processes)
    deadline = time.monotonic() + timeout
    last_answer: dict[str, str] = {process.name: "no answer yet" for process in pending}
    with httpx.Client(timeout=httpx.Timeout(1.0), trust_env=False) as client:
        while pending:
            for process in list(pending):
                code = process.returncode()
                if process.popen is None or code is not None:
                    process.finish()
                    raise StackError(
                        f"{process.name} exited with code {code} before it was ready "
                        f"(port {process.port}); its last output:\n{process.output_tail()}"
                    )
                try:
                    response = client.get(f"{process.url}/readyz")
                except httpx.HTTPError as exc:
                    last_answer[process.name] = f"{type(exc).__name__}"
                    continue
                if response.status_code == 200:
                    pending.remove(process)
                else:
                    last_answer[process.name] = f"{response.status_code} {response.text[:300]}"
            if not pending:
                return
            if time.monotonic() > deadline:
                details = "\n".join(
                    f"{process.name} (port {process.port}): {last_answer[process.name]}\n"
                    f"its last output:\n{process.output_tail()}"
                    for process in pending
                )
                names = ", ".join(process.name for process in pending)
                raise StackError(f"not ready after {timeout:.0f} s: {names}\n{details}")
            time.sleep(0.1)


def stop_processes(processes: Sequence[ManagedProcess], timeout: float) -> None:
    """SIGTERM (and SIGCONT, in case one is paused) to each, wait up to `timeout` for them all,
    then SIGKILL whichever is left."""
    for process in processes:
        process.stopping = True
        process.signal(signal.SIGTERM)
        process.signal(signal.SIGCONT)
    deadline = time.monotonic() + timeout
    for process in processes:
        if process.popen is None:
            continue
        try:
            process.popen.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.signal(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(5.0)
        process.finish()


_live_stacks: weakref.WeakSet[Stack] = weakref.WeakSet()


@atexit.register
def _stop_live_stacks() -> None:
    for stack in list(_live_stacks):
        stack.stop(timeout=3.0)


class Stack:
    """The platform's processes, started and stopped together (or one at a time, for tests)."""

    def __init__(
        self,
        *,
        ports: Mapping[str, int],
        database_urls: Mapping[str, str],
        env: Mapping[str, str] | None = None,
        services: Sequence[Service] = ALL_PROCESSES,
        inherit_env: bool = True,
        echo: Echo | None = None,
    ) -> None:
        missing_ports = [s.name for s in services if s.name not in ports]
        missing_urls = [s.name for s in services if s.has_database and s.name not in database_urls]
        if missing_ports or missing_urls:
            raise ValueError(f"no port for {missing_ports}, no database URL for {missing_urls}")
        self.services = list(services)
        self.ports = dict(ports)
        self.database_urls = dict(database_urls)
        self.extra_env = dict(env or {})
        self.inherit_env = inherit_env
        self.processes: dict[str, ManagedProcess] = {
            service.name: ManagedProcess(
                service, port=self.ports[service.name], env=self.environment(service), echo=echo
            )
            for service in self.services
        }

    # -- configuration -------------------------------------------------------------------------

    def url(self, name: str) -> str:
        return service_url(self.ports[name])

    @property
    def gateway_url(self) -> str:
        return self.url(GATEWAY.name)

    def environment(self, service: Service) -> dict[str, str]:
        """The child's environment: inherited, then our wiring, then `env` (which wins)."""
        env = dict(os.environ) if self.inherit_env else {"PATH": os.environ.get("PATH", "")}
        env["PYTHONUNBUFFERED"] = "1"
        prefix = service.env_prefix
        if service.has_database:
            env[f"{prefix}DATABASE_URL"] = self.database_urls[service.name]
        for other in self.services:
            if other.name not in (GATEWAY.name, service.name):
                env[f"{prefix}SERVICE_URLS__{other.name.upper()}"] = self.url(other.name)
        env.update(self.extra_env)
        return env

    # -- lifecycle -----------------------------------------------------------------------------

    def _names(self, names: Iterable[str] | None) -> list[str]:
        chosen = list(names) if names is not None else list(self.processes)
        unknown = [name for name in chosen if name not in self.processes]
        if unknown:
            raise KeyError(f"not in this stack: {unknown}")
        return chosen

    def start(self, names: Iterable[str] | None = None) -> None:
        """Spawn the processes (all by default) without waiting for them."""
        _live_stacks.add(self)
        for name in self._names(names):
            self.processes[name].start()

    def wait_ready(self, timeout: float = 30.0, names: Iterable[str] | None = None) -> None:
        """Poll each process's `/readyz` until it answers 200; raise `StackError` (with the
        process's last output) if one exits first or the deadline passes."""
        wait_processes_ready([self.processes[name] for name in self._names(names)], timeout)

    def exited(self) -> dict[str, int]:
        """Processes that have died although nobody asked them to stop: name → exit code."""
        dead = {}
        for name, process in self.processes.items():
            code = process.returncode()
            if code is not None and not process.stopping:
                dead[name] = code
        return dead

    def stop(self, timeout: float = 10.0, names: Iterable[str] | None = None) -> None:
        """SIGTERM (and SIGCONT, in case one is paused), wait up to `timeout`, then SIGKILL."""
        stop_processes([self.processes[name] for name in self._names(names)], timeout)
        if not any(p.running() for p in self.processes.values()):
            _live_stacks.discard(self)

    # -- single processes, for failure tests ---------------------------------------------------

    def terminate(self, name: str, timeout: float = 10.0) -> None:
        """Stop one process (as `stop` does) and leave the others running."""
        self.stop(timeout, names=[name])

    def pause(self, name: str) -> None:
        """SIGSTOP: the process keeps its socket (connections are accepted by the kernel) but
        answers nothing until `resume`."""
        self.processes[name].signal(signal.SIGSTOP)

    def resume(self, name: str) -> None:
        self.processes[name].signal(signal.SIGCONT)

    def restart(self, name: str, timeout: float = 30.0) -> None:
        """Stop `name` if it runs, start it again on the same port and wait until it is ready."""
        self.terminate(name)
        self.start([name])
        self.wait_ready(timeout, names=[name])

    def output_tail(self, name: str, lines: int = 40) -> str:
        return self.processes[name].output_tail(lines)

    def __enter__(self) -> Stack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
