"""The project set an aggregate reads, rebuilt at `as_of`: the projects that existed then and
match the filters, with the stage each was in at `as_of`, and the stays in each stage.

The stage at `as_of` is the project's stage when it last changed at or before `as_of`
(`stage_changed_at`, which every stage change sets with its history row); otherwise the
stage its last change at or before `as_of` led to, or, with none, `idea`, where every project
starts. That lookup seeks the (project_id, occurred_at, id) index of the stage history, and
runs only for projects that moved after `as_of`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, String, case, cast, func, literal, select

from projects_service.projects.models import (
    InnovationType,
    Pillar,
    Project,
    Stage,
    StageChange,
)


@dataclass(frozen=True)
class SetFilters:
    """The filters of the project set (each single-valued; None: not filtered)."""

    directorate: str | None = None
    pillar: Pillar | None = None
    stage: Stage | None = None
    innovation_type: InnovationType | None = None

    @property
    def any(self) -> bool:
        values = (self.directorate, self.pillar, self.stage, self.innovation_type)
        return any(value is not None for value in values)


def initial_stage() -> Any:
    """The stage a project was created in: always `idea` (`POST /v1/projects` takes no stage,
    and the stage changes only with a history row), so it needs no lookup."""
    return literal(str(Stage.idea), String)


def stage_at(as_of: dt.datetime) -> Any:
    """The stage a project was in at `as_of` (see the module docstring)."""
    last = (
        select(StageChange.to_stage)
        .where(StageChange.project_id == Project.id, StageChange.occurred_at <= as_of)
        .order_by(StageChange.occurred_at.desc(), StageChange.id.desc())
        .limit(1)
        .correlate(Project)
        .scalar_subquery()
    )
    return case(
        (Project.stage_changed_at <= as_of, cast(Project.stage, String)),
        else_=func.coalesce(cast(last, String), initial_stage()),
    )


def population(as_of: dt.datetime, filters: SetFilters, *, with_stage: bool) -> Any:
    """The projects that existed at `as_of` and match the filters, as a select. `stage` (at
    `as_of`) is computed only when asked for or filtered on. Pillar, directorate, innovation
    type, tags and the net-zero flag are today's values (the registry keeps no history of
    them)."""
    columns: list[Any] = [
        Project.id.label("id"),
        Project.pillar.label("pillar"),
        Project.directorate.label("directorate"),
        Project.innovation_type.label("innovation_type"),
        Project.net_zero_relevant.label("net_zero_relevant"),
        Project.core20plus5_tags.label("tags"),
    ]
    stage = stage_at(as_of)
    if with_stage:
        columns.append(stage.label("stage"))
    statement = select(*columns).where(Project.created_at <= as_of)
    if filters.stage is not None:
        statement = statement.where(stage == str(filters.stage))
    if filters.directorate is not None:
        statement = statement.where(Project.directorate == filters.directorate)
    if filters.pillar is not None:
        statement = statement.where(Project.pillar == filters.pillar)
    if filters.innovation_type is not None:
        statement = statement.where(Project.innovation_type == filters.innovation_type)
    return statement


def in_set(column: Any, as_of: dt.datetime, filters: SetFilters) -> list[Any]:
    """Conditions keeping rows whose project (`column`) is in the filtered set. Without a
    filter there are none: every row these aggregates read (a stage change, decision,
    membership, benefit or map known at `as_of`) belongs to a project that existed then."""
    if not filters.any:
        return []
    chosen = population(as_of, filters, with_stage=False).with_only_columns(Project.id)
    return [column.in_(chosen)]


def _days(instant: Any, dialect: str) -> Any:
    """An instant as a number of days (fractional), for differences in days."""
    if dialect == "postgresql":
        return func.extract("epoch", instant) / 86400.0
    return func.julianday(instant)


def stays(as_of: dt.datetime, filters: SetFilters, dialect: str) -> Any:
    """Every stay that ended by `as_of`: each stage change up to `as_of` ends a stay in its
    `from_stage` that began at the project's previous change (`LAG`, in the history index's
    order) or, for the first, at its creation. Columns: stage, ended, days. Each instant is
    turned into days once (the previous change's value comes through `LAG`)."""
    ended = _days(StageChange.occurred_at, dialect)
    began = func.lag(ended).over(
        partition_by=StageChange.project_id, order_by=(StageChange.occurred_at, StageChange.id)
    )
    return (
        select(
            cast(StageChange.from_stage, String).label("stage"),
            StageChange.occurred_at.label("ended"),
            cast(ended - func.coalesce(began, _days(Project.created_at, dialect)), Float).label(
                "days"
            ),
        )
        .join(Project, Project.id == StageChange.project_id)
        .where(StageChange.occurred_at <= as_of, *in_set(StageChange.project_id, as_of, filters))
        .subquery("stays")
    )
