"""The assessment datasets: `assessments` (one row per assessment), `criterion_ratings` (each
counted assessor's rating of each criterion, moderated assessments only) and
`assessment_results` (one row per scored assessment and domain, from the frozen result)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from sqlalchemy import Select, and_, false, or_, select, true

from assessment_service.assessments.models import (
    Assessment,
    AssessmentStatus,
    PanelMember,
    Rating,
)
from assessment_service.exports.filters import PORTFOLIO_READERS, PROJECT_FILTERS
from assessment_service.exports.sources import AuditedSource, historic, project_condition, stream
from assessment_service.exports.values import enum_values, to_row, uuid_column
from assessment_service.frameworks.definition import EsfTier, Gate, Outcome
from shared.exports.catalog import (
    Column,
    ColumnType,
    Dataset,
    ExportContext,
    ForeignKey,
    Row,
    Support,
    Tombstone,
)

GATES = enum_values(Gate)
OUTCOMES = enum_values(Outcome)
PROJECT_FK = ForeignKey(("project_id",), "projects", ("id",))
ASSESSMENT_FK = ForeignKey(("assessment_id",), "assessments", ("id",))

# -- assessments ------------------------------------------------------------------------------

ASSESSMENT_COLUMNS: tuple[Column, ...] = (
    uuid_column("id", "The assessment.", required=True),
    uuid_column("project_id", "The project appraised.", required=True),
    Column("project_reference", ColumnType.STRING, "The project's reference when created."),
    uuid_column("template_id", "The pinned template version.", required=True),
    Column("gate", ColumnType.STRING, "The governance gate.", enum=GATES, required=True),
    Column(
        "status",
        ColumnType.STRING,
        "Workflow state.",
        enum=enum_values(AssessmentStatus),
        required=True,
    ),
    Column("panel_chair", ColumnType.STRING, "The chair's staff subject.", required=True),
    Column("esf_tier", ColumnType.STRING, "NICE ESF tier (digital).", enum=enum_values(EsfTier)),
    Column("uses_piloting_template", ColumnType.BOOLEAN, "Rated against a piloting template."),
    uuid_column("previous_assessment_id", "The earlier assessment this one follows."),
    Column("due_at", ColumnType.DATETIME, "When the panel is due to finish."),
    Column("opened_at", ColumnType.DATETIME, "When rating opened."),
    Column("scored_at", ColumnType.DATETIME, "When the score was frozen."),
    Column("decided_at", ColumnType.DATETIME, "When the board's decision was recorded."),
    Column("cancelled_at", ColumnType.DATETIME, "When it was cancelled."),
    Column("cancel_reason", ColumnType.STRING, "Why it was cancelled."),
    Column("overall_score", ColumnType.NUMBER, "The frozen overall score (0-100)."),
    Column(
        "confidence", ColumnType.STRING, "Confidence in the score.", enum=("low", "medium", "high")
    ),
    Column("recommendation", ColumnType.STRING, "The computed recommendation.", enum=OUTCOMES),
    Column("created_by", ColumnType.STRING, "Who created it (staff subject)."),
    Column("created_at", ColumnType.DATETIME, "Created (UTC).", required=True),
    Column("updated_at", ColumnType.DATETIME, "Last changed (UTC).", required=True),
)


def _assessment_statement(ctx: ExportContext) -> Select[Any]:
    table = Assessment.__table__
    statement = select(*(table.c[column.name] for column in ASSESSMENT_COLUMNS))
    if (condition := project_condition(table.c.project_id, ctx)) is not None:
        statement = statement.where(condition)
    if ctx.updated_since is not None:
        statement = statement.where(table.c.updated_at > ctx.updated_since)
    return statement.order_by(table.c.id)


def assessment_row(record: Mapping[str, Any]) -> Row:
    return to_row(ASSESSMENT_COLUMNS, record)


ASSESSMENTS = Dataset(
    name="assessments",
    title="Assessments",
    description="One row per IIAF assessment of a project at a gate, with its frozen score.",
    columns=ASSESSMENT_COLUMNS,
    primary_key=("id",),
    rows=AuditedSource("assessment", _assessment_statement, assessment_row),
    roles=PORTFOLIO_READERS,
    as_of=Support(True, "Each assessment's row snapshot at as_of from the audit outbox."),
    updated_since=Support(
        True, "Rows whose updated_at is later (indexed); deletions as tombstones from the outbox."
    ),
    foreign_keys=(PROJECT_FK, ForeignKey(("previous_assessment_id",), "assessments", ("id",))),
    filters=PROJECT_FILTERS,
)

# -- criterion ratings -----------------------------------------------------------------------

RATING_COLUMNS: tuple[Column, ...] = (
    uuid_column("id", "The rating.", required=True),
    uuid_column("assessment_id", "The assessment.", required=True),
    uuid_column("project_id", "The assessment's project.", required=True),
    Column("criterion_code", ColumnType.STRING, "The template criterion rated.", required=True),
    Column("assessor", ColumnType.STRING, "The assessor (staff subject).", required=True),
    Column(
        "value",
        ColumnType.STRING,
        "The assessor's value on the criterion's scale (a number or a category); empty when"
        " unknown.",
    ),
    Column("unknown", ColumnType.BOOLEAN, "The assessor could not rate it.", required=True),
    Column("unknown_reason", ColumnType.STRING, "Why it is unknown."),
    Column("rationale", ColumnType.STRING, "The assessor's reasoning."),
    Column("evidence_level", ColumnType.INTEGER, "The evidence level the assessor saw (1-5)."),
    Column(
        "scored_at", ColumnType.DATETIME, "When the assessment's score was frozen.", required=True
    ),
    Column("created_at", ColumnType.DATETIME, "Rated (UTC).", required=True),
    Column("updated_at", ColumnType.DATETIME, "Last changed (UTC).", required=True),
)


def _counted() -> Any:
    """Whose ratings count (`assessments.service.rules.counted`): declared, no conflict or a
    waiver, and submitted; the panel cannot change once moderation begins."""
    panel = PanelMember.__table__
    return and_(
        panel.c.declared_at.is_not(None),
        or_(panel.c.has_conflict.is_(false()), panel.c.waived_at.is_not(None)),
        panel.c.submitted_at.is_not(None),
    )


def _visible(ctx: ExportContext) -> Any:
    """Moderated: the score is frozen, and the assessment was not cancelled (the API then hides
    its ratings), at the moment the export reads."""
    table = Assessment.__table__
    if historic(ctx):
        assert ctx.as_of is not None
        return and_(
            table.c.scored_at <= ctx.as_of,
            or_(table.c.cancelled_at.is_(None), table.c.cancelled_at > ctx.as_of),
        )
    return and_(table.c.scored_at.is_not(None), table.c.cancelled_at.is_(None))


def _rating_statement(ctx: ExportContext) -> Select[Any]:
    rating, table, panel = Rating.__table__, Assessment.__table__, PanelMember.__table__
    own = {"project_id": table.c.project_id, "scored_at": table.c.scored_at}
    statement = (
        select(*(own[c.name] if c.name in own else rating.c[c.name] for c in RATING_COLUMNS))
        .join(table, table.c.id == rating.c.assessment_id)
        .join(
            panel,
            and_(
                panel.c.assessment_id == rating.c.assessment_id,
                panel.c.subject == rating.c.assessor,
            ),
        )
        .where(_visible(ctx), _counted())
    )
    if (condition := project_condition(table.c.project_id, ctx)) is not None:
        statement = statement.where(condition)
    if ctx.updated_since is not None:
        # A rating enters the dataset when its assessment's score is frozen; it never changes
        # after that (ratings close when moderation begins).
        statement = statement.where(table.c.scored_at > ctx.updated_since)
    return statement.order_by(rating.c.assessment_id, rating.c.id)


def _withdrawn_statement(ctx: ExportContext) -> Select[Any]:
    """Ratings of assessments cancelled after scoring, in the `updated_since` window."""
    rating, table = Rating.__table__, Assessment.__table__
    until = ctx.as_of if historic(ctx) else ctx.snapshot_at
    statement = (
        select(rating.c.id)
        .join(table, table.c.id == rating.c.assessment_id)
        .where(
            table.c.scored_at.is_not(None),
            table.c.cancelled_at > ctx.updated_since,
            table.c.cancelled_at <= until if until is not None else true(),
        )
    )
    if (condition := project_condition(table.c.project_id, ctx)) is not None:
        statement = statement.where(condition)
    return statement.order_by(rating.c.id)


async def rating_rows(ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
    async for record in stream(ctx, _rating_statement(ctx)):
        yield to_row(RATING_COLUMNS, record)
    if ctx.updated_since is not None:
        async for record in stream(ctx, _withdrawn_statement(ctx)):
            yield Tombstone((str(record["id"]),))


CRITERION_RATINGS = Dataset(
    name="criterion_ratings",
    title="Criterion ratings",
    description=(
        "Each counted assessor's rating of each criterion, for moderated assessments only (score"
        " frozen, not cancelled): until then ratings are independent and never exported."
    ),
    columns=RATING_COLUMNS,
    primary_key=("id",),
    rows=rating_rows,
    roles=PORTFOLIO_READERS,
    as_of=Support(
        True,
        "Ratings of assessments whose score was frozen at or before as_of and not cancelled by"
        " then: ratings close when moderation begins and no assessment row is ever deleted, so"
        " the live rows are the values as they stood (the audit trail redacts them).",
    ),
    updated_since=Support(
        True,
        "Ratings of assessments scored in the window; a tombstone for each rating of an"
        " assessment cancelled in the window.",
    ),
    foreign_keys=(PROJECT_FK, ASSESSMENT_FK),
    filters=PROJECT_FILTERS,
)

# -- assessment results ------------------------------------------------------------------------

RESULT_COLUMNS: tuple[Column, ...] = (
    uuid_column("assessment_id", "The assessment.", required=True),
    Column("domain", ColumnType.STRING, "The template domain's code.", required=True),
    uuid_column("project_id", "The assessment's project.", required=True),
    Column("gate", ColumnType.STRING, "The governance gate.", enum=GATES, required=True),
    uuid_column("template_id", "The template version scored against.", required=True),
    Column("domain_label", ColumnType.STRING, "The domain's label in the template."),
    Column("domain_weight", ColumnType.NUMBER, "The domain's weight in the overall score."),
    Column("domain_score", ColumnType.NUMBER, "The domain score (0-100); empty when unrated."),
    Column("criteria_rated", ColumnType.INTEGER, "Applicable criteria with a value."),
    Column("criteria_applicable", ColumnType.INTEGER, "Criteria that applied."),
    Column("overall_score", ColumnType.NUMBER, "The assessment's overall score (0-100)."),
    Column(
        "confidence", ColumnType.STRING, "Confidence in the score.", enum=("low", "medium", "high")
    ),
    Column("recommendation", ColumnType.STRING, "The computed recommendation.", enum=OUTCOMES),
    Column("scored_at", ColumnType.DATETIME, "When the score was frozen.", required=True),
)


def _result_statement(ctx: ExportContext) -> Select[Any]:
    table = Assessment.__table__
    statement = select(
        table.c.id,
        table.c.project_id,
        table.c.gate,
        table.c.template_id,
        table.c.result,
        table.c.scored_at,
    ).where(table.c.result.is_not(None), table.c.scored_at.is_not(None))
    if historic(ctx):
        statement = statement.where(table.c.scored_at <= ctx.as_of)
    if (condition := project_condition(table.c.project_id, ctx)) is not None:
        statement = statement.where(condition)
    if ctx.updated_since is not None:
        statement = statement.where(table.c.scored_at > ctx.updated_since)
    return statement.order_by(table.c.id)


async def result_rows(ctx: ExportContext) -> AsyncIterator[Row]:
    async for record in stream(ctx, _result_statement(ctx)):
        score = record["result"]["score"]
        common = {
            "assessment_id": record["id"],
            "project_id": record["project_id"],
            "gate": record["gate"],
            "template_id": record["template_id"],
            "overall_score": score.get("overall"),
            "confidence": (score.get("confidence") or {}).get("level"),
            "recommendation": score.get("recommendation"),
            "scored_at": record["scored_at"],
        }
        for domain in sorted(score.get("domains", []), key=lambda d: str(d["code"])):
            yield to_row(
                RESULT_COLUMNS,
                {
                    **common,
                    "domain": domain["code"],
                    "domain_label": domain.get("label"),
                    "domain_weight": domain.get("weight"),
                    "domain_score": domain.get("score"),
                    "criteria_rated": domain.get("rated"),
                    "criteria_applicable": domain.get("applicable"),
                },
            )


ASSESSMENT_RESULTS = Dataset(
    name="assessment_results",
    title="Assessment results by domain",
    description=(
        "One row per scored assessment and template domain, from the result frozen when the"
        " assessment was scored (every input and the template version are pinned there)."
    ),
    columns=RESULT_COLUMNS,
    primary_key=("assessment_id", "domain"),
    rows=result_rows,
    roles=PORTFOLIO_READERS,
    as_of=Support(
        True,
        "Results frozen at or before as_of: a frozen result never changes afterwards (a later"
        " cancellation keeps it, as the API's result does).",
    ),
    updated_since=Support(
        True, "Results frozen in the window; a frozen result is never changed or removed."
    ),
    foreign_keys=(PROJECT_FK, ASSESSMENT_FK),
    filters=PROJECT_FILTERS,
)
