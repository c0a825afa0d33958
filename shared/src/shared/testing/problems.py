"""The one assertion for problem+json responses, used by every suite."""

from __future__ import annotations

from typing import Any

import httpx

from shared.problems import PROBLEM_CONTENT_TYPE, problem_type


def assert_problem(
    response: httpx.Response, status: int, slug: str | None = None
) -> dict[str, Any]:
    """Assert an RFC 9457 response of this status (and problem type, when `slug` is given),
    with a title and the request id of its `X-Request-ID` header; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE, response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status, body
    assert body.get("title"), body
    if slug is not None:
        assert body["type"] == problem_type(slug), body
    if body.get("request_id") and "x-request-id" in response.headers:
        assert body["request_id"] == response.headers["x-request-id"], body
    return body
