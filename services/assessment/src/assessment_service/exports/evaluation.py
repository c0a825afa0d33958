"""The developmental evaluation datasets: `learning_log`, `findings` and `adaptations`, each
with its evaluation's `project_id`.

Learning log `summary` and `tags`: free text that may name people, so the audit trail and the
change feed (readable by `reporter`) hold "[redacted]" instead of their values. They are
exported live under the API's rule (`evaluation.service.sees_personal_free_text`): left empty,
with `personal_data_withheld` true, on entries flagged `contains_personal_data` for a caller
without a role that reads personal free text (`reporter`). Their past values are not kept
anywhere (an entry is editable until a session reviews it), so `as_of` is refused for the log
rather than exporting "[redacted]" or today's text as if it were then."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from sqlalchemy import Select, Table, select

from assessment_service.evaluation.models import (
    AdaptationDecision,
    AdaptationKind,
    AdaptationStatus,
    Confidence,
    DevelopmentalEvaluation,
    Finding,
    FindingStatus,
    LearningLogEntry,
    LogSource,
)
from assessment_service.evaluation.service import sees_personal_free_text
from assessment_service.exports.assessments import PROJECT_FK
from assessment_service.exports.filters import EVALUATION_READERS, PROJECT_FILTERS
from assessment_service.exports.sources import (
    AuditedSource,
    evaluation_projects,
    project_condition,
)
from assessment_service.exports.values import enum_values, to_row, uuid_column
from shared.exports.catalog import (
    Column,
    ColumnType,
    Dataset,
    ExportContext,
    Row,
    Support,
    Tombstone,
)


def _evaluation_columns(subject: str) -> tuple[Column, ...]:
    return (
        uuid_column("id", f"The {subject}.", required=True),
        uuid_column("evaluation_id", "The developmental evaluation.", required=True),
        uuid_column("project_id", "The evaluation's project.", required=True),
    )


_STAMPS = (
    Column("created_at", ColumnType.DATETIME, "Created (UTC).", required=True),
    Column("updated_at", ColumnType.DATETIME, "Last changed (UTC).", required=True),
)


def _statement(table: Table, columns: tuple[Column, ...]) -> Callable[[ExportContext], Select[Any]]:
    evaluation = DevelopmentalEvaluation.__table__
    own = {"project_id": evaluation.c.project_id}

    def statement(ctx: ExportContext) -> Select[Any]:
        query = select(*(own[c.name] if c.name in own else table.c[c.name] for c in columns)).join(
            evaluation, evaluation.c.id == table.c.evaluation_id
        )
        if (condition := project_condition(evaluation.c.project_id, ctx)) is not None:
            query = query.where(condition)
        if ctx.updated_since is not None:
            query = query.where(table.c.updated_at > ctx.updated_since)
        return query.order_by(table.c.id)

    return statement


# -- learning log ------------------------------------------------------------------------------

LOG_COLUMNS: tuple[Column, ...] = (
    *_evaluation_columns("log entry"),
    Column("observed_at", ColumnType.DATETIME, "When it was observed (UTC).", required=True),
    Column(
        "source",
        ColumnType.STRING,
        "Where it came from.",
        enum=enum_values(LogSource),
        required=True,
    ),
    Column("summary", ColumnType.STRING, "What was observed; empty when withheld."),
    Column("tags", ColumnType.STRING, "Tags, separated by '; '; empty when withheld."),
    Column(
        "contains_personal_data",
        ColumnType.BOOLEAN,
        "The free text may name people.",
        required=True,
    ),
    Column(
        "personal_data_withheld",
        ColumnType.BOOLEAN,
        "summary and tags are left out for this caller (flagged entry, role without access).",
        required=True,
    ),
    uuid_column("corrects_id", "The entry this one corrects."),
    Column("recorded_by", ColumnType.STRING, "Who recorded it (staff subject)."),
    *_STAMPS,
)
# `personal_data_withheld` depends on the caller, not on the row: the rest are table columns.
_log_statement = _statement(
    LearningLogEntry.__table__,  # type: ignore[arg-type]
    tuple(column for column in LOG_COLUMNS if column.name != "personal_data_withheld"),
)


async def log_rows(ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
    reads_free_text = sees_personal_free_text(ctx.principal)

    def row(record: Mapping[str, Any]) -> Row:
        withheld = bool(record["contains_personal_data"]) and not reads_free_text
        shown = dict(record, personal_data_withheld=withheld)
        if withheld:
            shown["summary"] = shown["tags"] = None
        return to_row(LOG_COLUMNS, shown)

    async for item in AuditedSource("learning_log_entry", _log_statement, row)(ctx):
        yield item


LEARNING_LOG = Dataset(
    name="learning_log",
    title="Learning log",
    description=(
        "One row per learning-log entry of a developmental evaluation. For `reporter`, summary"
        " and tags of entries flagged contains_personal_data are withheld, as in the API."
    ),
    columns=LOG_COLUMNS,
    primary_key=("id",),
    rows=log_rows,
    roles=EVALUATION_READERS,
    as_of=Support.refused(
        "summary and tags may name people, so the audit history redacts them: their values at a"
        " past moment are not kept (an entry is editable until a session reviews it)."
    ),
    updated_since=Support(
        True, "Rows whose updated_at is later (indexed); deletions as tombstones from the outbox."
    ),
    foreign_keys=(PROJECT_FK,),
    filters=PROJECT_FILTERS,
)

# -- findings ----------------------------------------------------------------------------------

FINDING_COLUMNS: tuple[Column, ...] = (
    *_evaluation_columns("finding"),
    Column("statement", ColumnType.STRING, "What was found.", required=True),
    Column(
        "status",
        ColumnType.STRING,
        "Finding state.",
        enum=enum_values(FindingStatus),
        required=True,
    ),
    Column(
        "confidence",
        ColumnType.STRING,
        "Confidence in it.",
        enum=enum_values(Confidence),
        required=True,
    ),
    Column("first_seen_at", ColumnType.DATETIME, "When it was first seen (UTC).", required=True),
    Column("implications", ColumnType.STRING, "What it implies."),
    Column("recorded_by", ColumnType.STRING, "Who recorded it (staff subject)."),
    *_STAMPS,
)

# -- adaptations -------------------------------------------------------------------------------

ADAPTATION_COLUMNS: tuple[Column, ...] = (
    *_evaluation_columns("adaptation decision"),
    Column("decided_at", ColumnType.DATETIME, "When it was decided (UTC).", required=True),
    Column(
        "kind",
        ColumnType.STRING,
        "Kind of adaptation.",
        enum=enum_values(AdaptationKind),
        required=True,
    ),
    Column("summary", ColumnType.STRING, "What changes.", required=True),
    Column("rationale", ColumnType.STRING, "Why.", required=True),
    Column("alternatives_considered", ColumnType.STRING, "Alternatives weighed."),
    Column("decided_by", ColumnType.STRING, "Who decided, separated by '; '."),
    Column("expected_effect", ColumnType.STRING, "The effect expected."),
    Column("review_at", ColumnType.DATE, "Review the adaptation on."),
    Column(
        "status",
        ColumnType.STRING,
        "Adaptation state.",
        enum=enum_values(AdaptationStatus),
        required=True,
    ),
    Column("observed_effect", ColumnType.STRING, "The effect observed at review."),
    Column("agreed_at", ColumnType.DATETIME, "When it was agreed."),
    Column("implemented_at", ColumnType.DATETIME, "When it was implemented."),
    Column("reviewed_at", ColumnType.DATETIME, "When it was reviewed."),
    uuid_column("outcome_map_change_ref", "The outcome map change it caused (projects)."),
    Column("recorded_by", ColumnType.STRING, "Who recorded it (staff subject)."),
    *_STAMPS,
)

_HISTORY = (
    "The row's snapshot at as_of from the audit outbox, with its evaluation's project (an"
    " evaluation's project never changes)."
)
_CHANGED = "Rows whose updated_at is later (indexed); deletions as tombstones from the outbox."

FINDINGS = Dataset(
    name="findings",
    title="Developmental evaluation findings",
    description="One row per finding of a developmental evaluation.",
    columns=FINDING_COLUMNS,
    primary_key=("id",),
    rows=AuditedSource(
        "finding",
        _statement(Finding.__table__, FINDING_COLUMNS),  # type: ignore[arg-type]
        lambda record: to_row(FINDING_COLUMNS, record),
        projects=evaluation_projects,
    ),
    roles=EVALUATION_READERS,
    as_of=Support(True, _HISTORY),
    updated_since=Support(True, _CHANGED),
    foreign_keys=(PROJECT_FK,),
    filters=PROJECT_FILTERS,
)

ADAPTATIONS = Dataset(
    name="adaptations",
    title="Adaptation decisions",
    description="One row per adaptation decision of a developmental evaluation.",
    columns=ADAPTATION_COLUMNS,
    primary_key=("id",),
    rows=AuditedSource(
        "adaptation_decision",
        _statement(AdaptationDecision.__table__, ADAPTATION_COLUMNS),  # type: ignore[arg-type]
        lambda record: to_row(ADAPTATION_COLUMNS, record),
        projects=evaluation_projects,
    ),
    roles=EVALUATION_READERS,
    as_of=Support(True, _HISTORY),
    updated_since=Support(True, _CHANGED),
    foreign_keys=(PROJECT_FK,),
    filters=PROJECT_FILTERS,
)
