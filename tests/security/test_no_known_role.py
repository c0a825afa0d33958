"""A verified token whose roles claim is missing, empty, malformed or holds no known role may do
nothing: 403 `no-known-role` on every `/v1` operation of every service, before any validation
or lookup (issue #9 item 2)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import jwt
import pytest
from fastapi import FastAPI

from shared.testing import TEST_AUDIENCE, TEST_ISSUER, TEST_KEY, api_client

NO_KNOWN_ROLE = "https://cmdi.example/problems/no-known-role"
SERVICES = ("projects", "assessment", "stakeholders")
ROLE_CLAIMS: dict[str, Any] = {
    "missing": None,
    "empty list": [],
    "empty string": "",
    "unknown role": ["auditor"],
    "unknown roles, space-separated": "auditor offline_access",
    "not a list": {"admin": True},
    "list holding a non-string": ["admin", 1],
    "a number": 7,
}


def _token(roles: Any) -> str:
    """A correctly signed token with `roles` as its roles claim (absent when None)."""
    claims: dict[str, Any] = {
        "sub": "nobody-in-particular",
        "iss": TEST_ISSUER,
        "aud": TEST_AUDIENCE,
        "exp": 4_102_444_800,  # 2100
    }
    if roles is not None:
        claims["roles"] = roles
    return jwt.encode(claims, TEST_KEY, algorithm="HS256")


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if path.startswith("/v1/")
    ]


def _assert_refused(response: Any, where: str) -> None:
    assert response.status_code == 403, (where, response.text)
    assert response.json()["type"] == NO_KNOWN_ROLE, (where, response.text)


@pytest.mark.parametrize("claim", ROLE_CLAIMS, ids=list(ROLE_CLAIMS))
@pytest.mark.parametrize("service", SERVICES)
async def test_every_collection_refuses_a_token_without_a_known_role(
    service: str, claim: str, all_apps: dict[str, FastAPI]
) -> None:
    app = all_apps[service]
    collections = [path for method, path in _operations(app) if method == "GET" and "{" not in path]
    assert collections
    async with api_client(app, token=_token(ROLE_CLAIMS[claim])) as api:
        for path in collections:
            _assert_refused(await api.get(path), f"GET {path}")


@pytest.mark.parametrize("service", SERVICES)
async def test_every_operation_refuses_it_before_validation(
    service: str, all_apps: dict[str, FastAPI]
) -> None:
    """Random ids and an empty body: the refusal comes before any 404 or 422."""
    app = all_apps[service]
    async with api_client(app, token=_token([])) as api:
        for method, path in _operations(app):
            url = re.sub(r"\{\w+\}", lambda _: str(uuid.uuid4()), path)
            body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
            _assert_refused(await api.request(method, url, json=body), f"{method} {path}")


@pytest.mark.parametrize("service", SERVICES)
async def test_an_unknown_role_beside_a_known_one_is_ignored(
    service: str, all_apps: dict[str, FastAPI]
) -> None:
    collection = {"projects": "/v1/projects", "assessment": "/v1/frameworks"}
    path = collection.get(service, "/v1/organisations")
    async with api_client(all_apps[service], token=_token(["viewer", "auditor"])) as api:
        assert (await api.get(path)).status_code == 200
        # The unknown role grants nothing: a viewer still cannot write.
        assert (await api.post(path, json={})).status_code == 403
