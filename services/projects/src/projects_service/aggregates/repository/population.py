"""The project set an aggregate reads, rebuilt at `as_of`: every project's arrivals in a stage
(its creation and each stage change up to `as_of`), the stays between them (`LEAD`), the stage
it was in at `as_of`, and the projects the filters select."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, Uuid, and_, cast, func, literal, null, select, union_all

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
        return any(
            v is not None for v in (self.directorate, self.pillar, self.stage, self.innovation_type)
        )


def arrivals(as_of: dt.datetime) -> Any:
    """One row per arrival of a project in a stage known at `as_of`: its creation, in the stage
    it started in (the first change's `from_stage`, or today's stage if it never moved), and
    every stage change up to `as_of`. `seq` and `change_id` order arrivals at the same instant."""
    first = (
        select(
            StageChange.project_id,
            StageChange.from_stage,
            func.row_number()
            .over(
                partition_by=StageChange.project_id,
                order_by=(StageChange.occurred_at, StageChange.id),
            )
            .label("rank"),
        )
    ).subquery("first_change")
    created = (
        select(
            Project.id.label("project_id"),
            cast(func.coalesce(first.c.from_stage, Project.stage), String).label("stage"),
            cast(null(), String).label("from_stage"),
            Project.created_at.label("at"),
            literal(0).label("seq"),
            cast(null(), Uuid).label("change_id"),
        )
        .outerjoin(first, and_(first.c.project_id == Project.id, first.c.rank == 1))
        .where(Project.created_at <= as_of)
    )
    changed = select(
        StageChange.project_id,
        cast(StageChange.to_stage, String),
        cast(StageChange.from_stage, String),
        StageChange.occurred_at,
        literal(1),
        StageChange.id,
    ).where(StageChange.occurred_at <= as_of)
    return union_all(created, changed).subquery("arrivals")


def stays(as_of: dt.datetime) -> Any:
    """Each arrival with the instant the project left that stage (`left_at`, the next arrival;
    null while it is still there at `as_of`) and `recency` (1: the stage at `as_of`)."""
    source = arrivals(as_of)
    order = (source.c.at, source.c.seq, source.c.change_id)
    return select(
        source.c.project_id,
        source.c.stage,
        source.c.from_stage,
        source.c.at,
        func.lead(source.c.at)
        .over(partition_by=source.c.project_id, order_by=order)
        .label("left_at"),
        func.row_number()
        .over(
            partition_by=source.c.project_id,
            order_by=(source.c.at.desc(), source.c.seq.desc(), source.c.change_id.desc()),
        )
        .label("recency"),
    ).subquery("stays")


def population(as_of: dt.datetime, filters: SetFilters, *, with_stage: bool) -> Any:
    """The projects that existed at `as_of` and match the filters. `stage` (the stage at
    `as_of`) is computed from the history only when asked for or filtered on: without it the
    set is a plain scan of the project table. Pillar, directorate, innovation type, tags and the
    net-zero flag are today's values (the registry keeps no history of them)."""
    columns: list[Any] = [
        Project.id.label("id"),
        Project.pillar.label("pillar"),
        Project.directorate.label("directorate"),
        Project.innovation_type.label("innovation_type"),
        Project.net_zero_relevant.label("net_zero_relevant"),
        Project.core20plus5_tags.label("tags"),
    ]
    statement: Any
    if with_stage or filters.stage is not None:
        history = stays(as_of)
        statement = select(*columns, history.c.stage.label("stage")).join(
            history, and_(history.c.project_id == Project.id, history.c.recency == 1)
        )
        if filters.stage is not None:
            statement = statement.where(history.c.stage == str(filters.stage))
    else:
        statement = select(*columns)
    statement = statement.where(Project.created_at <= as_of)
    if filters.directorate is not None:
        statement = statement.where(Project.directorate == filters.directorate)
    if filters.pillar is not None:
        statement = statement.where(Project.pillar == filters.pillar)
    if filters.innovation_type is not None:
        statement = statement.where(Project.innovation_type == filters.innovation_type)
    return statement
