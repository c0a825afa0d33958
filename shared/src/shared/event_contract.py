"""The event contract: every event type a service publishes, with its JSON Schema (2020-12),
derived from the code that emits it.

Two kinds of events reach a service's outbox (shared.changes):

- **row changes**, `<table>.created|updated|deleted` and the named actions a service gives with
  `set_action` (`project.archived`), for every model mixing in `Audited`. Their payload,
  `{"entity": <snapshot>, "changed": [<field>...]}`, is derived here from the model's
  SQLAlchemy columns; a redacted field (`__audit_redact__`) is typed as the literal
  `"[redacted]"`. A named action is declared next to its `set_action` call with
  `row_actions(Model, "archived")`.
- **domain events** (`decision.recorded`): a `DomainEvent` subclass declared next to its
  `emit_event` call names the type, the entity and the payload's fields, and `emit_event` takes
  only such an instance, so an undeclared event cannot be emitted (mypy and pydantic refuse it).

`event_catalog(platform)` gathers both for one service (the models mapped on its metadata, the
domain events declared in the same package); `GET /v1/events/schemas` serves it (shared.feeds),
the gateway merges every service's catalog into its AsyncAPI document, and each service's
contract test validates every event its writes put in the outbox against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Time,
    Uuid,
    inspect,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from shared.changes import REDACTED, Audited, to_jsonable
from shared.platform import PlatformTables

JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
ROW_ACTIONS: Final = ("created", "updated", "deleted")
# The feed envelope's fields in the order `shared.feeds.EventRead` sends them.
ENVELOPE_FIELDS: Final = (
    "id",
    "position",
    "source",
    "type",
    "entity_type",
    "entity_id",
    "occurred_at",
    "actor",
    "request_id",
    "data",
)
EventKind = Literal["row_change", "domain"]

Schema = dict[str, Any]


class DomainEvent(BaseModel):
    """Base of every domain event's payload. Declare one next to its `emit_event` call:

        class DecisionRecorded(DomainEvent, type_="decision.recorded", entity="decision"):
            decision_id: uuid.UUID
            ...

    `entity` is the `entity_type` the event is filed under (a tuple when it may be one of
    several). Fields with a default may be left out by the emitter, and are then absent from
    the payload (they are not `required` in the schema either)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    entity_types: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, *, type_: str, entity: str | tuple[str, ...], **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.event_type = type_
        cls.entity_types = (entity,) if isinstance(entity, str) else tuple(entity)
        _register_domain_event(cls)

    def payload(self) -> dict[str, Any]:
        """The event's `data`, JSON-ready exactly as the outbox always wrote it
        (shared.changes.to_jsonable: UUIDs and decimals as strings, UTC times with `Z`)."""
        return dict(to_jsonable(self.model_dump(exclude_unset=True)))


_DOMAIN_EVENTS: dict[str, type[DomainEvent]] = {}
_ROW_ACTIONS: dict[type[Audited], set[str]] = {}


def _register_domain_event(cls: type[DomainEvent]) -> None:
    existing = _DOMAIN_EVENTS.get(cls.event_type)
    if existing is not None and existing.__qualname__ != cls.__qualname__:
        raise TypeError(
            f"{cls.event_type} is declared twice: {existing.__module__}.{existing.__qualname__}"
            f" and {cls.__module__}.{cls.__qualname__}"
        )
    _DOMAIN_EVENTS[cls.event_type] = cls  # a module imported again replaces its own class


def row_actions(model: type[Audited], *actions: str) -> None:
    """Declare the named actions (`set_action(entity, action)`) a model's rows are published
    with, beside created, updated and deleted: `<table>.<action>` events with the row's
    snapshot. Declared next to the `set_action` call; repeating one is harmless."""
    _ROW_ACTIONS.setdefault(model, set()).update(str(action) for action in actions)


def targets_of(edges: Mapping[Any, Iterable[str]]) -> list[str]:
    """Every state a machine's edges lead to: the actions of a `set_action(entity, to.value)`
    that names each move after its target (`row_actions(Finding, *targets_of(EDGES))`)."""
    return sorted({str(target) for targets in edges.values() for target in targets})


def declared_domain_events() -> dict[str, type[DomainEvent]]:
    """Every domain event type declared so far in this process (all services' modules loaded)."""
    return dict(_DOMAIN_EVENTS)


# --- row-change payloads, from the columns -------------------------------------------------


def _nullable(schema: Schema) -> Schema:
    """`schema` or null."""
    out = dict(schema)
    if "const" in out:
        out["enum"] = [out.pop("const")]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    if not out or "type" in out or "enum" in out:  # `{}` (any JSON value) already takes null
        return out
    return {"anyOf": [out, {"type": "null"}]}


def column_schema(column_type: TypeEngine[Any]) -> Schema:
    """JSON Schema of one column's value as `shared.changes.snapshot` writes it."""
    if isinstance(column_type, TypeDecorator):  # UTCDateTime, JSONDocument: their stored type
        return column_schema(column_type.impl_instance)
    if isinstance(column_type, Enum):
        return {"type": "string", "enum": list(column_type.enums)}
    if isinstance(column_type, String):  # Text too
        schema: Schema = {"type": "string"}
        if column_type.length is not None:
            schema["maxLength"] = column_type.length
        return schema
    if isinstance(column_type, Boolean):
        return {"type": "boolean"}
    if isinstance(column_type, Integer):  # SmallInteger, BigInteger
        return {"type": "integer"}
    if isinstance(column_type, Float):  # before Numeric: Float is one
        return {"type": "number"}
    if isinstance(column_type, Numeric):
        # Decimal values are written as strings (to_jsonable), so no digit is lost.
        return {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
    if isinstance(column_type, Uuid):
        return {"type": "string", "format": "uuid"}
    if isinstance(column_type, DateTime):
        return {"type": "string", "format": "date-time"}
    if isinstance(column_type, Date):
        return {"type": "string", "format": "date"}
    if isinstance(column_type, Time):
        return {"type": "string", "format": "time"}
    if isinstance(column_type, JSON):
        return {}
    if isinstance(column_type, LargeBinary):
        return {"type": "null", "description": "Binary content is never published."}
    raise TypeError(f"no JSON Schema for column type {column_type!r}: add it to column_schema")


def row_payload_schema(model: type[Audited]) -> Schema:
    """`{"entity": <snapshot>, "changed": [...]}` for `model`'s rows."""
    mapper = inspect(model)
    redact = model.__audit_redact__
    properties: dict[str, Schema] = {}
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if attr.key in redact:
            value: Schema = {"const": REDACTED, "description": "Personal data, never published."}
        else:
            value = column_schema(column.type)
        if column.comment:
            value = {**value, "description": column.comment}
        properties[attr.key] = _nullable(value) if column.nullable else value
    table = mapper.local_table.name
    primary_key = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
    changeable = sorted(properties)
    return {
        "title": f"{table} row change",
        "type": "object",
        "properties": {
            "entity": {
                "type": "object",
                "description": (
                    "The row after the change (before it, for a deletion): every column loaded"
                    " at the time, the primary key always."
                ),
                "properties": properties,
                "required": primary_key,
                "additionalProperties": False,
            },
            "changed": {
                "type": "array",
                "description": "The fields this change set, sorted (all of them on creation).",
                "items": {"enum": changeable},
                "uniqueItems": True,
            },
        },
        "required": ["entity", "changed"],
        "additionalProperties": False,
    }


# --- domain-event payloads, from the pydantic models -----------------------------------------


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def domain_payload_schema(event: type[DomainEvent]) -> tuple[Schema, dict[str, Schema]]:
    """The payload's schema and the definitions it refers to (`#/$defs/<name>`), to be hoisted
    into the catalog's `$defs`."""
    schema = event.model_json_schema(mode="validation")
    definitions: dict[str, Schema] = schema.pop("$defs", {})
    if event.__doc__ and event.__doc__ is not DomainEvent.__doc__:
        schema["description"] = " ".join(event.__doc__.split())
    return schema, definitions


# --- the catalog ------------------------------------------------------------------------------


@dataclass
class EventTypeEntry:
    type: str
    kinds: list[EventKind] = field(default_factory=list)
    entity_types: list[str] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)  # names in the catalog's `$defs`
    descriptions: list[str] = field(default_factory=list)

    def add(self, kind: EventKind, entities: Iterable[str], payload: str, description: str) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)
        self.entity_types.extend(e for e in entities if e not in self.entity_types)
        self.payloads.append(payload)
        self.descriptions.append(description)


@dataclass(frozen=True)
class EventCatalog:
    """One service's event types and the JSON Schema (2020-12) of each one's feed event."""

    service: str
    entries: Mapping[str, EventTypeEntry]
    definitions: Mapping[str, Schema]  # payloads and what they refer to, by `$defs` name

    @property
    def types(self) -> list[str]:
        return sorted(self.entries)

    def envelope_schema(self, event_type: str) -> Schema:
        """The feed event's schema (`shared.feeds.EventRead`) for one type, refs into `$defs`."""
        entry = self.entries[event_type]
        refs = [{"$ref": f"#/$defs/{name}"} for name in entry.payloads]
        return {
            "title": event_type,
            "description": " ".join(entry.descriptions),
            "type": "object",
            "properties": {
                "id": {
                    "type": "string",
                    "format": "uuid",
                    "description": "Unique event id: consumers de-duplicate on it.",
                },
                "position": {
                    "type": "string",
                    "pattern": "^[0-9]+$",
                    "description": "Position in the service's feed; pass as `after` to resume.",
                },
                "source": {"const": self.service, "description": "The publishing service."},
                "type": {"const": event_type},
                "entity_type": {"enum": list(entry.entity_types)},
                "entity_id": {"type": "string", "description": "The entity's primary key."},
                "occurred_at": {"type": "string", "format": "date-time"},
                "actor": {"type": ["string", "null"], "description": "Token subject, or null."},
                "request_id": {"type": ["string", "null"]},
                "data": refs[0] if len(refs) == 1 else {"oneOf": refs},
            },
            "required": list(ENVELOPE_FIELDS),
            "additionalProperties": False,
        }

    def json_schema(self) -> Schema:
        """One JSON Schema document for the whole feed: a feed event of this service is valid
        when it matches its type's definition (`$defs/event.<type>`)."""
        definitions: dict[str, Schema] = dict(self.definitions)
        for event_type in self.types:
            definitions[f"event.{event_type}"] = self.envelope_schema(event_type)
        return {
            "$schema": JSON_SCHEMA_DIALECT,
            "title": f"The {self.service} service's change feed events",
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": self.types}},
            "oneOf": [{"$ref": f"#/$defs/event.{t}"} for t in self.types],
            "$defs": dict(sorted(definitions.items())),
        }

    def schema_for(self, event_type: str) -> Schema:
        """A standalone schema (2020-12) for one type's feed events: what a validator takes."""
        document = self.json_schema()
        return {
            "$schema": JSON_SCHEMA_DIALECT,
            "$ref": f"#/$defs/event.{event_type}",
            "$defs": document["$defs"],
        }

    def document(self) -> dict[str, Any]:
        """What `GET /v1/events/schemas` answers."""
        return {
            "service": self.service,
            "json_schema_dialect": JSON_SCHEMA_DIALECT,
            "event_types": [
                {
                    "type": t,
                    "kinds": list(self.entries[t].kinds),
                    "entity_types": list(self.entries[t].entity_types),
                    "description": " ".join(self.entries[t].descriptions),
                    "schema_ref": f"#/$defs/event.{t}",
                }
                for t in self.types
            ],
            "json_schema": self.json_schema(),
        }


def _subclasses(cls: type[Any]) -> Iterator[type[Any]]:
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def audited_models(metadata: MetaData) -> list[type[Audited]]:
    """The mapped `Audited` classes whose table is in `metadata` (one service's models)."""
    found = {
        cls
        for cls in _subclasses(Audited)
        if inspect(cls, raiseerr=False) is not None
        and inspect(cls).local_table.metadata is metadata
    }
    return sorted(found, key=lambda cls: inspect(cls).local_table.name)


def _merge_definitions(target: dict[str, Schema], new: Mapping[str, Schema], origin: str) -> None:
    for name, schema in new.items():
        if name in target and target[name] != schema:
            raise TypeError(f"two different schemas named {name!r} (the second from {origin})")
        target[name] = schema


def build_catalog(
    service: str,
    models: Iterable[type[Audited]],
    domain_events: Iterable[type[DomainEvent]],
) -> EventCatalog:
    entries: dict[str, EventTypeEntry] = {}
    definitions: dict[str, Schema] = {}

    def entry(event_type: str) -> EventTypeEntry:
        return entries.setdefault(event_type, EventTypeEntry(event_type))

    for model in models:
        table = inspect(model).local_table.name
        payload = f"row.{table}"
        definitions[payload] = row_payload_schema(model)
        actions = {*ROW_ACTIONS, *_ROW_ACTIONS.get(model, ())}
        for action in sorted(actions):
            verb = {"created": "created", "updated": "changed", "deleted": "deleted"}.get(action)
            description = (
                f"A {table} row was {verb}."
                if verb
                else f"A {table} row was {action} (a named"
                " action: the row's snapshot, like an update)."
            )
            entry(f"{table}.{action}").add("row_change", [table], payload, description)
    for event in sorted(domain_events, key=lambda e: e.event_type):
        payload = f"domain.{event.__name__}"
        schema, nested = domain_payload_schema(event)
        _merge_definitions(definitions, nested, event.__qualname__)
        _merge_definitions(definitions, {payload: schema}, event.__qualname__)
        description = schema.get("description") or f"The domain event {event.event_type}."
        entry(event.event_type).add("domain", event.entity_types, payload, description)
    return EventCatalog(service=service, entries=entries, definitions=definitions)


def event_catalog(platform: PlatformTables) -> EventCatalog:
    """The catalog of the service owning `platform`: its audited models (those mapped on its
    metadata) and the domain events declared in the same top-level package."""
    models = audited_models(platform.outbox.metadata)
    packages = {model.__module__.split(".", 1)[0] for model in models}
    events = [
        event for event in _DOMAIN_EVENTS.values() if event.__module__.split(".", 1)[0] in packages
    ]
    return build_catalog(platform.service, models, events)


__all__ = [
    "ENVELOPE_FIELDS",
    "JSON_SCHEMA_DIALECT",
    "ROW_ACTIONS",
    "DomainEvent",
    "EventCatalog",
    "EventKind",
    "EventTypeEntry",
    "audited_models",
    "build_catalog",
    "column_schema",
    "declared_domain_events",
    "domain_payload_schema",
    "event_catalog",
    "row_actions",
    "row_payload_schema",
    "targets_of",
]
