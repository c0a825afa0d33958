"""OpenAPI post-processing: every error response is documented as problem+json.

FastAPI documents validation errors with its own `HTTPValidationError`; we answer with RFC 9457
problems, so the document says so, and lists the errors every `/v1` route can give (401, 403,
422, 500, 503; 413/415 where there is a body) beside each route's own.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.problems import PROBLEM_CONTENT_TYPE, FieldError, Problem, status_problem_type

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Set in a route's `openapi_extra` when it takes no bearer token (the OAuth token endpoint, its
# public keys): no security requirement, and the error bodies it declares itself (RFC 6749's
# JSON errors) are kept as declared instead of being documented as problems.
PUBLIC_OPERATION = "x-cmdi-public"
_DESCRIPTIONS = {
    401: "Missing, expired or invalid bearer token",
    403: "The caller's roles do not allow this",
    404: "No such resource",
    412: "If-Match does not match the current ETag",
    413: "The body is too large",
    415: "The body is not JSON",
    422: "Invalid input (an unknown query parameter too); `errors` points at each field",
    500: "Unexpected error (a bug); quote `request_id`",
    503: "A dependency is unavailable; retry after `Retry-After`",
}


def _problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or _DESCRIPTIONS.get(status, "Problem"),
        "content": {PROBLEM_CONTENT_TYPE: {"schema": _PROBLEM_REF}},
    }


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["Problem"].pop("$defs", None)
    schemas["FieldError"] = FieldError.model_json_schema()
    schemas["Problem"]["properties"]["errors"] = {
        "anyOf": [
            {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
            {"type": "null"},
        ]
    }
    schemas["Problem"]["example"] = {
        "type": status_problem_type(404),
        "title": "Resource not found",
        "status": 404,
        "detail": "No project with this id.",
        "instance": "/v1/projects/0190e6c1-0000-7000-8000-000000000000",
        "request_id": "5f0c6a52-2c3e-4f7e-9a3c-0b8e6f7f1d2a",
    }
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    components.setdefault("securitySchemes", {})["bearerAuth"] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }

    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            # Kept in the document (not popped), so the gateway, which runs this again over the
            # merged document, still leaves the public operations' own error bodies alone.
            public = bool(operation.get(PUBLIC_OPERATION, False))
            for code, response in list(responses.items()):
                if public and response.get("content"):
                    continue
                if code.isdigit() and int(code) >= 400:
                    response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": _PROBLEM_REF}}
                    if response.get("description") in (
                        "Validation Error",
                        "Successful Response",
                        None,
                    ):
                        response["description"] = _DESCRIPTIONS.get(int(code), "Problem")
            if not path.startswith("/v1/"):
                continue
            operation["security"] = [] if public else [{"bearerAuth": []}]
            # 422 on every route: each refuses an unknown query parameter (shared.parameters).
            statuses = [422, 500, 503] if public else [401, 403, 422, 500, 503]
            if method in ("post", "put", "patch"):
                statuses += [413] if public else [413, 415]
            for status in statuses:
                responses.setdefault(str(status), _problem_response(status))
    return schema


def install_problem_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = document_problems(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
