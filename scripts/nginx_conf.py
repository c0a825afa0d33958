"""Render nginx's configuration (the ingress and one internal listener per service) from the
gateway's routing table, so the routes nginx lets in cannot drift from the routes the gateway
serves.

nginx plays two parts, as a cluster's ingress and its Services would:

- the public server, in front of the gateway replicas (`upstream gateway`), with a location for
  each collection under `/api/v1/` that the gateway routes (`gateway.routes_table.ROUTES`) or
  serves itself (`GATEWAY_BUILT`: the merged feed and audit trail), the OpenAPI document and its
  docs page, and `/healthz` and `/readyz`; everything else is a 404 problem;
- an internal listener per service (`upstream <service>`), which the gateway and the services use
  as their `*_SERVICE_URLS__*` to reach whichever replica is up.

Both keep the platform's conventions: bodies above the gateway's limit are a 413 problem before
they reach a process, a request with no process left to answer is a 503 problem with
`Retry-After` (502 when a process broke off its answer, 504 on a timeout), every problem body is
RFC 9457 `application/problem+json`, and `X-Request-ID` is the client's when it is well formed,
else nginx's `$request_id`. A failed attempt goes to the next replica only for the methods nginx
treats as idempotent (its default: POST, PATCH and LOCK are never resent once sent); a POST with
an Idempotency-Key is resent by its client, who gets a 502 it knows is safe to retry.

    python -m scripts.nginx_conf --write   # deploy/nginx/nginx.conf, the compose rendering
    python -m scripts.nginx_conf --check   # exit 1 if the committed file is stale

The replica suite renders the same template with 127.0.0.1 ports (`local_layout`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gateway.asyncapi import ASYNCAPI_URL
from gateway.proxy import UnknownCollection
from gateway.routes_table import API_PREFIX, GATEWAY_BUILT, ROUTES, UPSTREAMS
from gateway.settings import Settings as GatewaySettings
from scripts.services import GATEWAY, REPORTING, ROOT, SERVICES
from shared.http import BadGateway, UpstreamTimeout, UpstreamUnavailable
from shared.problems import NotFound, problem_type, status_problem_type
from shared.settings import BaseProcessSettings

COMMITTED = ROOT / "deploy" / "nginx" / "nginx.conf"
# The port the compose ingress listens on: above 1024, so an unprivileged nginx image works too.
COMPOSE_PUBLIC_PORT = 8080
RETRY_AFTER_SECONDS = 5
# Below uvicorn's 5 s keep-alive, as the gateway's own pool is (gateway.settings): nginx drops an
# idle upstream connection before the process does, so it never writes onto a closing socket.
UPSTREAM_KEEPALIVE_SECONDS = 4
# `max_fails=0`: nginx never sets a replica aside after a failure, it tries it again on the next
# request. Otherwise, once every replica had failed within `fail_timeout` (a service restarting
# while its consumers poll it every second), the first request after they are back would get
# "no live upstreams" without a try. A refused connection costs a fraction of a millisecond
# before nginx moves on to the next replica.
MAX_FAILS = 0
CONNECT_TIMEOUT_SECONDS = 2
# Above the gateway's own read timeout (30 s by default), so its 504 problem (which says whether
# a write may still apply) reaches the client rather than nginx's.
READ_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Listener:
    """One internal listener: where nginx listens for `name` and the replicas behind it."""

    name: str
    listen: str
    servers: tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    """Everything that differs between the compose rendering and a test's rendering."""

    public_listen: str
    gateway_servers: tuple[str, ...]
    listeners: tuple[Listener, ...]
    pid: str
    error_log: str
    access_log: str
    worker_processes: str = "auto"
    # nginx's temporary files (bodies, buffered answers); None keeps the build's defaults.
    temp_dir: str | None = None
    # Set when the master runs as root in a test, so the workers can write the prefix's files.
    user: str | None = None
    read_timeout: int = READ_TIMEOUT_SECONDS


def proxied_collections() -> list[str]:
    """Every collection under `/api/v1/` the public server passes to the gateway, in order."""
    routed = [name for name in ROUTES if ROUTES[name] in UPSTREAMS]
    return routed + sorted(GATEWAY_BUILT - set(routed))


def compose_layout() -> Layout:
    """deploy/compose.yaml's names: each process is reached by its service name on its
    `make run` port, and Docker's resolver returns every replica of a scaled service."""
    return Layout(
        public_listen=str(COMPOSE_PUBLIC_PORT),
        gateway_servers=(f"{GATEWAY.name}:{GATEWAY.port}",),
        listeners=tuple(
            Listener(s.name, str(s.port), (f"{s.name}:{s.port}",)) for s in (*SERVICES, REPORTING)
        ),
        pid="/tmp/nginx.pid",
        error_log="stderr",
        access_log="/dev/stdout",
    )


def local_layout(
    *,
    public_port: int,
    gateway_ports: Sequence[int],
    listener_ports: Mapping[str, int],
    replica_ports: Mapping[str, Sequence[int]],
    user: str | None = None,
    host: str = "127.0.0.1",
    read_timeout: int = READ_TIMEOUT_SECONDS,
) -> Layout:
    """A rendering for one machine (the replica suite): every port on `host`; files relative to
    nginx's prefix (`nginx -p <dir>`), which holds `logs/` and `tmp/`."""
    return Layout(
        public_listen=f"{host}:{public_port}",
        gateway_servers=tuple(f"{host}:{port}" for port in gateway_ports),
        listeners=tuple(
            Listener(name, f"{host}:{listener_ports[name]}", tuple(f"{host}:{p}" for p in ports))
            for name, ports in replica_ports.items()
        ),
        pid="nginx.pid",
        error_log="logs/error.log",
        access_log="logs/access.log",
        worker_processes="1",
        temp_dir="tmp",
        user=user,
        read_timeout=read_timeout,
    )


def _nginx_string(text: str) -> str:
    """`text` as a single-quoted nginx string (only `'` and `\\` need escaping)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _problem_body(status: int, type_: str, title: str, detail: str) -> str:
    # The request id is the only variable part, and the map below lets only [A-Za-z0-9._:-]
    # into it, so it cannot break the JSON.
    fields = {"type": type_, "title": title, "status": status, "detail": detail}
    encoded = json.dumps(fields, separators=(",", ":"))
    return encoded[:-1] + ',"request_id":"$cmdi_request_id"}'


def _problem_answer(
    indent: str,
    status: int,
    type_: str,
    title: str,
    detail: str,
    *,
    retry_after: bool = False,
    in_if: bool = False,
) -> list[str]:
    """The headers and `return` of a problem nginx answers itself (inside an `if`, the media
    type is the enclosing location's: nginx allows no `default_type` there)."""
    lines = [] if in_if else [f"{indent}default_type application/problem+json;"]
    lines += [
        f"{indent}add_header X-Request-ID $cmdi_request_id always;",
        f"{indent}add_header Cache-Control no-store always;",
    ]
    if retry_after:
        lines.append(f"{indent}add_header Retry-After {RETRY_AFTER_SECONDS} always;")
    body = _nginx_string(_problem_body(status, type_, title, detail))
    return [*lines, f"{indent}return {status} {body};"]


def _problem_location(
    name: str, status: int, type_: str, title: str, detail: str, *, retry_after: bool = False
) -> list[str]:
    return [
        f"        location {name} {{",
        *_problem_answer(" " * 12, status, type_, title, detail, retry_after=retry_after),
        "        }",
    ]


def _error_pages(what: str, body_limit: int) -> list[str]:
    """The problems nginx answers itself, for a server in front of `what`."""
    unavailable = UpstreamUnavailable.type_uri()
    unreached = f"No {what} replica could be reached."
    lines = [
        "        error_page 400 = @problem_400;",
        "        error_page 408 = @problem_408;",
        "        error_page 413 = @problem_413;",
        "        error_page 414 = @problem_414;",
        "        error_page 494 = @problem_494;",
        "        error_page 500 = @problem_500;",
        "        error_page 502 = @problem_502;",
        "        error_page 503 = @problem_503;",
        "        error_page 504 = @problem_504;",
        *_problem_location(
            "@problem_400",
            400,
            status_problem_type(400),
            "Bad request",
            "The request is not valid HTTP.",
        ),
        *_problem_location(
            "@problem_408",
            408,
            problem_type("request-timeout"),
            "Request timeout",
            "The request was not received in time.",
        ),
        *_problem_location(
            "@problem_413",
            413,
            status_problem_type(413),
            "Payload too large",
            f"The body exceeds {body_limit} bytes.",
        ),
        *_problem_location(
            "@problem_414",
            414,
            problem_type("uri-too-long"),
            "URI too long",
            "The request line is too long.",
        ),
        # nginx's own code for headers above its buffers; the client sees 431.
        *_problem_location(
            "@problem_494",
            431,
            problem_type("request-header-fields-too-large"),
            "Request header fields too large",
            "A request header is too large.",
        ),
        *_problem_location(
            "@problem_500",
            500,
            status_problem_type(500),
            "Internal error",
            "The ingress failed to handle the request.",
        ),
        # nginx says 502 both when no replica took the connection and when one broke off its
        # answer: only the second may have acted, so the first is the platform's 503.
        "        location @problem_502 {",
        "            if ($cmdi_upstream_unreached) {",
        *_problem_answer(
            " " * 16,
            503,
            unavailable,
            UpstreamUnavailable.title,
            unreached,
            retry_after=True,
            in_if=True,
        ),
        "            }",
        *_problem_answer(
            " " * 12,
            502,
            BadGateway.type_uri(),
            BadGateway.title,
            f"The {what} broke off its answer; a write may have been applied: retry with"
            " the same Idempotency-Key, or read the resource before writing again.",
        ),
        "        }",
        *_problem_location(
            "@problem_503",
            503,
            unavailable,
            UpstreamUnavailable.title,
            unreached,
            retry_after=True,
        ),
        *_problem_location(
            "@problem_504",
            504,
            UpstreamTimeout.type_uri(),
            UpstreamTimeout.title,
            f"The {what} did not answer in time. A write may still be applied: retry with the"
            " same Idempotency-Key, or read the resource before writing again.",
        ),
    ]
    return lines


def _upstream(name: str, servers: Sequence[str]) -> list[str]:
    return [
        f"    upstream {name} {{",
        *(f"        server {server} max_fails={MAX_FAILS};" for server in servers),
        "        keepalive 32;",
        f"        keepalive_timeout {UPSTREAM_KEEPALIVE_SECONDS}s;",
        "    }",
    ]


def _proxy(upstream: str, *, streaming: bool = False) -> list[str]:
    lines = [f"            proxy_pass http://{upstream};"]
    if streaming:
        # Datasets and bundles stream as they are written: relay each chunk at once, and let a
        # caller who leaves stop the work behind it.
        lines.append("            proxy_buffering off;")
    return lines


def _public_server(layout: Layout, body_limit: int) -> list[str]:
    lines = [
        "    # The ingress: the public API, in front of the gateway replicas.",
        "    server {",
        f"        listen {layout.public_listen};",
        f"        client_max_body_size {body_limit};",
    ]
    for collection in proxied_collections():
        lines += [
            f"        location ~ ^{API_PREFIX}/v1/{collection}(?:/|$) {{",
            *_proxy("gateway", streaming=collection == "exports"),
            "        }",
        ]
    # The documents the gateway composes itself (OpenAPI, AsyncAPI, docs) and its probes.
    for path in (
        f"{API_PREFIX}/openapi.json",
        ASYNCAPI_URL,
        f"{API_PREFIX}/docs",
        "/healthz",
        "/readyz",
    ):
        lines += [f"        location = {path} {{", *_proxy("gateway"), "        }"]
    not_found = _problem_body(
        404,
        UnknownCollection.type_uri(),
        UnknownCollection.title,
        "There is no API collection at this path.",
    )
    elsewhere = _problem_body(404, NotFound.type_uri(), NotFound.title, "Nothing is served here.")
    lines += [
        # After the collections' regexes, so it takes only what none of them matched.
        f"        location ~ ^{API_PREFIX}/v1(?:/|$) {{",
        "            default_type application/problem+json;",
        "            add_header X-Request-ID $cmdi_request_id always;",
        f"            return 404 {_nginx_string(not_found)};",
        "        }",
        "        location / {",
        "            default_type application/problem+json;",
        "            add_header X-Request-ID $cmdi_request_id always;",
        f"            return 404 {_nginx_string(elsewhere)};",
        "        }",
        *_error_pages("gateway", body_limit),
        "    }",
    ]
    return lines


def _internal_server(listener: Listener, body_limit: int) -> list[str]:
    return [
        f"    # {listener.name}: its callers' SERVICE_URLS__{listener.name.upper()}.",
        "    server {",
        f"        listen {listener.listen};",
        f"        client_max_body_size {body_limit};",
        "        location / {",
        *_proxy(listener.name),
        "        }",
        # A regex, not the prefix `/v1/exports/`: nginx would answer `/v1/exports` (the
        # dictionary) with a redirect to the prefix.
        "        location ~ ^/v1/exports(?:/|$) {",
        *_proxy(listener.name, streaming=True),
        "        }",
        *_error_pages(f"{listener.name} service", body_limit),
        "    }",
    ]


def render(layout: Layout) -> str:
    """The whole nginx.conf for `layout`."""
    gateway_limit = GatewaySettings.model_fields["max_body_bytes"].default
    service_limit = BaseProcessSettings.model_fields["max_body_bytes"].default
    assert isinstance(gateway_limit, int)
    assert isinstance(service_limit, int)
    log_format = json.dumps(
        {
            "time": "$time_iso8601",
            "listener": "$server_port",
            "request_id": "$cmdi_request_id",
            "method": "$request_method",
            "uri": "$request_uri",
            "status": "$status",
            "upstream": "$upstream_addr",
            "upstream_status": "$upstream_status",
            "request_time": "$request_time",
        },
        separators=(",", ":"),
    )
    lines = [
        "# Generated by scripts/nginx_conf.py from services/gateway/src/gateway/routes_table.py:",
        "# do not edit; run `python -m scripts.nginx_conf --write`.",
    ]
    if layout.user is not None:
        lines.append(f"user {layout.user};")
    lines += [
        f"worker_processes {layout.worker_processes};",
        f"pid {layout.pid};",
        f"error_log {layout.error_log} warn;",
        "",
        "events {",
        "    worker_connections 1024;",
        "}",
        "",
        "http {",
        "    server_tokens off;",
        "    default_type application/octet-stream;",
        f"    log_format cmdi escape=json {_nginx_string(log_format)};",
        f"    access_log {layout.access_log} cmdi;",
    ]
    if layout.temp_dir is not None:
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            lines.append(f"    {kind}_temp_path {layout.temp_dir}/{kind};")
    lines += [
        "",
        "    # The client's request id when it is one the platform accepts, else nginx's own.",
        "    map $http_x_request_id $cmdi_request_id {",
        '        "~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;',
        "        default $request_id;",
        "    }",
        "    # No byte reached any replica: nothing can have acted on the request.",
        "    map $upstream_bytes_sent $cmdi_upstream_unreached {",
        '        "~^[0, ]*$" 1;',
        "        default 0;",
        "    }",
        "    map $http_host $cmdi_host {",
        '        "" $host;',
        "        default $http_host;",
        "    }",
        "",
        "    proxy_http_version 1.1;",
        '    proxy_set_header Connection "";',
        "    proxy_set_header Host $cmdi_host;",
        "    proxy_set_header X-Request-ID $cmdi_request_id;",
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "    proxy_set_header X-Forwarded-Proto $scheme;",
        "    # Another replica, only for methods nginx may resend (not POST, PATCH or LOCK once",
        "    # sent: a POST with an Idempotency-Key is resent by its client).",
        "    proxy_next_upstream error timeout http_502 http_503;",
        f"    proxy_connect_timeout {CONNECT_TIMEOUT_SECONDS}s;",
        f"    proxy_read_timeout {layout.read_timeout}s;",
        f"    proxy_send_timeout {layout.read_timeout}s;",
        "",
        *_upstream("gateway", layout.gateway_servers),
    ]
    for listener in layout.listeners:
        lines += _upstream(listener.name, listener.servers)
    lines += ["", *_public_server(layout, gateway_limit)]
    for listener in layout.listeners:
        lines += ["", *_internal_server(listener, service_limit)]
    lines += ["}", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help=f"write {COMMITTED}")
    action.add_argument("--check", action="store_true", help="exit 1 if it is stale")
    args = parser.parse_args(argv)
    fresh = render(compose_layout())
    path = Path(COMMITTED)
    if args.write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(fresh, encoding="utf-8")
        return 0
    if not path.exists() or path.read_text(encoding="utf-8") != fresh:
        print(f"{path} is stale: run `python -m scripts.nginx_conf --write`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
