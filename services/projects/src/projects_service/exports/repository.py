"""The live export queries: one Core select per dataset, its columns labelled as the dataset's
`to_row` reads them, ordered by primary key, with the project filters as a subquery and
`updated_since` on the indexed `updated_at` columns (migration `exports_change_indexes`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select

from projects_service.benefits.models import Benefit, BenefitValue
from projects_service.exports.scope import Query, project_conditions, restrict
from projects_service.journals.models import (
    MarkerRating,
    OutcomeJournalEntry,
    PerformanceJournalEntry,
    PracticeJournalEntry,
    StrategyJournalEntry,
)
from projects_service.milestones.models import Milestone
from projects_service.outcome_maps.models import BoundaryPartner, OutcomeMap, ProgressMarker
from projects_service.projects.models import Project, StageChange
from projects_service.team.models import TeamMembership
from shared.exports.catalog import ExportContext


def _changed(statement: Query, ctx: ExportContext, *columns: Any) -> Query:
    """Rows whose own (or copied parent) columns changed after `updated_since`."""
    if ctx.updated_since is None:
        return statement
    since = ctx.updated_since
    changed: list[ColumnElement[bool]] = [column > since for column in columns]
    return statement.where(or_(*changed))


def projects(ctx: ExportContext) -> Query:
    statement = select(
        Project.id,
        Project.reference,
        Project.title,
        Project.summary,
        Project.problem_statement,
        Project.pillar,
        Project.innovation_type,
        Project.directorate,
        Project.site_code,
        Project.lead_partner,
        Project.stage,
        Project.status,
        Project.stage_changed_at,
        Project.is_digital,
        Project.funding_source,
        Project.budget_gbp,
        Project.core20plus5_tags,
        Project.net_zero_relevant,
        Project.tags,
        Project.start_date,
        Project.planned_end_date,
        Project.created_at,
        Project.updated_at,
    ).where(*project_conditions(ctx))
    return _changed(statement, ctx, Project.updated_at).order_by(Project.id)


def stage_changes(ctx: ExportContext, *, filtered: bool = True) -> Query:
    """Append-only: `as_of` is `occurred_at <= as_of`, `updated_since` is `occurred_at >`.
    `filtered=False` leaves the project filters to the caller (history mode)."""
    statement = select(
        StageChange.id,
        StageChange.project_id,
        StageChange.from_stage,
        StageChange.to_stage,
        StageChange.kind,
        StageChange.action,
        StageChange.reason,
        StageChange.gate,
        StageChange.decision_id,
        StageChange.occurred_at,
    )
    if ctx.as_of is not None:
        statement = statement.where(StageChange.occurred_at <= ctx.as_of)
    if ctx.updated_since is not None:
        statement = statement.where(StageChange.occurred_at > ctx.updated_since)
    if filtered:
        statement = restrict(statement, StageChange.project_id, ctx)
    return statement.order_by(StageChange.id)


def team_roles(ctx: ExportContext) -> Query:
    statement = select(
        TeamMembership.id,
        TeamMembership.project_id,
        TeamMembership.subject,
        TeamMembership.affiliation,
        TeamMembership.role,
        TeamMembership.fte,
        TeamMembership.start_date,
        TeamMembership.end_date,
        TeamMembership.created_at,
        TeamMembership.updated_at,
    )
    statement = restrict(statement, TeamMembership.project_id, ctx)
    return _changed(statement, ctx, TeamMembership.updated_at).order_by(TeamMembership.id)


def milestones(ctx: ExportContext) -> Query:
    statement = select(
        Milestone.id,
        Milestone.project_id,
        Milestone.title,
        Milestone.description,
        Milestone.due_date,
        Milestone.status,
        Milestone.gate,
        Milestone.completed_on,
        Milestone.adoption_code,
        Milestone.evidence_uri,
        Milestone.created_at,
        Milestone.updated_at,
    )
    statement = restrict(statement, Milestone.project_id, ctx)
    return _changed(statement, ctx, Milestone.updated_at).order_by(Milestone.id)


def benefits(ctx: ExportContext) -> Query:
    statement = select(
        BenefitValue.id,
        BenefitValue.benefit_id,
        Benefit.project_id,
        Benefit.kind.label("benefit_kind"),
        Benefit.title.label("benefit_title"),
        Benefit.unit,
        Benefit.confidence,
        Benefit.status.label("benefit_status"),
        BenefitValue.value_type,
        BenefitValue.amount,
        BenefitValue.as_at,
        BenefitValue.period_start,
        BenefitValue.period_end,
        BenefitValue.note,
        BenefitValue.created_at,
        BenefitValue.updated_at,
    ).join(Benefit, Benefit.id == BenefitValue.benefit_id)
    statement = restrict(statement, Benefit.project_id, ctx)
    return _changed(statement, ctx, BenefitValue.updated_at, Benefit.updated_at).order_by(
        BenefitValue.id
    )


def outcome_maps(ctx: ExportContext) -> Query:
    statement = select(
        OutcomeMap.id,
        OutcomeMap.project_id,
        OutcomeMap.map_version,
        OutcomeMap.status,
        OutcomeMap.vision,
        OutcomeMap.mission,
        OutcomeMap.agreed_at,
        OutcomeMap.agreed_in,
        OutcomeMap.superseded_at,
        OutcomeMap.supersedes_id,
        OutcomeMap.created_at,
        OutcomeMap.updated_at,
    )
    statement = restrict(statement, OutcomeMap.project_id, ctx)
    return _changed(statement, ctx, OutcomeMap.updated_at).order_by(OutcomeMap.id)


def boundary_partners(ctx: ExportContext) -> Query:
    # A map's project never changes, so the copied `project_id` needs no change check.
    statement = select(
        BoundaryPartner.id,
        BoundaryPartner.outcome_map_id,
        OutcomeMap.project_id,
        BoundaryPartner.lineage_id,
        BoundaryPartner.name,
        BoundaryPartner.description,
        BoundaryPartner.why_critical,
        BoundaryPartner.current_relationship,
        BoundaryPartner.outcome_challenge,
        BoundaryPartner.stakeholder_refs,
        BoundaryPartner.position,
        BoundaryPartner.created_at,
        BoundaryPartner.updated_at,
    ).join(OutcomeMap, OutcomeMap.id == BoundaryPartner.outcome_map_id)
    statement = restrict(statement, OutcomeMap.project_id, ctx)
    return _changed(statement, ctx, BoundaryPartner.updated_at).order_by(BoundaryPartner.id)


def progress_markers(ctx: ExportContext) -> Query:
    statement = select(
        ProgressMarker.id,
        ProgressMarker.boundary_partner_id,
        ProgressMarker.outcome_map_id,
        OutcomeMap.project_id,
        ProgressMarker.lineage_id,
        ProgressMarker.level,
        ProgressMarker.text,
        ProgressMarker.position,
        ProgressMarker.weight,
        ProgressMarker.state,
        ProgressMarker.replaced_by_id,
        ProgressMarker.revises_id,
        ProgressMarker.rationale_category,
        ProgressMarker.created_at,
        ProgressMarker.updated_at,
    ).join(OutcomeMap, OutcomeMap.id == ProgressMarker.outcome_map_id)
    statement = restrict(statement, OutcomeMap.project_id, ctx)
    return _changed(statement, ctx, ProgressMarker.updated_at).order_by(ProgressMarker.id)


def outcome_journal_ratings(ctx: ExportContext) -> Query:
    entry = OutcomeJournalEntry
    statement = select(
        MarkerRating.id,
        MarkerRating.entry_id,
        entry.project_id,
        entry.outcome_map_id,
        entry.boundary_partner_id,
        entry.partner_lineage_id,
        entry.period_start,
        entry.period_end,
        entry.status.label("entry_status"),
        MarkerRating.progress_marker_id,
        MarkerRating.marker_lineage_id,
        MarkerRating.level,
        MarkerRating.rating,
        MarkerRating.note,
        MarkerRating.created_at,
        MarkerRating.updated_at,
    ).join(entry, entry.id == MarkerRating.entry_id)
    statement = restrict(statement, entry.project_id, ctx)
    return _changed(statement, ctx, MarkerRating.updated_at, entry.updated_at).order_by(
        MarkerRating.id
    )


def strategy_journal_entries(ctx: ExportContext) -> Query:
    entry = StrategyJournalEntry
    statement = select(
        entry.id,
        entry.project_id,
        entry.outcome_map_id,
        entry.period_start,
        entry.period_end,
        entry.status,
        entry.strategy_ids,
        entry.activities_implemented,
        entry.effectiveness,
        entry.outputs,
        entry.required_follow_up,
        entry.programme_response,
        entry.lessons,
        entry.submitted_at,
        entry.reviewed_at,
        entry.amends_id,
        entry.created_at,
        entry.updated_at,
    )
    statement = restrict(statement, entry.project_id, ctx)
    return _changed(statement, ctx, entry.updated_at).order_by(entry.id)


def performance_journal_ratings(ctx: ExportContext) -> Query:
    entry = PerformanceJournalEntry
    statement = select(
        PracticeJournalEntry.id,
        PracticeJournalEntry.entry_id,
        entry.project_id,
        entry.outcome_map_id,
        entry.period_start,
        entry.period_end,
        entry.status.label("entry_status"),
        PracticeJournalEntry.practice,
        PracticeJournalEntry.rating,
        PracticeJournalEntry.examples_or_indicators,
        PracticeJournalEntry.created_at,
        PracticeJournalEntry.updated_at,
    ).join(entry, entry.id == PracticeJournalEntry.entry_id)
    statement = restrict(statement, entry.project_id, ctx)
    return _changed(statement, ctx, PracticeJournalEntry.updated_at, entry.updated_at).order_by(
        PracticeJournalEntry.id
    )
