"""The catalogue of subscribable event types against what the three services really publish
(their audited models, named actions and domain events), and pattern matching."""

from __future__ import annotations

import importlib

import pytest

from integrations_service.webhooks.catalog import (
    AUDITED_ENTITIES,
    EVENT_TYPES_BY_PRODUCER,
    matches,
    unknown_patterns,
)
from shared.changes import Audited
from shared.event_contract import event_catalog


@pytest.mark.parametrize("producer", sorted(AUDITED_ENTITIES))
def test_every_audited_table_of_a_producer_is_listed(producer: str) -> None:
    base = importlib.import_module(f"{producer}_service.db").Base
    audited = {
        mapper.local_table.name
        for mapper in base.registry.mappers
        if issubclass(mapper.class_, Audited)
    }
    assert audited == set(AUDITED_ENTITIES[producer])


@pytest.mark.parametrize("producer", sorted(AUDITED_ENTITIES))
def test_the_catalogue_is_exactly_what_the_producer_declares(producer: str) -> None:
    """Against the producer's event contract: every row change, named action and domain event
    it can emit (a missing one could never be subscribed to by name)."""
    importlib.import_module(f"{producer}_service.main")  # registers its domain events
    platform = importlib.import_module(f"{producer}_service.db").platform
    assert set(EVENT_TYPES_BY_PRODUCER[producer]) == set(event_catalog(platform).types)


def test_patterns() -> None:
    assert unknown_patterns(["*", "project.*", "project.created", "decision.recorded"]) == []
    assert unknown_patterns(["project.exploded", "nobody.*", "project", ""]) == [
        "project.exploded",
        "nobody.*",
        "project",
        "",
    ]
    assert matches(["project.*"], "project.stage_changed")
    assert not matches(["project.*"], "project_link.created")
    assert matches(["*"], "stakeholder.erased")
    assert matches(["decision.recorded"], "decision.recorded")
    assert not matches(["decision.recorded"], "decision.superseded")
