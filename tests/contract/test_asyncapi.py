"""The events' AsyncAPI document (`/api/asyncapi.json`, snapshot `openapi/asyncapi.json`) is a
valid AsyncAPI 3.0 document by the specification's own JSON Schema (vendored from
`@asyncapi/specs`, tests/contract/asyncapi/README.md), every reference in it resolves, every
payload is a valid JSON Schema 2020-12, and it carries every event type of every feed service,
on both channels."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator

from scripts.openapi import SNAPSHOTS

SPEC = Path(__file__).resolve().parent / "asyncapi" / "asyncapi-3.0.0.schema.json"


@cache
def _validator() -> Draft7Validator:
    return Draft7Validator(json.loads(SPEC.read_text(encoding="utf-8")))


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SNAPSHOTS / "asyncapi.json").read_text())
    return document


def _errors(document: dict[str, Any]) -> list[str]:
    return [f"{e.json_path}: {e.message[:200]}" for e in _validator().iter_errors(document)]


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [
            r for v in node.values() for r in _refs(v)
        ]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_document_is_valid_asyncapi_3() -> None:
    document = _document()
    assert document["asyncapi"] == "3.0.0"
    assert _errors(document) == []


def test_the_specification_schema_refuses_a_broken_document() -> None:
    """The check above could fail: the vendored schema looks deep into the document."""
    document = _document()
    broken = copy.deepcopy(document)
    broken["operations"]["publishChangeFeed"]["action"] = "poll"
    message = next(iter(broken["components"]["messages"].values()))
    message["payload"] = {"type": 5}
    del broken["info"]["version"]
    found = " ".join(_errors(broken))
    assert "publishChangeFeed" in found and "version" in found
    assert "payload" in found or "messages" in found


def test_every_reference_resolves_and_every_schema_is_json_schema_2020_12() -> None:
    document = _document()
    for ref in set(_refs(document)):
        assert ref.startswith("#/"), ref
        _resolve(document, ref)
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema), name


def test_both_channels_carry_every_feed_services_event_types() -> None:
    document = _document()
    feed = document["channels"]["changeFeed"]["messages"]
    webhooks = document["channels"]["webhooks"]["messages"]
    services = {key.split(".", 1)[0] for key in feed}
    assert services == {"projects", "assessment", "stakeholders", "integrations"}
    assert set(webhooks) == set(feed) | {"webhook.test"}
    assert {"assessment.decision.recorded", "projects.project.created"} <= set(feed)
    operations = document["operations"]
    assert len(operations["publishChangeFeed"]["messages"]) == len(feed)
    assert len(operations["deliverWebhooks"]["messages"]) == len(webhooks)
    headers = _resolve(
        document, document["components"]["messages"]["webhook.webhook.test"]["headers"]["$ref"]
    )
    assert headers["required"] == ["webhook-id", "webhook-timestamp", "webhook-signature"]
