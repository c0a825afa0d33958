"""The stakeholders service's export datasets (issue #12): declarations, `to_row` and sources.

Personal data (docs/conventions.md, `stakeholders.access`): no dataset carries a stakeholder's
name, contacts, external reference, under-served group codes or equality answers, for any role,
so every role that may export reads the same files. Free text written about or by a person
(an assessment's `rationale`, what feedback `content` says) is left out too: it may identify
them, and it is redacted in the history `as_of` is served from. Staff names (an engagement's
facilitator) are left out: a reporter may not see them and history does not hold them.
Counts of people (participation, equality) are suppressed below 5 with secondary suppression,
by the service's one mechanism (`stakeholders_service.suppression`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from enum import StrEnum
from typing import Any

from shared.auth import Role
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
from shared.exports.filters import PROJECT_FILTERS
from shared.exports.history import deleted_since, states_as_of, stream_mappings
from shared.exports.values import as_date, as_datetime, as_uuid, enum_text as enum_value
from stakeholders_service.engagements.models import (
    Engagement,
    EngagementMode,
    EngagementStatus,
    EngagementType,
    FeedbackItem,
    FeedbackStatus,
    ParticipationRole,
)
from stakeholders_service.equality.characteristics import ALL as ALL_CHARACTERISTICS, enabled
from stakeholders_service.exports import repository
from stakeholders_service.exports.common import (
    Record,
    TableSource,
    changed_since,
    words,
)
from stakeholders_service.involvement.models import (
    InvolvementRole,
    InvolvementRoleType,
    InvolvementStage,
)
from stakeholders_service.mapping.models import StakeholderAssessment, Stance
from stakeholders_service.mapping.rules import (
    MendelowQuadrant,
    SalienceClass,
    engagement_gap,
    mendelow_quadrant,
    salience_class,
)
from stakeholders_service.organisations.models import OrganisationType
from stakeholders_service.stakeholders.models import (
    StakeholderCategory,
    StakeholderKind,
    StakeholderStatus,
)
from stakeholders_service.suppression import suppress, suppressed_count
from stakeholders_service.vocabulary import Iap2Level

# Who may export: the roles the API lets list these portfolio-wide. Contributors read per
# project, so they get 403 here.
READERS = frozenset({Role.admin, Role.governance, Role.reporter, Role.viewer})
FROM_HISTORY = (
    "From the audit history: each row as its last change at or before `as_of` left it "
    "(rows created later are absent, rows deleted later are present)."
)
BY_UPDATED_AT = (
    "Rows whose `updated_at` is after `updated_since`, and a tombstone (`deleted` true, only "
    "the key) for each row deleted since; with `as_of`, the changes up to `as_of`."
)
AGGREGATE_DELTA = Support.refused(
    "Counts are suppressed below 5: the difference of two suppressed snapshots is not a count "
    "of anything. Export the whole dataset again (it is small: one row per engagement)."
)
PROJECTS_FK = ForeignKey(("project_id",), "projects", ("id",))


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def _id(name: str, description: str, *, required: bool = False) -> Column:
    return Column(name, ColumnType.STRING, description, format="uuid", required=required)


def _enum(name: str, enum: type[StrEnum], description: str, *, required: bool = True) -> Column:
    return Column(name, ColumnType.STRING, description, enum=_values(enum), required=required)


def _moment(name: str, description: str, *, required: bool = False) -> Column:
    return Column(name, ColumnType.DATETIME, description, required=required)


def _int(name: str, description: str, *, required: bool = False) -> Column:
    return Column(name, ColumnType.INTEGER, description, required=required)


def _bool(name: str, description: str) -> Column:
    return Column(name, ColumnType.BOOLEAN, description, required=True)


def _text(name: str, description: str, *, required: bool = False) -> Column:
    return Column(name, ColumnType.STRING, description, required=required)


CREATED = _moment("created_at", "When the record was created (UTC).", required=True)
UPDATED = _moment("updated_at", "When the record last changed (UTC).", required=True)


# --- stakeholders -----------------------------------------------------------------------------


def stakeholder_row(record: Record, organisation: Record | None) -> Row:
    return (
        as_uuid(record["id"]),
        enum_value(record["kind"]),
        enum_value(record["category"]),
        as_uuid(record.get("organisation_id")),
        organisation.get("name") if organisation else None,
        enum_value(organisation.get("type")) if organisation else None,
        bool(record["is_public_contributor"]),
        enum_value(record["status"]),
        as_datetime(record["created_at"]),
        as_datetime(record["updated_at"]),
    )


def _live_organisation(record: Record) -> Record | None:
    if record.get("organisation_id") is None:
        return None
    return {"name": record["organisation_name"], "type": record["organisation_type"]}


async def _linked_as_of(ctx: ExportContext) -> set[str] | None:
    """The stakeholders linked at `as_of` to one of the export's projects (None: all)."""
    projects = ctx.project_ids
    if projects is None:
        return None
    return {
        str(link["stakeholder_id"])
        async for link in states_as_of(ctx, "project_link")
        if str(link["project_id"]) in projects
    }


async def stakeholder_rows(ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
    since = ctx.updated_since
    if ctx.as_of is not None:
        # Organisations are a small reference table: their states at `as_of`, by id.
        organisations = {org["id"]: org async for org in states_as_of(ctx, "organisation")}
        linked = await _linked_as_of(ctx)
        async for record in states_as_of(ctx, "stakeholder"):
            if linked is not None and str(record["id"]) not in linked:
                continue
            organisation = organisations.get(record.get("organisation_id"))
            if since is not None and not (
                changed_since(record, since)
                or (organisation is not None and changed_since(organisation, since))
            ):
                continue
            yield stakeholder_row(record, organisation)
    else:
        statement = repository.stakeholders(ctx)
        if since is not None:
            statement = statement.where(repository.stakeholder_changed(ctx, since))
        async for live in stream_mappings(ctx, statement):
            yield stakeholder_row(live, _live_organisation(live))
    if since is not None:
        async for key in deleted_since(ctx, "stakeholder"):
            yield Tombstone(key=(key,))


STAKEHOLDERS = Dataset(
    name="stakeholders",
    title="Stakeholders",
    description="One row per stakeholder (person, group or organisational unit): kind, "
    "category, organisation and status. No personal field for any role: no names, contacts, "
    "external references or equality data. An erased stakeholder stays as a row with status "
    "`erased`. Quadrant and salience are per project and assessment: see "
    "`stakeholder_assessments`.",
    columns=(
        _id("id", "The stakeholder.", required=True),
        _enum("kind", StakeholderKind, "Individual, group or organisational unit."),
        _enum("category", StakeholderCategory, "Stakeholder category."),
        _id("organisation_id", "Their organisation, if any."),
        _text("organisation_name", "The organisation's name (not personal data)."),
        _enum("organisation_type", OrganisationType, "The organisation's type.", required=False),
        _bool("is_public_contributor", "A member of the public involved in the work (PPI)."),
        _enum("status", StakeholderStatus, "active, inactive or erased."),
        CREATED,
        _moment(
            "updated_at",
            "When the stakeholder last changed (UTC); `updated_since` also returns a "
            "stakeholder whose organisation changed since.",
            required=True,
        ),
    ),
    primary_key=("id",),
    rows=stakeholder_rows,
    roles=READERS,
    as_of=Support(
        served=True,
        how=FROM_HISTORY + " The organisation's name and type as they stood too; `project_id` "
        "filters by the project links that existed then.",
    ),
    updated_since=Support(served=True, how=BY_UPDATED_AT),
    filters=PROJECT_FILTERS,
)


# --- stakeholder_assessments ------------------------------------------------------------------


def assessment_row(record: Record, *, threshold: int) -> Row:
    power, interest = int(record["power"]), int(record["interest"])
    current, target = Iap2Level(record["current_level"]), Iap2Level(record["target_level"])
    return (
        as_uuid(record["id"]),
        as_uuid(record["stakeholder_id"]),
        as_uuid(record["project_id"]),
        as_datetime(record["assessed_at"]),
        record["assessed_by"],
        power,
        interest,
        bool(record["legitimacy"]),
        bool(record["urgency"]),
        enum_value(record["stance"]),
        int(record["relationship_quality"]),
        int(record["trust"]),
        current.value,
        target.value,
        mendelow_quadrant(power=power, interest=interest, threshold=threshold).value,
        salience_class(
            power=power,
            legitimacy=bool(record["legitimacy"]),
            urgency=bool(record["urgency"]),
            threshold=threshold,
        ).value,
        engagement_gap(current, target),
        threshold,
        as_datetime(record["created_at"]),
        as_datetime(record["updated_at"]),
    )


async def _project_of_snapshot(ctx: ExportContext) -> Callable[[Record], bool]:
    projects = ctx.project_ids
    return lambda record: projects is None or str(record["project_id"]) in projects


def mendelow_threshold(ctx: ExportContext) -> int:
    """The threshold of the computed columns, read once per export (never per row): the
    running app's, which `scope.export_extras` puts in the export's context."""
    return int(ctx.extras["mendelow_threshold"])


async def stakeholder_assessment_rows(ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
    to_row = functools.partial(assessment_row, threshold=mendelow_threshold(ctx))
    async for row in dataclasses.replace(_ASSESSMENTS, to_row=to_row).rows(ctx):
        yield row


_ASSESSMENTS = TableSource(
    table=StakeholderAssessment.__table__,  # type: ignore[arg-type]
    to_row=functools.partial(assessment_row, threshold=3),  # replaced per export
    live=repository.stakeholder_assessments,
    snapshot_scope=_project_of_snapshot,
)
RATING = "On 1 (low) to 5 (high)."

STAKEHOLDER_ASSESSMENTS = Dataset(
    name="stakeholder_assessments",
    title="Stakeholder assessments",
    description="One row per dated assessment of a stakeholder in a project (snapshots are "
    "never overwritten, so quadrant movement can be reported): power, interest, legitimacy, "
    "urgency, stance, relationship, IAP2 levels, and the computed Mendelow quadrant, salience "
    "class and engagement gap. The free-text rationale is not exported (it is about a person).",
    columns=(
        _id("id", "The assessment.", required=True),
        _id("stakeholder_id", "The stakeholder assessed.", required=True),
        _id("project_id", "The project it was assessed for.", required=True),
        _moment("assessed_at", "When the assessment was made (UTC).", required=True),
        _text("assessed_by", "The assessor's token subject (an id, not a name).", required=True),
        _int("power", f"Power. {RATING}", required=True),
        _int("interest", f"Interest. {RATING}", required=True),
        _bool("legitimacy", "Legitimate claim (salience model)."),
        _bool("urgency", "Urgent claim (salience model)."),
        _enum("stance", Stance, "champion, supporter, neutral, sceptic or blocker."),
        _int("relationship_quality", f"Relationship quality. {RATING}", required=True),
        _int("trust", f"Trust. {RATING}", required=True),
        _enum("current_level", Iap2Level, "IAP2 level reached."),
        _enum("target_level", Iap2Level, "IAP2 level aimed for."),
        _enum(
            "mendelow_quadrant",
            MendelowQuadrant,
            "Mendelow's grid: power and interest count as high at or above `threshold`.",
        ),
        _enum(
            "salience_class",
            SalienceClass,
            "Mitchell, Agle & Wood: power (at or above `threshold`), legitimacy, urgency.",
        ),
        _int(
            "engagement_gap",
            "IAP2 levels the current level is below target (0: at or above).",
            required=True,
        ),
        _int("threshold", "The high/low threshold the computed columns used.", required=True),
        CREATED,
        UPDATED,
    ),
    primary_key=("id",),
    rows=stakeholder_assessment_rows,
    roles=READERS,
    as_of=Support(
        served=True,
        how=FROM_HISTORY + " Assessments are dated snapshots, so the map at a date is the "
        "latest `assessed_at` per stakeholder and project at or before it.",
    ),
    updated_since=Support(served=True, how=BY_UPDATED_AT),
    foreign_keys=(
        ForeignKey(("stakeholder_id",), "stakeholders", ("id",)),
        PROJECTS_FK,
    ),
    filters=PROJECT_FILTERS,
)


# --- engagements ------------------------------------------------------------------------------


def engagement_row(record: Record) -> Row:
    return (
        as_uuid(record["id"]),
        words(record.get("project_ids")),
        record["title"],
        enum_value(record["type"]),
        enum_value(record["iap2_level"]),
        record.get("purpose") or "",
        as_datetime(record["held_at"]),
        enum_value(record["mode"]),
        enum_value(record["status"]),
        "; ".join(record.get("accessibility_adjustments") or ()),
        record.get("outputs"),
        record.get("status_reason"),
        as_datetime(record["created_at"]),
        as_datetime(record["updated_at"]),
    )


async def _engagement_in_projects(ctx: ExportContext) -> Callable[[Record], bool]:
    projects = ctx.project_ids
    return lambda record: (
        projects is None or any(str(p) in projects for p in record.get("project_ids") or ())
    )


_ENGAGEMENTS = TableSource(
    table=Engagement.__table__,  # type: ignore[arg-type]
    to_row=engagement_row,
    live=repository.engagements,
    snapshot_scope=_engagement_in_projects,
)

ENGAGEMENTS = Dataset(
    name="engagements",
    title="Engagement activities",
    description="One row per engagement activity (meeting, workshop, co-design session ...). "
    "An engagement may serve several projects: `project_ids` lists them in one cell, a "
    "convenience for reading (`project_id` filters match any of them); to join engagements to "
    "projects, use `engagement_projects`, one row per link. The facilitator (a staff name) is "
    "not exported; attendance is in `participation`, suppressed.",
    columns=(
        _id("id", "The engagement.", required=True),
        _text(
            "project_ids",
            "The projects it serves: their ids, separated by single spaces (for reading; "
            "joins use `engagement_projects`).",
            required=True,
        ),
        _text("title", "Title.", required=True),
        _enum("type", EngagementType, "Kind of activity."),
        _enum("iap2_level", Iap2Level, "IAP2 level of public influence it offers."),
        _text("purpose", "Purpose."),
        _moment("held_at", "When it was held or is planned (UTC).", required=True),
        _enum("mode", EngagementMode, "in_person, online or hybrid."),
        _enum("status", EngagementStatus, "planned, completed or cancelled."),
        _text("accessibility_adjustments", "Adjustments offered, separated by `; `."),
        _text("outputs", "What it produced."),
        _text("status_reason", "Why it was completed or cancelled."),
        CREATED,
        UPDATED,
    ),
    primary_key=("id",),
    rows=_ENGAGEMENTS.rows,
    roles=READERS,
    as_of=Support(served=True, how=FROM_HISTORY),
    updated_since=Support(served=True, how=BY_UPDATED_AT),
    filters=PROJECT_FILTERS,
)


# --- engagement_projects ----------------------------------------------------------------------


def engagement_project_rows_of(record: Record, projects: frozenset[str] | None) -> list[Row]:
    """An engagement snapshot's link rows (its `project_ids`), in project order, scoped."""
    linked = sorted({str(as_uuid(value)) for value in record.get("project_ids") or ()})
    return [
        (as_uuid(record["id"]), as_uuid(project))
        for project in linked
        if projects is None or project in projects
    ]


async def engagement_project_rows(ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
    """Live: the `engagement_project` rows. As of a moment: the links of the engagements alive
    then, from their history (the link table is not audited: it mirrors the engagement's
    `project_ids`, which are fixed at creation). Since a moment: the links of engagements
    created since, and a tombstone per link of an engagement deleted since (its deletion event
    carries its `project_ids`)."""
    since, projects = ctx.updated_since, ctx.project_ids
    if ctx.as_of is not None:
        async for snapshot in states_as_of(ctx, "engagement"):
            created = as_datetime(snapshot.get("created_at"))
            if since is not None and not (created is not None and created > since):
                continue
            for row in engagement_project_rows_of(snapshot, projects):
                yield row
    else:
        statement = repository.engagement_projects(ctx)
        if since is not None:
            statement = statement.where(repository.engagement_links_changed(ctx, since))
        async for record in stream_mappings(ctx, statement):
            yield (as_uuid(record["engagement_id"]), as_uuid(record["project_id"]))
    if since is not None:
        async for event in stream_mappings(ctx, repository.engagements_deleted(ctx, since)):
            entity = (event["data"] or {}).get("entity") or {"id": event["entity_id"]}
            for key in engagement_project_rows_of(entity, projects):
                yield Tombstone(key=tuple(key))


ENGAGEMENT_PROJECTS = Dataset(
    name="engagement_projects",
    title="Engagements and the projects they serve",
    description="One row per engagement and project it serves (an engagement may serve "
    "several): the join table between `engagements` and the projects. `project_id`, "
    "`directorate` and `stage` keep the rows whose project matches.",
    columns=(
        _id("engagement_id", "The engagement.", required=True),
        _id("project_id", "A project it serves.", required=True),
    ),
    primary_key=("engagement_id", "project_id"),
    rows=engagement_project_rows,
    roles=READERS,
    as_of=Support(
        served=True,
        how="From the engagements' audit history: the links of each engagement alive at "
        "`as_of` (a link is written with its engagement and never changes, so it is not "
        "audited on its own).",
    ),
    updated_since=Support(
        served=True,
        how="The links of engagements created after `updated_since` (links never change), "
        "and a tombstone (`deleted` true) for each link of an engagement deleted since.",
    ),
    foreign_keys=(
        ForeignKey(("engagement_id",), "engagements", ("id",)),
        PROJECTS_FK,
    ),
    filters=PROJECT_FILTERS,
)


# --- feedback_items ---------------------------------------------------------------------------


def feedback_row(record: Record) -> Row:
    return (
        as_uuid(record["id"]),
        as_uuid(record["engagement_id"]),
        as_uuid(record.get("raised_by")),
        record.get("raised_by") is None,
        record["theme"],
        record.get("response"),
        enum_value(record["status"]),
        as_datetime(record.get("responded_at")),
        as_datetime(record.get("closed_at")),
        as_datetime(record["created_at"]),
        as_datetime(record["updated_at"]),
    )


async def _engagements_as_of(ctx: ExportContext) -> Callable[[Record], bool]:
    """For rows of an engagement: is their engagement one of the export's projects' at as_of?"""
    projects = ctx.project_ids
    if projects is None:
        return lambda _: True
    engagements = {
        str(engagement["id"])
        async for engagement in states_as_of(ctx, "engagement")
        if any(str(p) in projects for p in engagement.get("project_ids") or ())
    }
    return lambda record: str(record["engagement_id"]) in engagements


_FEEDBACK = TableSource(
    table=FeedbackItem.__table__,  # type: ignore[arg-type]
    to_row=feedback_row,
    live=repository.feedback_items,
    snapshot_scope=_engagements_as_of,
)

FEEDBACK_ITEMS = Dataset(
    name="feedback_items",
    title='Feedback ("you said, we did")',
    description="One row per feedback item raised at an engagement: its theme, the response "
    '("we did") and its status. What was said (`content`) is not exported: it may identify '
    "the person who said it (it is redacted in the audit trail too); read it in the API.",
    columns=(
        _id("id", "The feedback item.", required=True),
        _id("engagement_id", "The engagement it was raised at.", required=True),
        _id("raised_by", "The stakeholder who raised it (empty: anonymous)."),
        _bool("anonymous", "True when nobody is named as raising it."),
        _text("theme", "Theme.", required=True),
        _text("response", 'What was done in response ("we did").'),
        _enum("status", FeedbackStatus, "Where the item is in its life cycle."),
        _moment("responded_at", "When the response was recorded (UTC)."),
        _moment("closed_at", "When it was closed (UTC)."),
        CREATED,
        UPDATED,
    ),
    primary_key=("id",),
    rows=_FEEDBACK.rows,
    roles=READERS,
    as_of=Support(served=True, how=FROM_HISTORY),
    updated_since=Support(served=True, how=BY_UPDATED_AT),
    foreign_keys=(
        ForeignKey(("engagement_id",), "engagements", ("id",)),
        ForeignKey(("raised_by",), "stakeholders", ("id",)),
    ),
    filters=PROJECT_FILTERS,
)


# --- involvement_roles ------------------------------------------------------------------------


def involvement_row(record: Record) -> Row:
    return (
        as_uuid(record["id"]),
        as_uuid(record["stakeholder_id"]),
        as_uuid(record["project_id"]),
        enum_value(record["role"]),
        words(record.get("stages")),
        as_date(record["start_date"]),
        as_date(record.get("end_date")),
        bool(record["payment_offered"]),
        bool(record["expenses_reimbursed"]),
        bool(record["training_provided"]),
        as_datetime(record["created_at"]),
        as_datetime(record["updated_at"]),
    )


_INVOLVEMENT = TableSource(
    table=InvolvementRole.__table__,  # type: ignore[arg-type]
    to_row=involvement_row,
    live=repository.involvement_roles,
    snapshot_scope=_project_of_snapshot,
)

INVOLVEMENT_ROLES = Dataset(
    name="involvement_roles",
    title="Public involvement roles",
    description="One row per public contributor's role in a project (PPI): role, stages, "
    "dates, and whether payment, expenses and training were offered (never rates). No "
    "personal field: the contributor is their stakeholder id.",
    columns=(
        _id("id", "The involvement role.", required=True),
        _id("stakeholder_id", "The public contributor.", required=True),
        _id("project_id", "The project.", required=True),
        _enum("role", InvolvementRoleType, "The role."),
        _text(
            "stages",
            "Stages involved in, separated by single spaces: "
            + ", ".join(_values(InvolvementStage))
            + ".",
        ),
        Column("start_date", ColumnType.DATE, "First day in the role.", required=True),
        Column("end_date", ColumnType.DATE, "Last day in the role (empty: ongoing)."),
        _bool("payment_offered", "Payment was offered (NIHR guidance)."),
        _bool("expenses_reimbursed", "Expenses were reimbursed."),
        _bool("training_provided", "Training was provided."),
        CREATED,
        UPDATED,
    ),
    primary_key=("id",),
    rows=_INVOLVEMENT.rows,
    roles=READERS,
    as_of=Support(served=True, how=FROM_HISTORY),
    updated_since=Support(served=True, how=BY_UPDATED_AT),
    foreign_keys=(ForeignKey(("stakeholder_id",), "stakeholders", ("id",)), PROJECTS_FK),
    filters=PROJECT_FILTERS,
)


# --- participation (aggregated, suppressed) ---------------------------------------------------

ATTENDANCE = ("attended", "did_not_attend")
ROLES = _values(ParticipationRole)


def participation_row(
    engagement_id: Any, anonymous: int, counts: Mapping[tuple[bool, str], int]
) -> Row:
    """One engagement's counts, suppressed: attendance and role are each a distribution of the
    same people (secondary suppression within each, so no hidden cell is recoverable from the
    shown total); the anonymous attendee count is its own count."""
    attendance = suppress(
        "attendance",
        {
            "attended": sum(n for (attended, _), n in counts.items() if attended),
            "did_not_attend": sum(n for (attended, _), n in counts.items() if not attended),
        },
    )
    roles = suppress(
        "role", {role: sum(n for (_, r), n in counts.items() if r == role) for role in ROLES}
    )
    anonymous_shown = suppressed_count(anonymous)
    hidden = (
        attendance.total is None
        or any(cell.suppressed for cell in (*attendance.cells, *roles.cells))
        or anonymous_shown is None
    )
    return (
        as_uuid(engagement_id),
        attendance.total,
        *(cell.count for cell in attendance.cells),
        *(cell.count for cell in roles.cells),
        anonymous_shown,
        hidden,
    )


async def participation_rows(ctx: ExportContext) -> AsyncIterator[Row]:
    if ctx.as_of is None:
        statement = repository.participation_counts(ctx)
        records = stream_mappings(ctx, statement)
        current: Any = None
        anonymous = 0
        counts: Counter[tuple[bool, str]] = Counter()
        async for record in records:
            if record["engagement_id"] != current:
                if current is not None:
                    yield participation_row(current, anonymous, counts)
                current, anonymous, counts = record["engagement_id"], 0, Counter()
                anonymous = int(record["anonymous_attendee_count"] or 0)
            if record["role"] is not None:
                counts[(bool(record["attended"]), enum_value(record["role"]) or "")] += int(
                    record["people"]
                )
        if current is not None:
            yield participation_row(current, anonymous, counts)
        return
    # As of a moment: the engagements and participation records alive then, counted per
    # engagement (one small counter per engagement, never the records themselves).
    projects = ctx.project_ids
    engagements: dict[str, int] = {}
    async for engagement in states_as_of(ctx, "engagement"):
        if projects is None or any(str(p) in projects for p in engagement["project_ids"] or ()):
            engagements[str(engagement["id"])] = int(engagement["anonymous_attendee_count"] or 0)
    tally: defaultdict[str, Counter[tuple[bool, str]]] = defaultdict(Counter)
    async for snapshot in states_as_of(ctx, "participation"):
        if (engagement_id := str(snapshot["engagement_id"])) in engagements:
            tally[engagement_id][(bool(snapshot["attended"]), str(snapshot["role"]))] += 1
    for engagement_id in sorted(engagements, key=lambda value: as_uuid(value) or value):
        yield participation_row(engagement_id, engagements[engagement_id], tally[engagement_id])


def _count(name: str, description: str) -> Column:
    return _int(name, description + " Empty when suppressed (below 5, or to protect one).")


PARTICIPATION = Dataset(
    name="participation",
    title="Participation per engagement (suppressed)",
    description="One row per engagement: how many stakeholders took part, by attendance and "
    "by role, and its anonymous attendee count. Counts of people below 5 are suppressed "
    "(empty), and further cells are hidden where a small one could be worked out from the "
    "total (secondary suppression); `suppressed` says whether any cell of the row is hidden.",
    columns=(
        _id("engagement_id", "The engagement.", required=True),
        _count("participants", "Stakeholders recorded as taking part."),
        _count("attended", "Of them, those who attended."),
        _count("did_not_attend", "Of them, those who did not attend."),
        _count("participant_role", "Of them, those taking part as participants."),
        _count("co_facilitator_role", "Of them, those co-facilitating."),
        _count("observer_role", "Of them, those observing."),
        _count("anonymous_attendees", "Attendees counted without being recorded by name."),
        _bool("suppressed", "True when any count of this row is hidden."),
    ),
    primary_key=("engagement_id",),
    rows=participation_rows,
    roles=READERS,
    as_of=Support(
        served=True,
        how="From the audit history: the engagements and participation records as they "
        "stood at `as_of`, counted and suppressed as now.",
    ),
    updated_since=AGGREGATE_DELTA,
    foreign_keys=(ForeignKey(("engagement_id",), "engagements", ("id",)),),
    filters=PROJECT_FILTERS,
)


# --- equality_summary (aggregated, suppressed) ------------------------------------------------


def equality_rows_of(
    project_id: Any, counters: Mapping[str, Counter[str]], responses: int
) -> list[Row]:
    """One project's distributions, each suppressed as the equality report suppresses them."""
    rows: list[Row] = []
    shown_responses = suppressed_count(responses)
    for name, counts in counters.items():
        values = ALL_CHARACTERISTICS[name].values
        distribution = suppress(name, {member.value: counts[member.value] for member in values})
        for cell in distribution.cells:
            rows.append(
                (
                    as_uuid(project_id),
                    name,
                    cell.value,
                    cell.count,
                    cell.suppressed,
                    distribution.total,
                    shown_responses,
                )
            )
    return rows


async def equality_rows(ctx: ExportContext) -> AsyncIterator[Row]:
    # The characteristics this deployment monitors (STAKEHOLDERS_EQUALITY_CHARACTERISTICS), as
    # the equality report shows them.
    names = tuple(c.name for c in enabled(ctx.extras.get("equality_characteristics")))
    records = stream_mappings(ctx, repository.equality_answers(ctx))
    async for project_id, answers in _grouped(records):
        counters: dict[str, Counter[str]] = {name: Counter() for name in names}
        responses = 0
        for answer in answers:
            responses += 1
            for name in names:
                counters[name][enum_value(answer[name]) or ""] += 1
        for row in equality_rows_of(project_id, counters, responses):
            yield row


async def _grouped(records: AsyncIterator[Any]) -> AsyncIterator[tuple[Any, list[Any]]]:
    """Consecutive records of one project (the statement is in project order). Only the
    answers of one project are held at a time."""
    current: Any = None
    batch: list[Any] = []
    async for record in records:
        if record["project_id"] != current and batch:
            yield current, batch
            batch = []
        current = record["project_id"]
        batch.append(record)
    if batch:
        yield current, batch


EQUALITY_SUMMARY = Dataset(
    name="equality_summary",
    title="Equality monitoring summary per project (suppressed)",
    description="One row per project, characteristic and answer: how many equality monitoring "
    "responses at the project's engagements gave that answer, suppressed below 5 with "
    "secondary suppression (the equality report's rule). Counts the answers the report counts "
    "now: anonymous ones, and linked ones whose consent is current. A response at an engagement "
    "serving several projects counts in each.",
    columns=(
        _id("project_id", "The project.", required=True),
        Column(
            "characteristic",
            ColumnType.STRING,
            "The monitored characteristic: those this deployment switches on "
            "(STAKEHOLDERS_EQUALITY_CHARACTERISTICS), in the equality report's order.",
            enum=tuple(ALL_CHARACTERISTICS),
            required=True,
        ),
        _text("value", "The answer (NHS codes for ethnic category).", required=True),
        _count("count", "Responses giving this answer."),
        _bool("suppressed", "True when `count` is hidden."),
        _count("characteristic_total", "Responses to this characteristic."),
        _count("responses", "Responses at the project's engagements."),
    ),
    primary_key=("project_id", "characteristic", "value"),
    rows=equality_rows,
    roles=READERS,
    as_of=Support.refused(
        "Equality answers are special-category data: they are redacted in the history, and "
        "erasure, consent withdrawal and retention remove them, so a past month cannot (and "
        "must not) be rebuilt. Keep each month's export instead."
    ),
    updated_since=Support.refused(
        "Counts are suppressed below 5: the difference of two suppressed snapshots is not a "
        "count of anything. Export the whole dataset again."
    ),
    foreign_keys=(PROJECTS_FK,),
    filters=PROJECT_FILTERS,
)

DATASETS: tuple[Dataset, ...] = (
    STAKEHOLDERS,
    STAKEHOLDER_ASSESSMENTS,
    ENGAGEMENTS,
    ENGAGEMENT_PROJECTS,
    PARTICIPATION,
    FEEDBACK_ITEMS,
    INVOLVEMENT_ROLES,
    EQUALITY_SUMMARY,
)

__all__ = ["DATASETS"]
