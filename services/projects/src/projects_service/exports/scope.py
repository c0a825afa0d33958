"""Which projects an export covers: the project filters every dataset takes (`project_id`,
`directorate`, `stage`, `pillar`, `status`), applied as a subquery on `project` for live rows and
to the projects as they stood at `as_of` for history (so `?stage=pilot&as_of=` means the projects
that were in pilot then)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from projects_service.projects.models import Pillar, Project, ProjectStatus, Stage
from shared.exports.catalog import ExportContext, Filter
from shared.exports.filters import DIRECTORATE, PROJECT_ID
from shared.exports.history import states_as_of

# Any select of columns (the datasets differ in width and types).
Query = Select[*tuple[Any, ...]]

_AT = " With `as_of`, the projects as they stood then."
PROJECT_FILTERS: tuple[Filter, ...] = (
    PROJECT_ID,
    DIRECTORATE,
    Filter("stage", "Only rows of projects in these stages (repeatable)." + _AT, tuple(Stage)),
    Filter("pillar", "Only rows of projects of these pillars (repeatable)." + _AT, tuple(Pillar)),
    Filter("status", "Only rows of active or archived projects." + _AT, tuple(ProjectStatus)),
)
_COLUMNS = {
    "directorate": Project.directorate,
    "stage": Project.stage,
    "pillar": Project.pillar,
    "status": Project.status,
}


def historic(ctx: ExportContext) -> bool:
    """True when the caller asked for `as_of`: rows then come from history, not the tables."""
    return ctx.as_of is not None


def _asked(ctx: ExportContext) -> dict[str, tuple[str, ...]]:
    names = ("project_id", *_COLUMNS)
    return {name: tuple(ctx.filters[name]) for name in names if ctx.filters.get(name)}


def project_conditions(ctx: ExportContext) -> list[ColumnElement[bool]]:
    """The filters as conditions on `project` (values are few: they come from the query)."""
    asked = _asked(ctx)
    conditions: list[ColumnElement[bool]] = []
    if "project_id" in asked:
        conditions.append(Project.id.in_([uuid.UUID(value) for value in asked["project_id"]]))
    for name, column in _COLUMNS.items():
        if name in asked:
            conditions.append(column.in_(asked[name]))
    return conditions


def restrict(statement: Query, project_column: Any, ctx: ExportContext) -> Query:
    """`statement` limited to the filtered projects by a subquery (never a bound id list)."""
    conditions = project_conditions(ctx)
    if not conditions:
        return statement
    return statement.where(project_column.in_(select(Project.id).where(*conditions)))


def project_matches(record: Mapping[str, Any], ctx: ExportContext) -> bool:
    """The filters applied to one project snapshot (history mode)."""
    asked = _asked(ctx)
    if "project_id" in asked and str(record.get("id")) not in {
        str(uuid.UUID(value)) for value in asked["project_id"]
    }:
        return False
    return all(record.get(name) in values for name, values in asked.items() if name != "project_id")


async def projects_as_of(ctx: ExportContext) -> frozenset[str] | None:
    """The ids of the filtered projects as they stood at `as_of`; None when nothing is filtered.
    Held in memory: one short string per project, never bound into SQL."""
    if not _asked(ctx):
        return None
    return frozenset(
        [
            str(record["id"])
            async for record in states_as_of(ctx, "project")
            if project_matches(record, ctx)
        ]
    )
