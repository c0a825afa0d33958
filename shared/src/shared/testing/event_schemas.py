"""Checking a service's change feed against its published event catalog: what each service's
event contract test calls after driving its writes (shared.event_contract,
`GET /v1/events/schemas`), and the AST check that no emitted event escapes the catalog."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

# shared/src/shared/testing/event_schemas.py -> the repository root (services/ for the AST check).
ROOT = Path(__file__).resolve().parents[4]
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _rfc3339(value: object) -> bool:
    """RFC 3339 with an offset (the `jsonschema` default needs an extra package for it)."""
    if not isinstance(value, str):
        return True
    parsed = dt.datetime.fromisoformat(value)
    return "T" in value and parsed.tzinfo is not None


async def feed_events(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every event on the service's feed, oldest first, as `GET /v1/events` publishes them."""
    events: list[dict[str, Any]] = []
    after = ""
    while True:
        response = await client.get("/v1/events", params={"after": after, "limit": 200})
        assert response.status_code == 200, response.text
        page = response.json()
        events.extend(page["items"])
        after = page["next_cursor"]
        if not page["has_more"]:
            return events


async def catalog(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/v1/events/schemas")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    Draft202012Validator.check_schema(document["json_schema"])
    return document


def violations(document: dict[str, Any], events: list[dict[str, Any]]) -> list[str]:
    """One line per event its type's schema refuses (or whose type the catalog lacks)."""
    schema = document["json_schema"]
    known = {entry["type"] for entry in document["event_types"]}
    validators: dict[str, Draft202012Validator] = {}
    found: list[str] = []
    for event in events:
        event_type = str(event.get("type"))
        if event_type not in known:
            found.append(f"{event_type}: not in the catalog")
            continue
        validator = validators.get(event_type)
        if validator is None:
            validator = Draft202012Validator(
                {
                    "$schema": schema["$schema"],
                    "$ref": f"#/$defs/event.{event_type}",
                    "$defs": schema["$defs"],
                },
                format_checker=FORMATS,
            )
            validators[event_type] = validator
        error = best_match(validator.iter_errors(event))
        if error is not None:
            found.append(f"{event_type}: {error.json_path}: {error.message[:300]}")
    return sorted(set(found))


def _calls(tree: ast.AST, name: str) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == name) or (
                isinstance(func, ast.Attribute) and func.attr == name
            ):
                yield node


def emitting_sources(service: str) -> dict[str, tuple[set[str], set[str], bool]]:
    """Per module of a service's source: the DomainEvent classes it declares, the `set_action`
    literal actions it gives, and whether it calls `set_action` at all."""
    found: dict[str, tuple[set[str], set[str], bool]] = {}
    for path in sorted((ROOT / "services" / service / "src").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        events: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for keyword in node.keywords:
                    if keyword.arg == "type_" and isinstance(keyword.value, ast.Constant):
                        events.add(str(keyword.value.value))
        actions = {
            str(call.args[1].value)
            for call in _calls(tree, "set_action")
            if len(call.args) == 2 and isinstance(call.args[1], ast.Constant)
        }
        uses = any(True for _ in _calls(tree, "set_action"))
        emits = any(True for _ in _calls(tree, "emit_event"))
        if events or uses or emits:
            found[str(path.relative_to(ROOT))] = (events, actions, uses)
    return found


def undeclared(service: str, document: dict[str, Any]) -> list[str]:
    """What a service's source emits that its catalog lacks: a domain event class not served,
    a literal `set_action` action no row type carries, an `emit_event` given no declared
    event (a keyword `type_=` at the call: the old, untyped form)."""
    types = {entry["type"] for entry in document["event_types"]}
    actions = {t.split(".", 1)[1] for t in types}
    problems: list[str] = []
    for module, (events, literal_actions, _) in emitting_sources(service).items():
        problems += [f"{module}: domain event {t} not in the catalog" for t in events - types]
        problems += [
            f"{module}: set_action {a!r} is no declared row action"
            for a in literal_actions - actions
        ]
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        for call in _calls(tree, "emit_event"):
            if any(k.arg == "type_" for k in call.keywords) or len(call.args) < 2:
                problems.append(f"{module}:{call.lineno}: emit_event without a DomainEvent")
    return problems
