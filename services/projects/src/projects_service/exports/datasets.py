"""The projects service's export datasets (#12): declarations, and their row sources.

How `as_of` is served: every dataset but `stage_changes` is a table whose writes the outbox
records with the full row (`shared.exports.history.states_as_of`); `stage_changes` is
append-only, so it is its own history (`occurred_at <= as_of`). `updated_since` reads indexed
`updated_at` columns (and deletions from the outbox as tombstones).

Personal data: no dataset carries a person's name. `team_roles` publishes the token subject
(a pseudonymous id, which the team API shows every role) but never `display_name`, for anyone:
names are redacted in history, so an `as_of` file could not carry them, and a file a reporter
may read stays the same file for everyone. Benefit values leave out `validated_by` likewise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence

from projects_service.benefits.models import BenefitKind, BenefitStatus, Confidence, ValueType
from projects_service.exports import fields as f, repository
from projects_service.exports.scope import PROJECT_FILTERS, Query, historic, projects_as_of
from projects_service.exports.sources import BATCH, AuditedSource, Parent, ProjectSource
from projects_service.journals.models import JournalStatus, Rating
from projects_service.milestones.models import Gate, MilestoneStatus
from projects_service.outcome_maps.models import (
    MapStatus,
    MarkerLevel,
    MarkerState,
    Practice,
    RevisionRationale,
)
from projects_service.projects.models import (
    Core20Plus5,
    InnovationType,
    LeadPartner,
    Pillar,
    ProjectStatus,
    Stage,
    StageChangeKind,
)
from projects_service.team.models import Affiliation, TeamRole
from shared.auth import Role
from shared.exports.catalog import (
    Dataset,
    ExportContext,
    ForeignKey,
    Row,
    RowSource,
    Support,
    Tombstone,
)
from shared.exports.history import stream_mappings

READERS = frozenset({Role.admin, Role.governance, Role.reporter})
# The project list is the one portfolio-wide read a viewer has.
PROJECT_READERS = READERS | {Role.viewer}

OUTBOX_AS_OF = Support(
    True,
    "Each row as it stood at `as_of`: its last change recorded in the outbox at or before "
    "then (the outbox keeps every write's full row and is never pruned); rows created later "
    "are absent, rows deleted later are present.",
)
UPDATED_AT = Support(
    True,
    "Rows whose `updated_at` is after `updated_since`, and a tombstone (primary key, "
    "`deleted` true) for each row deleted since, from the outbox. Archival is a change of "
    "`status`, so archived rows come as changed rows.",
)
UPDATED_AT_WITH_PARENT = Support(
    True,
    "Rows whose own `updated_at`, or their parent's (whose columns they copy), is after "
    "`updated_since`, and a tombstone for each row deleted since, from the outbox.",
)


def _project(name: str = "project_id") -> f.Field:
    return f.uuid_(name, "The project (`projects.id`).", required=True)


def _fk(column: str, dataset: str, reference: str = "id") -> ForeignKey:
    return ForeignKey((column,), dataset, (reference,))


TO_PROJECT = _fk("project_id", "projects")


def _audited(
    *,
    name: str,
    title: str,
    description: str,
    fields: Sequence[f.Field],
    entity_type: str,
    statement: Callable[[ExportContext], Query],
    foreign_keys: tuple[ForeignKey, ...],
    parent: Parent | None = None,
    roles: frozenset[Role] = READERS,
    source_type: type[AuditedSource] = AuditedSource,
) -> Dataset:
    source = source_type(entity_type, statement, f.row_reader(fields), parent=parent)
    return Dataset(
        name=name,
        title=title,
        description=description,
        columns=f.columns(fields),
        primary_key=("id",),
        rows=source,
        roles=roles,
        as_of=OUTBOX_AS_OF,
        updated_since=UPDATED_AT_WITH_PARENT if parent and parent.changes_rows else UPDATED_AT,
        foreign_keys=foreign_keys,
        filters=PROJECT_FILTERS,
        select=f.rendered_select(fields, statement),
    )


PROJECT_FIELDS = (
    f.uuid_("id", "The project id.", required=True),
    f.text("reference", "The project's reference, e.g. CMDI-2026-014.", required=True),
    f.text("title", "Title.", required=True),
    f.text("summary", "Summary."),
    f.text("problem_statement", "The problem the project addresses."),
    f.enum("pillar", "Pillar.", Pillar, required=True),
    f.enum("innovation_type", "Type of innovation.", InnovationType, required=True),
    f.text("directorate", "The trust directorate."),
    f.text("site_code", "ODS site code."),
    f.enum("lead_partner", "Who leads.", LeadPartner, required=True),
    f.enum("stage", "Lifecycle stage.", Stage, required=True),
    f.enum("status", "`archived` is the soft delete.", ProjectStatus, required=True),
    f.moment("stage_changed_at", "When the stage last changed (UTC).", required=True),
    f.flag("is_digital", "A digital innovation (DTAC and ESF criteria apply).", required=True),
    f.text("funding_source", "Funding source."),
    f.number("budget_gbp", "Budget in pounds."),
    f.listed(
        "core20plus5_tags",
        "Core20PLUS5 tags: " + ", ".join(tag.value for tag in Core20Plus5) + ".",
    ),
    f.flag("net_zero_relevant", "Relevant to NHS net zero.", required=True),
    f.listed("tags", "Free tags."),
    f.day("start_date", "Start date."),
    f.day("planned_end_date", "Planned end date."),
    *f.stamps(),
)

PROJECTS = _audited(
    name="projects",
    title="Projects",
    description="The project registry: one row per project (archived ones included).",
    fields=PROJECT_FIELDS,
    entity_type="project",
    statement=repository.projects,
    foreign_keys=(),
    roles=PROJECT_READERS,
    source_type=ProjectSource,
)


STAGE_CHANGE_FIELDS = (
    f.uuid_("id", "The stage change id.", required=True),
    _project(),
    f.enum("from_stage", "Stage before.", Stage, required=True),
    f.enum("to_stage", "Stage after.", Stage, required=True),
    f.enum(
        "kind", "A transition asked for, or a governance decision.", StageChangeKind, required=True
    ),
    f.text(
        "action",
        "The transition (pause, resume, stop, close, end_pilot) or decision outcome.",
        required=True,
    ),
    f.text("reason", "Why, as recorded."),
    f.text("gate", "The gate a decision was taken at."),
    f.uuid_("decision_id", "The decision (`decisions.id`) that moved the stage."),
    f.moment("occurred_at", "When the stage changed (UTC).", required=True),
)
_stage_change_row = f.row_reader(STAGE_CHANGE_FIELDS)


async def _stage_change_rows(ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
    """Append-only history: never updated or deleted, so no tombstones."""
    projects = await projects_as_of(ctx) if historic(ctx) else None
    statement = repository.stage_changes(ctx, filtered=not historic(ctx))
    async for record in stream_mappings(ctx, statement, fetch=BATCH):
        if projects is not None and str(record["project_id"]) not in projects:
            continue
        yield _stage_change_row(record)


_stage_change_source: RowSource = _stage_change_rows

STAGE_CHANGES = Dataset(
    name="stage_changes",
    title="Stage changes",
    description="The stage history: one row per change of a project's stage, never updated.",
    columns=f.columns(STAGE_CHANGE_FIELDS),
    primary_key=("id",),
    rows=_stage_change_source,
    roles=READERS,
    as_of=Support(True, "Append-only: the changes with `occurred_at` at or before `as_of`."),
    updated_since=Support(
        True, "Append-only: the changes with `occurred_at` after `updated_since` (never deleted)."
    ),
    foreign_keys=(TO_PROJECT,),
    filters=PROJECT_FILTERS,
    select=f.rendered_select(STAGE_CHANGE_FIELDS, repository.stage_changes),
)

TEAM_ROLES = _audited(
    name="team_roles",
    title="Team roles",
    description=(
        "One row per membership: a person (by token subject, never by name) in a role on a "
        "project for a period. Memberships end (`end_date`), never vanish."
    ),
    fields=(
        f.uuid_("id", "The membership id.", required=True),
        _project(),
        f.text("subject", "The person's token subject (pseudonymous id; no name).", required=True),
        f.enum("affiliation", "Affiliation.", Affiliation, required=True),
        f.enum("role", "Role on the team.", TeamRole, required=True),
        f.number("fte", "Full-time equivalent."),
        f.day("start_date", "From."),
        f.day("end_date", "To (empty: still on the team)."),
        *f.stamps(),
    ),
    entity_type="team_membership",
    statement=repository.team_roles,
    foreign_keys=(TO_PROJECT,),
)

MILESTONES = _audited(
    name="milestones",
    title="Milestones",
    description="One row per project milestone (adoption catalogue milestones included).",
    fields=(
        f.uuid_("id", "The milestone id.", required=True),
        _project(),
        f.text("title", "Title.", required=True),
        f.text("description", "Description."),
        f.day("due_date", "Due date."),
        f.enum("status", "Status.", MilestoneStatus, required=True),
        f.enum("gate", "The gate the milestone leads to.", Gate),
        f.day("completed_on", "Completion date."),
        f.text("adoption_code", "Adoption milestone catalogue code."),
        f.text("evidence_uri", "Evidence link."),
        *f.stamps(),
    ),
    entity_type="milestone",
    statement=repository.milestones,
    foreign_keys=(TO_PROJECT,),
)

BENEFITS = _audited(
    name="benefits",
    title="Benefit values",
    description=(
        "One row per dated figure of a benefit (estimated, validated, actual), with its "
        "benefit's register columns: how each benefit's figures moved over time."
    ),
    fields=(
        f.uuid_("id", "The value id.", required=True),
        f.uuid_("benefit_id", "The benefit in the register.", required=True),
        _project(),
        f.enum("benefit_kind", "Kind of benefit.", BenefitKind, required=True),
        f.text("benefit_title", "The benefit's title.", required=True),
        f.text("unit", "Unit of `amount`.", required=True),
        f.enum("confidence", "Confidence in the benefit.", Confidence, required=True),
        f.enum("benefit_status", "The benefit's status.", BenefitStatus, required=True),
        f.enum("value_type", "Estimated, validated or actual.", ValueType, required=True),
        f.number("amount", "The figure, in `unit`.", required=True),
        f.day("as_at", "The date the figure is for.", required=True),
        f.day("period_start", "Start of the period measured."),
        f.day("period_end", "End of the period measured."),
        f.text("note", "Note."),
        *f.stamps(),
    ),
    entity_type="benefit_value",
    statement=repository.benefits,
    foreign_keys=(TO_PROJECT,),
    parent=Parent(
        "benefit",
        "benefit_id",
        {
            "project_id": "project_id",
            "benefit_kind": "kind",
            "benefit_title": "title",
            "unit": "unit",
            "confidence": "confidence",
            "benefit_status": "status",
        },
        changes_rows=True,
    ),
)

OUTCOME_MAPS = _audited(
    name="outcome_maps",
    title="Outcome maps",
    description="One row per outcome map version of a project.",
    fields=(
        f.uuid_("id", "The map version id.", required=True),
        _project(),
        f.integer("map_version", "Version number (1, 2, ...).", required=True),
        f.enum("status", "Draft, agreed or superseded.", MapStatus, required=True),
        f.text("vision", "Vision."),
        f.text("mission", "Mission."),
        f.moment("agreed_at", "When it was agreed (UTC)."),
        f.text("agreed_in", "Where it was agreed (workshop note)."),
        f.moment("superseded_at", "When a later version replaced it (UTC)."),
        f.uuid_("supersedes_id", "The version it replaced (`outcome_maps.id`)."),
        *f.stamps(),
    ),
    entity_type="outcome_map",
    statement=repository.outcome_maps,
    foreign_keys=(TO_PROJECT, _fk("supersedes_id", "outcome_maps")),
)

_MAP_PROJECT = Parent("outcome_map", "outcome_map_id", {"project_id": "project_id"})

BOUNDARY_PARTNERS = _audited(
    name="boundary_partners",
    title="Boundary partners",
    description="One row per boundary partner (a group, never a person) of a map version.",
    fields=(
        f.uuid_("id", "The partner id.", required=True),
        f.uuid_("outcome_map_id", "The map version.", required=True),
        _project(),
        f.uuid_("lineage_id", "The same partner across map versions.", required=True),
        f.text("name", "The group's label.", required=True),
        f.text("description", "Description."),
        f.text("why_critical", "Why the partner is critical."),
        f.text("current_relationship", "The current relationship."),
        f.text("outcome_challenge", "The partner's outcome challenge."),
        f.listed("stakeholder_refs", "Stakeholder ids (`stakeholders.id`)."),
        f.integer("position", "Order on the map.", required=True),
        *f.stamps(),
    ),
    entity_type="boundary_partner",
    statement=repository.boundary_partners,
    foreign_keys=(TO_PROJECT, _fk("outcome_map_id", "outcome_maps")),
    parent=_MAP_PROJECT,
)

PROGRESS_MARKERS = _audited(
    name="progress_markers",
    title="Progress markers",
    description="One row per progress marker of a boundary partner in a map version.",
    fields=(
        f.uuid_("id", "The marker id.", required=True),
        f.uuid_("boundary_partner_id", "The boundary partner.", required=True),
        f.uuid_("outcome_map_id", "The map version.", required=True),
        _project(),
        f.uuid_("lineage_id", "The same marker across map versions.", required=True),
        f.enum("level", "Expect, like or love to see.", MarkerLevel, required=True),
        f.text("text", "The marker.", required=True),
        f.integer("position", "Order within its level.", required=True),
        f.integer("weight", "Weight in attainment.", required=True),
        f.enum("state", "Active, revised or retired.", MarkerState, required=True),
        f.uuid_("replaced_by_id", "Its successor (`progress_markers.id`)."),
        f.uuid_("revises_id", "The marker it revises (`progress_markers.id`)."),
        f.enum("rationale_category", "Why it was revised.", RevisionRationale),
        *f.stamps(),
    ),
    entity_type="progress_marker",
    statement=repository.progress_markers,
    foreign_keys=(
        TO_PROJECT,
        _fk("outcome_map_id", "outcome_maps"),
        _fk("boundary_partner_id", "boundary_partners"),
    ),
    parent=_MAP_PROJECT,
)


def _entry_parent(entity_type: str, extra: dict[str, str]) -> Parent:
    return Parent(
        entity_type,
        "entry_id",
        {
            "project_id": "project_id",
            "outcome_map_id": "outcome_map_id",
            **extra,
            "period_start": "period_start",
            "period_end": "period_end",
            "entry_status": "status",
        },
        changes_rows=True,
    )


def _entry_fields() -> tuple[f.Field, ...]:
    return (
        f.day("period_start", "Start of the entry's monitoring period.", required=True),
        f.day("period_end", "End of the entry's monitoring period.", required=True),
        f.enum("entry_status", "The journal entry's status.", JournalStatus, required=True),
    )


OUTCOME_JOURNAL_RATINGS = _audited(
    name="outcome_journal_ratings",
    title="Outcome journal ratings",
    description=(
        "One row per progress marker rated in an outcome journal entry (the entries' ratings "
        "unnested), with the entry's period and status. Amended entries keep `amended`."
    ),
    fields=(
        f.uuid_("id", "The rating id.", required=True),
        f.uuid_("entry_id", "The outcome journal entry.", required=True),
        _project(),
        f.uuid_("outcome_map_id", "The map version.", required=True),
        f.uuid_("boundary_partner_id", "The boundary partner.", required=True),
        f.uuid_("partner_lineage_id", "The partner across map versions.", required=True),
        *_entry_fields(),
        f.uuid_("progress_marker_id", "The marker rated.", required=True),
        f.uuid_("marker_lineage_id", "The marker across map versions.", required=True),
        f.enum("level", "The marker's level.", MarkerLevel, required=True),
        f.enum("rating", "The rating.", Rating, required=True),
        f.text("note", "Note."),
        *f.stamps(),
    ),
    entity_type="marker_rating",
    statement=repository.outcome_journal_ratings,
    foreign_keys=(
        TO_PROJECT,
        _fk("outcome_map_id", "outcome_maps"),
        _fk("boundary_partner_id", "boundary_partners"),
        _fk("progress_marker_id", "progress_markers"),
    ),
    parent=_entry_parent(
        "outcome_journal_entry",
        {"boundary_partner_id": "boundary_partner_id", "partner_lineage_id": "partner_lineage_id"},
    ),
)

STRATEGY_JOURNAL_ENTRIES = _audited(
    name="strategy_journal_entries",
    title="Strategy journal entries",
    description="One row per strategy journal entry (OM step 10).",
    fields=(
        f.uuid_("id", "The entry id.", required=True),
        _project(),
        f.uuid_("outcome_map_id", "The map version.", required=True),
        f.day("period_start", "Start of the monitoring period.", required=True),
        f.day("period_end", "End of the monitoring period.", required=True),
        f.enum("status", "Status.", JournalStatus, required=True),
        f.listed("strategy_ids", "The strategies reported on."),
        f.text("activities_implemented", "Activities implemented."),
        f.text("effectiveness", "How the activities influenced the partners."),
        f.text("outputs", "Outputs."),
        f.text("required_follow_up", "Required follow-up."),
        f.text("programme_response", "Programme response."),
        f.text("lessons", "Lessons."),
        f.moment("submitted_at", "When submitted (UTC)."),
        f.moment("reviewed_at", "When reviewed (UTC)."),
        f.uuid_("amends_id", "The entry it corrects (`strategy_journal_entries.id`)."),
        *f.stamps(),
    ),
    entity_type="strategy_journal_entry",
    statement=repository.strategy_journal_entries,
    foreign_keys=(
        TO_PROJECT,
        _fk("outcome_map_id", "outcome_maps"),
        _fk("amends_id", "strategy_journal_entries"),
    ),
)

PERFORMANCE_JOURNAL_RATINGS = _audited(
    name="performance_journal_ratings",
    title="Performance journal ratings",
    description=(
        "One row per organisational practice described in a performance journal entry, with "
        "its rating (optional) and the entry's period and status."
    ),
    fields=(
        f.uuid_("id", "The practice entry id.", required=True),
        f.uuid_("entry_id", "The performance journal entry.", required=True),
        _project(),
        f.uuid_("outcome_map_id", "The map version.", required=True),
        *_entry_fields(),
        f.enum("practice", "The organisational practice.", Practice, required=True),
        f.enum("rating", "The rating (empty: described, not rated).", Rating),
        f.text("examples_or_indicators", "Examples or indicators."),
        *f.stamps(),
    ),
    entity_type="practice_journal_entry",
    statement=repository.performance_journal_ratings,
    foreign_keys=(TO_PROJECT, _fk("outcome_map_id", "outcome_maps")),
    parent=_entry_parent("performance_journal_entry", {}),
)

DATASETS: tuple[Dataset, ...] = (
    PROJECTS,
    STAGE_CHANGES,
    TEAM_ROLES,
    MILESTONES,
    BENEFITS,
    OUTCOME_MAPS,
    BOUNDARY_PARTNERS,
    PROGRESS_MARKERS,
    OUTCOME_JOURNAL_RATINGS,
    STRATEGY_JOURNAL_ENTRIES,
    PERFORMANCE_JOURNAL_RATINGS,
)
