"""The nginx configuration is generated from the gateway's routing table and cannot drift: the
committed compose rendering equals a fresh one, every routed collection has a location, the body
limit is the gateway's, retries stay with idempotent methods, and nginx itself accepts it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from gateway.asyncapi import ASYNCAPI_URL
from gateway.routes_table import GATEWAY_BUILT, GATEWAY_COLLECTIONS, ROUTES
from gateway.settings import Settings as GatewaySettings
from scripts import nginx_conf
from scripts.replicas import ensure_nginx
from scripts.services import REPORTING, SERVICES

LOCATION = re.compile(r"location ~ \^/api/v1/([a-z_]+)\(\?:/\|\$\) \{")


def public_collections(text: str) -> list[str]:
    public = text.split("# The ingress", 1)[1].split("\n    }\n", 1)[0]
    return LOCATION.findall(public)


def local_rendering() -> str:
    names = [s.name for s in (*SERVICES, REPORTING)]
    return nginx_conf.render(
        nginx_conf.local_layout(
            public_port=18080,
            gateway_ports=[18100, 18101],
            listener_ports={name: 18001 + n for n, name in enumerate(names)},
            replica_ports={name: [18200 + 2 * n, 18201 + 2 * n] for n, name in enumerate(names)},
        )
    )


def test_the_committed_configuration_is_a_fresh_rendering() -> None:
    committed = nginx_conf.COMMITTED.read_text(encoding="utf-8")
    assert committed == nginx_conf.render(nginx_conf.compose_layout())
    assert nginx_conf.main(["--check"]) == 0


def test_every_routed_collection_has_a_location_and_nothing_else_does() -> None:
    for text in (nginx_conf.COMMITTED.read_text(encoding="utf-8"), local_rendering()):
        located = public_collections(text)
        assert sorted(located) == sorted({*ROUTES, *GATEWAY_BUILT})
        # Reserved for the gateway but not built: nginx answers those 404 itself.
        assert not (GATEWAY_COLLECTIONS - GATEWAY_BUILT) & set(located)
        for document in ("/api/openapi.json", ASYNCAPI_URL, "/api/docs"):
            assert f"location = {document} {{" in text


def test_every_service_has_an_upstream_and_an_internal_listener() -> None:
    text = local_rendering()
    for service in (*SERVICES, REPORTING):
        assert f"upstream {service.name} {{" in text
        assert f"# {service.name}: its callers' SERVICE_URLS__{service.name.upper()}." in text
    assert re.search(
        r"upstream gateway \{\n(\s+server 127\.0\.0\.1:1810[01] max_fails=0;\n){2}", text
    )


def test_the_body_limit_is_the_gateways_and_retries_are_for_idempotent_methods_only() -> None:
    text = nginx_conf.COMMITTED.read_text(encoding="utf-8")
    limit = GatewaySettings.model_fields["max_body_bytes"].default
    public = text.split("# The ingress", 1)[1]
    assert f"client_max_body_size {limit};" in public.split("location", 1)[0]
    assert f"The body exceeds {limit} bytes." in public
    # nginx's default leaves POST, PATCH and LOCK out once sent; `non_idempotent` would not.
    [retry] = re.findall(r"proxy_next_upstream [^;]*;", text)
    assert retry == "proxy_next_upstream error timeout http_502 http_503;"
    assert "non_idempotent" not in text


def test_nginx_accepts_the_rendering(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "tmp").mkdir()
    (tmp_path / "nginx.conf").write_text(local_rendering(), encoding="utf-8")
    checked = subprocess.run(
        [ensure_nginx(), "-t", "-p", str(tmp_path), "-c", "nginx.conf"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
