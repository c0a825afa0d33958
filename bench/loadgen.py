"""Load generators: `wrk` when it is installed (C, cheap on a 2-core machine), otherwise a small
aiohttp closed-loop generator. Both keep a fixed number of keep-alive connections busy for a
fixed time against 127.0.0.1 and report req/s, p50 and p99."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class Result:
    requests: int
    errors: int  # transport errors and non-2xx answers
    seconds: float
    p50_ms: float
    p99_ms: float
    p90_ms: float = 0.0  # wrk only

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _check_local(url: str) -> None:
    if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise ValueError(f"benchmarks only target this machine, not {url}")


def ensure_wrk() -> str | None:
    """wrk's path, installing Debian's package if possible; None means use the Python generator."""
    found = shutil.which("wrk")
    if found or shutil.which("apt-get") is None:
        return found
    print("Installing wrk with apt-get...", flush=True)
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    for command in (install, ["apt-get", "update", "-q"], install):  # update only if needed
        try:
            subprocess.run(command, check=False, capture_output=True, timeout=180)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if found := shutil.which("wrk"):
            return found
    return None


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(
    wrk: str, url: str, *, connections: int, seconds: float, headers: dict[str, str]
) -> Result:
    _check_local(url)
    command = [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True, timeout=seconds + 30
    ).stdout
    requests = int(re.search(r"(\d+) requests in ([\d.]+\w+)", output).group(1))  # type: ignore[union-attr]
    elapsed = _duration_ms(re.search(r"requests in ([\d.]+\w+),", output).group(1)) / 1000  # type: ignore[union-attr]
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+\w+)\s*$", output, flags=re.MULTILINE))
    if not {"50", "90", "99"} <= percentiles.keys():
        raise RuntimeError(f"wrk printed no latency distribution:\n{output}")
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(group) for group in match.groups())
    return Result(
        requests=requests,
        errors=errors,
        seconds=elapsed,
        p50_ms=_duration_ms(percentiles["50"]),
        p99_ms=_duration_ms(percentiles["99"]),
        p90_ms=_duration_ms(percentiles["90"]),
    )


async def _run_python(
    url: str, *, connections: int, seconds: float, headers: dict[str, str], max_requests: int
) -> Result:
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline and len(latencies) < max_requests:
                started = time.perf_counter()
                try:
                    async with session.get(url) as response:
                        await response.read()
                        ok = 200 <= response.status < 300
                except aiohttp.ClientError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(fraction: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(len(latencies) * fraction))] * 1000
            if latencies
            else 0.0
        )

    return Result(
        requests=len(latencies),
        errors=errors,
        seconds=elapsed,
        p50_ms=percentile(0.5),
        p99_ms=percentile(0.99),
    )


def run_python(
    url: str,
    *,
    connections: int,
    seconds: float,
    headers: dict[str, str],
    max_requests: int = 2_000_000,
) -> Result:
    _check_local(url)
    return asyncio.run(
        _run_python(
            url,
            connections=connections,
            seconds=seconds,
            headers=headers,
            max_requests=max_requests,
        )
    )
