"""The governance datasets: `decisions` (never edited but for status and supersession) and
`decision_conditions`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, Table, select

from assessment_service.decisions.models import (
    ConditionStatus,
    Decision,
    DecisionCondition,
    DecisionStatus,
)
from assessment_service.exports.assessments import ASSESSMENT_FK, GATES, OUTCOMES, PROJECT_FK
from assessment_service.exports.filters import PORTFOLIO_READERS, PROJECT_FILTERS
from assessment_service.exports.sources import AuditedSource, project_condition
from assessment_service.exports.values import enum_values, to_row, uuid_column
from shared.exports.catalog import (
    Column,
    ColumnType,
    Dataset,
    ExportContext,
    ForeignKey,
    Row,
    Support,
)

DECISION_COLUMNS: tuple[Column, ...] = (
    uuid_column("id", "The decision.", required=True),
    uuid_column("assessment_id", "The assessment decided on.", required=True),
    uuid_column("project_id", "The project.", required=True),
    Column("gate", ColumnType.STRING, "The governance gate.", enum=GATES, required=True),
    Column("outcome", ColumnType.STRING, "The board's outcome.", enum=OUTCOMES, required=True),
    Column(
        "computed_recommendation",
        ColumnType.STRING,
        "The engine's recommendation beside it.",
        enum=OUTCOMES,
        required=True,
    ),
    Column("overridden", ColumnType.BOOLEAN, "The outcome differs from the recommendation."),
    Column("rationale", ColumnType.STRING, "The board's rationale."),
    Column("forum", ColumnType.STRING, "The forum that decided.", required=True),
    Column("meeting_date", ColumnType.DATE, "The forum's meeting date."),
    Column("minutes_ref", ColumnType.STRING, "Reference to the minutes."),
    Column("review_by", ColumnType.DATE, "Review the decision by."),
    Column("decided_by", ColumnType.STRING, "Who recorded it (staff subject).", required=True),
    Column("decided_at", ColumnType.DATETIME, "When it was decided (UTC).", required=True),
    Column(
        "status",
        ColumnType.STRING,
        "Decision state.",
        enum=enum_values(DecisionStatus),
        required=True,
    ),
    uuid_column("supersedes_id", "The decision this one corrects."),
    uuid_column("superseded_by_id", "The decision that corrected this one."),
    Column("created_at", ColumnType.DATETIME, "Created (UTC).", required=True),
    Column("updated_at", ColumnType.DATETIME, "Last changed (UTC).", required=True),
)

CONDITION_COLUMNS: tuple[Column, ...] = (
    uuid_column("id", "The condition.", required=True),
    uuid_column("decision_id", "The decision that set it.", required=True),
    uuid_column("project_id", "The project.", required=True),
    Column("text", ColumnType.STRING, "What must be done.", required=True),
    Column("owner", ColumnType.STRING, "Who owns it.", required=True),
    Column("due_date", ColumnType.DATE, "Due by.", required=True),
    Column(
        "status",
        ColumnType.STRING,
        "Condition state.",
        enum=enum_values(ConditionStatus),
        required=True,
    ),
    Column("status_note", ColumnType.STRING, "Why it was closed so."),
    Column("closed_at", ColumnType.DATETIME, "When it was closed."),
    Column("created_at", ColumnType.DATETIME, "Created (UTC).", required=True),
    Column("updated_at", ColumnType.DATETIME, "Last changed (UTC).", required=True),
)


def _statement(table: Table, columns: tuple[Column, ...], ctx: ExportContext) -> Select[Any]:
    statement = select(*(table.c[column.name] for column in columns))
    if (condition := project_condition(table.c.project_id, ctx)) is not None:
        statement = statement.where(condition)
    if ctx.updated_since is not None:
        statement = statement.where(table.c.updated_at > ctx.updated_since)
    return statement.order_by(table.c.id)


def decision_row(record: Mapping[str, Any]) -> Row:
    return to_row(DECISION_COLUMNS, record)


def condition_row(record: Mapping[str, Any]) -> Row:
    return to_row(CONDITION_COLUMNS, record)


_HISTORY = "The row's snapshot at as_of from the audit outbox."
_CHANGED = "Rows whose updated_at is later (indexed); deletions as tombstones from the outbox."

DECISIONS = Dataset(
    name="decisions",
    title="Governance decisions",
    description="One row per decision at a gate; a correction is a new decision superseding it.",
    columns=DECISION_COLUMNS,
    primary_key=("id",),
    rows=AuditedSource(
        "decision",
        lambda ctx: _statement(Decision.__table__, DECISION_COLUMNS, ctx),  # type: ignore[arg-type]
        decision_row,
    ),
    roles=PORTFOLIO_READERS,
    as_of=Support(True, _HISTORY),
    updated_since=Support(True, _CHANGED),
    foreign_keys=(
        PROJECT_FK,
        ASSESSMENT_FK,
        ForeignKey(("supersedes_id",), "decisions", ("id",)),
        ForeignKey(("superseded_by_id",), "decisions", ("id",)),
    ),
    filters=PROJECT_FILTERS,
)

DECISION_CONDITIONS = Dataset(
    name="decision_conditions",
    title="Decision conditions",
    description="One row per condition a decision set, with its state.",
    columns=CONDITION_COLUMNS,
    primary_key=("id",),
    rows=AuditedSource(
        "decision_condition",
        lambda ctx: _statement(DecisionCondition.__table__, CONDITION_COLUMNS, ctx),  # type: ignore[arg-type]
        condition_row,
    ),
    roles=PORTFOLIO_READERS,
    as_of=Support(True, _HISTORY),
    updated_since=Support(True, _CHANGED),
    foreign_keys=(PROJECT_FK, ForeignKey(("decision_id",), "decisions", ("id",))),
    filters=PROJECT_FILTERS,
)
