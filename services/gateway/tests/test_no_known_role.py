"""Through the gateway, a token with no known role is refused (403) on its own route (the merged
change feed) and on every proxied collection: each service refuses it itself (issue #9 item 2)."""

from __future__ import annotations

import httpx
import jwt
import pytest

from shared.testing import TEST_AUDIENCE, TEST_ISSUER, TEST_KEY


def roleless(roles: object) -> dict[str, str]:
    claims = {"sub": "nobody", "iss": TEST_ISSUER, "aud": TEST_AUDIENCE, "exp": 4_102_444_800}
    if roles is not None:
        claims["roles"] = roles
    return {"Authorization": f"Bearer {jwt.encode(claims, TEST_KEY, algorithm='HS256')}"}


@pytest.mark.parametrize("roles", [None, [], ["auditor"], {"admin": True}])
@pytest.mark.parametrize(
    "path", ["/api/v1/events", "/api/v1/projects", "/api/v1/frameworks", "/api/v1/stakeholders"]
)
async def test_a_token_without_a_known_role_is_refused(
    gateway: httpx.AsyncClient, path: str, roles: object
) -> None:
    # Generous: the first request may meet services still warming up on a loaded machine.
    response = await gateway.get(path, headers=roleless(roles), timeout=60.0)
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
