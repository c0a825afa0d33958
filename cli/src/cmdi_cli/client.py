"""The one HTTP client of the CLI: the gateway's base URL, the bearer token, and every error
turned into a `CliError` that carries what to print (a problem's title and detail) and the exit
status."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"

# Exit statuses (`cmdi --help` lists them): 2 is typer's usage error.
EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3

Params = Sequence[tuple[str, str]]


class CliError(Exception):
    """Ends the command: `message` to standard error, `status` as the exit status."""

    def __init__(self, message: str, status: int = EXIT_PROBLEM) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def describe_problem(response: httpx.Response) -> str:
    """`<status> <title>: <detail>` of an RFC 9457 problem, with each invalid field's pointer;
    for any other error body, the status and the start of the body (a proxy's HTML page)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "title" not in body:
        text = response.text.strip().replace("\n", " ")[:200]
        return f"HTTP {response.status_code} {response.reason_phrase}" + (
            f": {text}" if text else ""
        )
    line = f"{body.get('status', response.status_code)} {body['title']}"
    if body.get("detail"):
        line += f": {body['detail']}"
    errors = body.get("errors")
    if isinstance(errors, list):
        for error in errors:
            if isinstance(error, dict):
                where = error.get("pointer") or error.get("location") or ""
                line += f"\n  {where}: {error.get('detail', '')}".rstrip()
    return line


@dataclass(frozen=True)
class Api:
    """The gateway at `url` (`/api/v1/...` is appended), called with `token` when given."""

    url: str
    token: str | None
    timeout: float = 60.0

    def _client(self) -> httpx.Client:
        headers = {"User-Agent": "cmdi-cli"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        # Read timeout per chunk, not per download: a long export keeps sending.
        return httpx.Client(
            base_url=f"{self.url.rstrip('/')}/api/v1",
            headers=headers,
            timeout=httpx.Timeout(self.timeout, connect=10.0),
            follow_redirects=False,
        )

    @contextlib.contextmanager
    def stream(
        self, path: str, params: Params = (), headers: Mapping[str, str] | None = None
    ) -> Iterator[httpx.Response]:
        """A GET whose body is read by the caller as it arrives; a non-2xx is a `CliError`."""
        started = False
        with self._client() as client:
            try:
                with client.stream("GET", path, params=list(params), headers=headers) as response:
                    if response.is_error:
                        response.read()
                        raise CliError(describe_problem(response))
                    started = True
                    yield response
            except httpx.TransportError as exc:
                if started:
                    # The server aborts the connection without the final chunk when it fails
                    # mid-stream, so a body that stops early is never taken for a whole one.
                    raise CliError(
                        f"the download broke off before the end ({type(exc).__name__}: {exc}); "
                        "what arrived is incomplete",
                        EXIT_INCOMPLETE,
                    ) from exc
                raise CliError(f"cannot reach {self.url}: {exc}") from exc

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = (),
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One call whose body is small; a non-2xx is a `CliError` (callers that treat some
        status as an answer catch it by `expected`)."""
        with self._client() as client:
            try:
                response = client.request(
                    method, path, params=list(params), json=json, headers=headers
                )
            except httpx.TransportError as exc:
                raise CliError(f"cannot reach {self.url}: {exc}") from exc
        if response.is_error:
            raise CliError(describe_problem(response))
        return response

    def request_or_problem(
        self, method: str, path: str, *, json: Any = None
    ) -> tuple[httpx.Response, str | None]:
        """Like `request`, but a problem answer is returned with its description."""
        with self._client() as client:
            try:
                response = client.request(method, path, json=json)
            except httpx.TransportError as exc:
                raise CliError(f"cannot reach {self.url}: {exc}") from exc
        return response, (describe_problem(response) if response.is_error else None)
