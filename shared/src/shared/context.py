"""Per-request context carried in contextvars (pure ASGI middleware keeps them intact).

The request id, trace parent and caller's bearer token are read here by logging, audit and the
service-to-service HTTP client, so nothing has to thread them through call signatures.
"""

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)
authorization_var: ContextVar[str | None] = ContextVar("authorization", default=None)
actor_var: ContextVar[str | None] = ContextVar("actor", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def current_actor() -> str | None:
    """The verified token subject of the current request, or None outside a request."""
    return actor_var.get()
