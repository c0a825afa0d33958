"""`GET /api/asyncapi.json`: the platform's events as one AsyncAPI 3.0 document.

Each service publishes its event catalog at `GET /v1/events/schemas` (shared.event_contract:
built from the code that emits the events, a JSON Schema per type). The gateway merges them, as
it merges the OpenAPI documents, into two channels: the change feed (`GET /api/v1/events`, each
message a feed event) and the webhooks (each message the `{"type", "timestamp", "data"}` body the
integrations service POSTs, with the Standard Webhooks headers). The payload schemas are the
services' own, their `$defs` moved under `components.schemas` as `<service>.<name>`; they use
only keywords JSON Schema 2020-12 and the AsyncAPI Schema Object share. A service that is down is
left out and named in `info`, and such a partial document is cached only briefly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter

from gateway.documents import ComposedDocument, Document
from gateway.routes_table import FEEDS

ASYNCAPI_URL = "/api/asyncapi.json"
ASYNCAPI_VERSION = "3.0.0"
_DEFS = "#/$defs/"
_SCHEMAS = "#/components/schemas/"
# The delivery the integrations service sends for `POST /api/v1/webhooks/{id}/test`: not a feed
# event, so in no service's catalog (integrations_service.webhooks.service.send_test).
TEST_EVENT = "webhook.test"


WEBHOOK_HEADERS: Document = {
    "type": "object",
    "description": "Standard Webhooks 1.0: verify with the `standardwebhooks` library.",
    "properties": {
        "webhook-id": {
            "type": "string",
            "description": "The delivery's id, the same on every retry: de-duplicate on it.",
        },
        "webhook-timestamp": {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "Seconds since the epoch when this attempt was signed.",
        },
        "webhook-signature": {
            "type": "string",
            "pattern": "^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$",
            "description": (
                "Space-separated `v1,<base64 HMAC-SHA256>` signatures of"
                " `<id>.<timestamp>.<body>`: two while a rotated secret overlaps."
            ),
        },
    },
    "required": ["webhook-id", "webhook-timestamp", "webhook-signature"],
}

TEST_PAYLOAD: Document = {
    "type": "object",
    "properties": {
        "type": {"const": TEST_EVENT},
        "timestamp": {"type": "string", "format": "date-time"},
        "data": {
            "type": "object",
            "properties": {
                "webhook_id": {"type": "string", "format": "uuid"},
                "sent_at": {"type": "string", "format": "date-time"},
            },
            "required": ["webhook_id", "sent_at"],
            "additionalProperties": False,
        },
    },
    "required": ["type", "timestamp", "data"],
    "additionalProperties": False,
}


def _rewrite(node: Any, service: str) -> Any:
    """`#/$defs/<name>` → `#/components/schemas/<service>.<name>`, everywhere in `node`."""
    if isinstance(node, dict):
        return {
            key: (
                _SCHEMAS + f"{service}.{value[len(_DEFS) :]}"
                if key == "$ref" and isinstance(value, str) and value.startswith(_DEFS)
                else _rewrite(value, service)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite(item, service) for item in node]
    return node


def _key(service: str, event_type: str) -> str:
    return f"{service}.{event_type}"


def asyncapi_document(
    catalogs: Mapping[str, Mapping[str, Any]], *, version: str, unavailable: list[str]
) -> Document:
    """Merge the services' catalogs (service name → its `/v1/events/schemas`) into AsyncAPI."""
    schemas: dict[str, Any] = {"StandardWebhooksHeaders": WEBHOOK_HEADERS}
    messages: dict[str, Any] = {}
    feed: dict[str, Any] = {}
    webhooks: dict[str, Any] = {}
    for service in sorted(catalogs):
        catalog = catalogs[service]
        for name, schema in catalog["json_schema"]["$defs"].items():
            schemas[f"{service}.{name}"] = _rewrite(schema, service)
        for entry in catalog["event_types"]:
            event_type = entry["type"]
            key = _key(service, event_type)
            envelope = {"$ref": _SCHEMAS + f"{service}.event.{event_type}"}
            common = {
                "name": event_type,
                "title": event_type,
                "summary": entry["description"],
                "contentType": "application/json",
                "tags": [{"name": service}, *({"name": kind} for kind in entry["kinds"])],
            }
            messages[f"feed.{key}"] = {**common, "payload": envelope}
            messages[f"webhook.{key}"] = {
                **common,
                "headers": {"$ref": _SCHEMAS + "StandardWebhooksHeaders"},
                "payload": {
                    "type": "object",
                    "properties": {
                        "type": {"const": event_type},
                        "timestamp": {
                            "type": "string",
                            "format": "date-time",
                            "description": "The event's `occurred_at`.",
                        },
                        "data": envelope,
                    },
                    "required": ["type", "timestamp", "data"],
                    "additionalProperties": False,
                },
            }
            feed[key] = {"$ref": f"#/components/messages/feed.{key}"}
            webhooks[key] = {"$ref": f"#/components/messages/webhook.{key}"}
    messages[f"webhook.{TEST_EVENT}"] = {
        "name": TEST_EVENT,
        "title": TEST_EVENT,
        "summary": "Sent by `POST /api/v1/webhooks/{id}/test` to that endpoint alone.",
        "contentType": "application/json",
        "headers": {"$ref": _SCHEMAS + "StandardWebhooksHeaders"},
        "payload": TEST_PAYLOAD,
    }
    webhooks[TEST_EVENT] = {"$ref": f"#/components/messages/webhook.{TEST_EVENT}"}

    description = (
        "Every event the CMDI platform publishes: on the change feed (`GET /api/v1/events`,"
        " polled with `after=next_cursor`, at least once, each entity's events in order) and as"
        " signed webhooks (`/api/v1/webhooks`). Each service's own catalog, with one JSON Schema"
        " (2020-12) for its events, is at `GET /v1/events/schemas` on that service."
    )
    info: Document = {"title": "CMDI platform events", "version": version}
    if unavailable:
        description += (
            f" Incomplete: {', '.join(unavailable)} did not answer; their events are missing."
        )
        info["x-unavailable-services"] = list(unavailable)
    info["description"] = description
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:cmdi:platform:events",
        "info": info,
        "defaultContentType": "application/json",
        "servers": {
            "gateway": {
                "host": "127.0.0.1:8000",
                "protocol": "http",
                "pathname": "/api/v1",
                "description": "The gateway under `make run`; your deployment's host elsewhere.",
            }
        },
        "channels": {
            "changeFeed": {
                "address": "/events",
                "title": "The change feed",
                "description": (
                    "`GET /api/v1/events?after=<cursor>&type=<type>` (roles `service`,"
                    " `reporter`, `admin`) answers `{items, next_cursor, has_more}`; each item"
                    " is one of these messages."
                ),
                "servers": [{"$ref": "#/servers/gateway"}],
                "messages": feed,
            },
            "webhooks": {
                "address": None,
                "title": "Webhooks",
                "description": (
                    "POSTed to each endpoint registered at `/api/v1/webhooks` whose `event_types`"
                    " match, retried on the Svix schedule; `data` is the feed event."
                ),
                "messages": webhooks,
            },
        },
        "operations": {
            "publishChangeFeed": {
                "action": "send",
                "title": "Publish the change feed",
                "summary": "Served to pollers of `GET /api/v1/events`.",
                "channel": {"$ref": "#/channels/changeFeed"},
                "messages": [{"$ref": f"#/channels/changeFeed/messages/{k}"} for k in feed],
                "bindings": {"http": {"method": "GET", "bindingVersion": "0.3.0"}},
            },
            "deliverWebhooks": {
                "action": "send",
                "title": "Deliver webhooks",
                "summary": "POSTed by the integrations service; a 2xx within 15 s is success.",
                "channel": {"$ref": "#/channels/webhooks"},
                "messages": [{"$ref": f"#/channels/webhooks/messages/{k}"} for k in webhooks],
                "bindings": {"http": {"method": "POST", "bindingVersion": "0.3.0"}},
            },
        },
        "components": {"schemas": dict(sorted(schemas.items())), "messages": messages},
    }


class AsyncAPIAggregator(ComposedDocument):
    """The feed services' event catalogs merged into one AsyncAPI document."""

    path = "/v1/events/schemas"
    services = FEEDS
    as_service = True  # the catalog is the same for every caller, and cached

    def merge(self, documents: dict[str, Document], unavailable: list[str]) -> Document:
        return asyncapi_document(documents, version=self.version, unavailable=unavailable)


def asyncapi_router(aggregator: AsyncAPIAggregator) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(ASYNCAPI_URL)
    async def get_api_asyncapi() -> dict[str, Any]:
        return await aggregator.document()

    return router
