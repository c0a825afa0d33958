"""Exports: the Core statements the datasets stream (never ORM objects, never an id list: the
export's projects travel as one parameter, `common.in_scope`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from shared.exports.catalog import ExportContext
from stakeholders_service.engagements.models import (
    Engagement,
    EngagementProject,
    FeedbackItem,
    Participation,
)
from stakeholders_service.equality.characteristics import ALL
from stakeholders_service.equality.models import EqualityResponse
from stakeholders_service.exports.common import in_scope
from stakeholders_service.involvement.models import InvolvementRole
from stakeholders_service.mapping.models import StakeholderAssessment
from stakeholders_service.organisations.models import Organisation
from stakeholders_service.privacy.models import ConsentRecord
from stakeholders_service.privacy.repository import current_consent_clause
from stakeholders_service.stakeholders.models import ProjectLink, Stakeholder

S = Stakeholder.__table__
O = Organisation.__table__  # noqa: E741 (the organisation table, as S is the stakeholder's)


def _engagements_in_scope(ctx: ExportContext) -> Select[Any]:
    return select(EngagementProject.engagement_id).where(
        in_scope(ctx, EngagementProject.project_id)
    )


def stakeholders(ctx: ExportContext) -> Select[Any]:
    """Stakeholders with their organisation's name and type (not personal data)."""
    statement = (
        select(
            *S.c,
            O.c.name.label("organisation_name"),
            O.c.type.label("organisation_type"),
            O.c.updated_at.label("organisation_updated_at"),
        )
        .outerjoin(O, O.c.id == S.c.organisation_id)
        .order_by(S.c.id)
    )
    if ctx.project_ids is not None:
        linked = select(ProjectLink.stakeholder_id).where(in_scope(ctx, ProjectLink.project_id))
        statement = statement.where(S.c.id.in_(linked))
    return statement


def stakeholder_changed(_: ExportContext, since: dt.datetime) -> ColumnElement[bool]:
    """A stakeholder row changes when it does or its organisation does (name, type)."""
    return or_(S.c.updated_at > since, O.c.updated_at > since)


def stakeholder_assessments(ctx: ExportContext) -> Select[Any]:
    table = StakeholderAssessment.__table__
    statement = select(*table.c).order_by(table.c.id)
    if ctx.project_ids is not None:
        statement = statement.where(in_scope(ctx, table.c.project_id))
    return statement


def engagements(ctx: ExportContext) -> Select[Any]:
    table = Engagement.__table__
    statement = select(*table.c).order_by(table.c.id)
    if ctx.project_ids is not None:
        statement = statement.where(table.c.id.in_(_engagements_in_scope(ctx)))
    return statement


def feedback_items(ctx: ExportContext) -> Select[Any]:
    table = FeedbackItem.__table__
    statement = select(*table.c).order_by(table.c.id)
    if ctx.project_ids is not None:
        statement = statement.where(table.c.engagement_id.in_(_engagements_in_scope(ctx)))
    return statement


def involvement_roles(ctx: ExportContext) -> Select[Any]:
    table = InvolvementRole.__table__
    statement = select(*table.c).order_by(table.c.id)
    if ctx.project_ids is not None:
        statement = statement.where(in_scope(ctx, table.c.project_id))
    return statement


def participation_counts(ctx: ExportContext) -> Select[Any]:
    """Per engagement (every one, in id order), its participation records counted by
    attendance and role, with its anonymous attendee count: grouped in the database."""
    E, P = Engagement.__table__, Participation.__table__
    statement = (
        select(
            E.c.id.label("engagement_id"),
            E.c.anonymous_attendee_count,
            P.c.attended,
            P.c.role,
            func.count(P.c.id).label("people"),
        )
        .outerjoin(P, P.c.engagement_id == E.c.id)
        .group_by(E.c.id, E.c.anonymous_attendee_count, P.c.attended, P.c.role)
        .order_by(E.c.id)
    )
    if ctx.project_ids is not None:
        statement = statement.where(E.c.id.in_(_engagements_in_scope(ctx)))
    return statement


def equality_answers(ctx: ExportContext) -> Select[Any]:
    """Every answer the equality report counts now (anonymous ones, and linked ones whose
    consent is current: the rule of `equality.repository.report_rows`), once per project its
    engagement serves, in project order."""
    R, EP = EqualityResponse.__table__, EngagementProject.__table__
    characteristics = [R.c[name] for name in ALL]
    statement = (
        select(EP.c.project_id, *characteristics)
        .join(EP, EP.c.engagement_id == R.c.engagement_id)
        .outerjoin(ConsentRecord, ConsentRecord.id == R.c.consent_id)
        .where(
            or_(
                R.c.consent_id.is_(None),
                and_(*current_consent_clause(ctx.snapshot_at)),  # type: ignore[arg-type]
            )
        )
        .order_by(EP.c.project_id)
    )
    if ctx.project_ids is not None:
        statement = statement.where(in_scope(ctx, EP.c.project_id))
    return statement


def engagement_projects(ctx: ExportContext) -> Select[Any]:
    """The engagement ↔ project link rows (with the engagement's `created_at`: the links are
    written with it and never change), in key order; scoped by the link's own project."""
    EP, E = EngagementProject.__table__, Engagement.__table__
    statement = (
        select(EP.c.engagement_id, EP.c.project_id, E.c.created_at)
        .join(E, E.c.id == EP.c.engagement_id)
        .order_by(EP.c.engagement_id, EP.c.project_id)
    )
    if ctx.project_ids is not None:
        statement = statement.where(in_scope(ctx, EP.c.project_id))
    return statement


def engagement_links_changed(_: ExportContext, since: dt.datetime) -> ColumnElement[bool]:
    """A link row changes only by being written, with its engagement."""
    return Engagement.__table__.c.created_at > since


def engagements_deleted(ctx: ExportContext, since: dt.datetime) -> Select[Any]:
    """The deletion events of engagements in (`since`, the export's moment], with the snapshot
    each carries (its `project_ids`: the link rows that went with it), in engagement order."""
    outbox = ctx.platform.outbox
    return (
        select(outbox.c.entity_id, outbox.c.data)
        .where(
            outbox.c.entity_type == Engagement.__tablename__,
            outbox.c.type == f"{Engagement.__tablename__}.deleted",
            outbox.c.occurred_at > since,
            outbox.c.occurred_at <= ctx.moment,
        )
        .order_by(outbox.c.entity_id, outbox.c.seq)
    )
