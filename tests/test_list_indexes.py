"""Every documented `?sort=` of every list has its index in the migrated database, and every
`?q=` its text index (issue #16 items 5 and 6), on the current backend.

The sorts are read from the routes (`shared.pagination.declared_sorts`), so a new sort field
without an index fails here. A list under a path parameter naming a column of its table (e.g.
`/projects/{project_id}/team`) is filtered by it: its index is (that column, field, id). A root
list's is (field, id). A unique index ending in the field orders the same rows already.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from sqlalchemy import Table, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

import assessment_service.api
import assessment_service.main
import projects_service.api
import projects_service.main
import projects_service.projects.repository
import stakeholders_service.api
import stakeholders_service.main
import stakeholders_service.organisations.repository
import stakeholders_service.stakeholders.repository
from shared.pagination import declared_sorts
from shared.routing import api_routes
from shared.search import TextSearch
from shared.testing import backend, test_database as migrated_database

SERVICES: dict[str, tuple[list[APIRouter], Path]] = {
    "projects": (projects_service.api.routers, projects_service.main.ALEMBIC_INI),
    "assessment": (assessment_service.api.routers, assessment_service.main.ALEMBIC_INI),
    "stakeholders": (stakeholders_service.api.routers, stakeholders_service.main.ALEMBIC_INI),
}
SEARCHES: dict[str, list[TextSearch]] = {
    "projects": [projects_service.projects.repository.SEARCH],
    "assessment": [],
    "stakeholders": [
        stakeholders_service.stakeholders.repository.SEARCH,
        stakeholders_service.organisations.repository.SEARCH,
    ],
}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for dependency in dependant.dependencies:
        yield from _calls(dependency)


def sorted_lists(routers: list[APIRouter]) -> Iterator[tuple[str, str, Table, list[str]]]:
    """(path, sort name, table, the index columns it needs) for each documented sort."""
    for router in routers:
        for route in api_routes(router.routes):  # included routers' routes too
            if "GET" not in route.methods:
                continue
            for call in _calls(route.dependant):
                for name, column in (declared_sorts(call) or {}).items():
                    table = column.table
                    if not isinstance(table, Table):
                        continue  # a union of lists (the evaluation timeline): theirs serve it
                    (id_column,) = table.primary_key.columns
                    parents = [p for p in re.findall(r"{(\w+)}", route.path) if p in table.c]
                    needed = [*parents[-1:], column.key, id_column.key]
                    yield route.path, name, table, needed


async def indexes(url: str) -> dict[str, list[tuple[list[str], bool]]]:
    """Per table: each index's columns and whether it is unique (constraints included)."""

    def read(connection: Any) -> dict[str, list[tuple[list[str], bool]]]:
        inspector = inspect(connection)
        found: dict[str, list[tuple[list[str], bool]]] = {}
        for table in inspector.get_table_names():
            entries = [
                (list(index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(table)
            ]
            entries += [
                (list(unique["column_names"]), True)
                for unique in inspector.get_unique_constraints(table)
            ]
            found[table] = entries
        return found

    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


def served(needed: list[str], present: list[tuple[list[str], bool]]) -> bool:
    return any(
        columns == needed or (unique and columns == needed[:-1]) for columns, unique in present
    )


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_every_documented_sort_has_its_index(service: str) -> None:
    routers, alembic_ini = SERVICES[service]
    lists = list(sorted_lists(routers))
    assert lists, "no sorted list found: declared_sorts broken?"
    async with migrated_database(service, alembic_ini) as url:
        present = await indexes(url)
    missing = [
        f"{path} ?sort={name}: ({', '.join(needed)}) on {table.name}"
        for path, name, table, needed in lists
        if not served(needed, present.get(table.name, []))
    ]
    assert missing == []


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_every_search_has_its_text_index(service: str) -> None:
    _, alembic_ini = SERVICES[service]
    async with migrated_database(service, alembic_ini) as url:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                if backend() == "postgresql":
                    rows = await connection.execute(
                        text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE :p"),
                        {"p": "ix_search_%"},
                    )
                else:
                    rows = await connection.execute(
                        text("SELECT name, sql FROM sqlite_master WHERE name LIKE :p"),
                        {"p": "search_%"},
                    )
                objects = {str(row[0]): str(row[1]) for row in rows}
        finally:
            await engine.dispose()
    for search in SEARCHES[service]:
        if backend() == "postgresql":
            definition = objects.get(f"ix_search_{search.table}", "")
            assert "gin_trgm_ops" in definition, search.table
            for column in search.columns:
                assert f"COALESCE({column.key}," in definition, (search.table, column.key)
        else:
            assert "trigram" in objects.get(search.fts_table, ""), search.table
            assert search.key_table in objects, search.table
            for event in ("insert", "update", "delete"):
                # A batch migration re-creating the table drops its triggers: re-create them.
                trigger = objects.get(f"{search.fts_table}_{event}", "")
                assert f" ON {search.table} " in trigger, (search.table, event)
