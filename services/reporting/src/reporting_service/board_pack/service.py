"""The board pack: at most six upstream calls in two rounds, whatever the portfolio's size.

1. concurrently: assessment `GET /v1/decisions` (the meeting's decisions: `forum` and
   `meeting_date`, or the newest page in the period), `GET /v1/assessments?status=scored`
   (awaiting a decision) and `GET /v1/decisions/conditions?status=open&overdue=true`; with a
   portfolio filter, projects `GET /v1/aggregates/portfolio` for the project set;
2. concurrently: assessment `POST /v1/aggregates/governance` (open and past-due condition
   counts over the set) and projects `GET /v1/projects?id=...` (the projects' names).

Each list is one page of up to 200; a longer one says so (`*_truncated`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

from reporting_service.access import View
from reporting_service.board_pack.schemas import (
    AwaitingDecision,
    BoardDecision,
    BoardPack,
    ConditionsSection,
    Meeting,
    OverdueCondition,
    ProjectLabel,
)
from reporting_service.clients.assessment import AssessmentClient
from reporting_service.clients.assessment_schemas import (
    AssessmentPage,
    ConditionPage,
    DecisionPage,
    GovernanceAggregate,
)
from reporting_service.clients.projects import PAGE, ProjectsClient
from reporting_service.clients.projects_schemas import ProjectPage
from reporting_service.definitions import merged
from reporting_service.scope import Scope
from reporting_service.sections import Composer

EVIDENCE_PACK = "/api/v1/reports/decisions/{}/evidence"
DEFINITIONS = {
    "report.board_pack.decisions": "With `meeting_date`, the decisions recorded for that "
    "meeting (and `forum`); without it, those decided in the period (and `forum`), at most "
    "200, newest first; none decided after `as_of`.",
    "report.board_pack.awaiting_decision": "Assessments scored and moderated but not yet "
    "decided, as they stand now (not as of `as_of`).",
    "report.board_pack.conditions": "Open and past-due conditions across the selected projects "
    "as of `as_of`; the list holds the past-due ones, oldest due first, at most 200.",
}


async def board_pack(
    scope: Scope,
    view: View,
    meeting: Meeting,
    *,
    projects: ProjectsClient,
    assessment: AssessmentClient,
) -> BoardPack:
    composer = Composer(scope)
    filtered = scope.filters.any
    decisions, awaiting, overdue, figures = await asyncio.gather(
        composer.run(
            ("decisions",),
            assessment.decisions(forum=meeting.forum, meeting_date=meeting.meeting_date),
        ),
        composer.run(("awaiting_decision",), assessment.assessments(status="scored")),
        composer.run(("conditions",), assessment.open_conditions(scope.as_of, overdue=True)),
        composer.run(("decisions", "awaiting_decision", "conditions"), projects.portfolio(scope))
        if filtered
        else _nothing(),
    )
    selected = set(figures.project_ids or []) if figures is not None and filtered else None
    if filtered and figures is None:
        decisions = awaiting = overdue = None  # the set they are filtered by is unknown
    ids = _project_ids(decisions, awaiting, overdue, selected)
    governance, names = await asyncio.gather(
        composer.run(
            ("conditions",),
            assessment.governance(scope, sorted(selected) if selected is not None else None),
        )
        if overdue is not None
        else _nothing(),
        composer.run(("project_names",), projects.summaries(ids)) if ids else _nothing(),
    )
    composer.finish()
    labels = _labels(names)
    return BoardPack(
        generated_at=scope.generated_at,
        as_of=scope.as_of,
        period=scope.period,
        filters=scope.filters,
        definitions=merged(
            ("assessment", governance.definitions if governance else None),
            ("projects", figures.definitions if figures else None),
            extra=DEFINITIONS,
        ),
        partial=bool(composer.missing),
        missing_sections=composer.missing,
        view=view,
        meeting=meeting,
        decisions=None
        if decisions is None
        else _decisions(decisions, scope, meeting, selected, labels, view),
        decisions_truncated=decisions is not None and decisions.next_cursor is not None,
        awaiting_decision=None if awaiting is None else _awaiting(awaiting, selected, labels),
        awaiting_truncated=awaiting is not None and awaiting.next_cursor is not None,
        conditions=None
        if overdue is None or governance is None
        else _conditions(overdue, governance, scope, selected, labels, view),
    )


async def _nothing() -> None:
    return None


def _in(project_id: uuid.UUID, selected: set[uuid.UUID] | None) -> bool:
    return selected is None or project_id in selected


def _project_ids(
    decisions: DecisionPage | None,
    awaiting: AssessmentPage | None,
    overdue: ConditionPage | None,
    selected: set[uuid.UUID] | None,
) -> list[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for page in (decisions, awaiting, overdue):
        if page is not None:
            found |= {item.project_id for item in page.items if _in(item.project_id, selected)}
    return sorted(found)[:PAGE]


def _labels(names: ProjectPage | None) -> dict[uuid.UUID, ProjectLabel]:
    if names is None:
        return {}
    return {p.id: ProjectLabel(id=p.id, reference=p.reference, title=p.title) for p in names.items}


def _label(labels: dict[uuid.UUID, ProjectLabel], project_id: uuid.UUID) -> ProjectLabel:
    return labels.get(project_id) or ProjectLabel(id=project_id, reference=None, title=None)


def _decisions(
    page: DecisionPage,
    scope: Scope,
    meeting: Meeting,
    selected: set[uuid.UUID] | None,
    labels: dict[uuid.UUID, ProjectLabel],
    view: View,
) -> list[BoardDecision]:
    def wanted(decided_at: dt.datetime) -> bool:
        if decided_at > scope.as_of:
            return False
        if meeting.meeting_date is not None:
            return True
        return scope.period.from_ <= decided_at <= scope.period.to

    return [
        BoardDecision(
            decision_id=d.id,
            project=_label(labels, d.project_id),
            gate=d.gate,
            outcome=d.outcome,
            computed_recommendation=d.computed_recommendation,
            followed_recommendation=not d.overridden,
            status=d.status,
            forum=d.forum,
            meeting_date=d.meeting_date,
            decided_at=d.decided_at,
            decided_by=d.decided_by if view is View.full else None,
            superseded=d.superseded_by_id is not None,
            evidence_pack=EVIDENCE_PACK.format(d.id),
        )
        for d in sorted(page.items, key=lambda d: (d.decided_at, str(d.id)), reverse=True)
        if _in(d.project_id, selected) and wanted(d.decided_at)
    ]


def _awaiting(
    page: AssessmentPage, selected: set[uuid.UUID] | None, labels: dict[uuid.UUID, ProjectLabel]
) -> list[AwaitingDecision]:
    return [
        AwaitingDecision(
            assessment_id=a.id,
            project=_label(labels, a.project_id),
            gate=a.gate,
            overall_score=a.overall_score,
            confidence=a.confidence,
            recommendation=a.recommendation,
            scored_at=a.scored_at,
        )
        for a in page.items
        if _in(a.project_id, selected)
    ]


def _conditions(
    page: ConditionPage,
    governance: GovernanceAggregate,
    scope: Scope,
    selected: set[uuid.UUID] | None,
    labels: dict[uuid.UUID, ProjectLabel],
    view: View,
) -> ConditionsSection:
    today = scope.as_of.date()
    overdue = [
        OverdueCondition(
            condition_id=c.id,
            decision_id=c.decision_id,
            project=_label(labels, c.project_id),
            text=c.text if view is View.full else None,
            owner=c.owner if view is View.full else None,
            due_date=c.due_date,
            days_overdue=(today - c.due_date).days,
        )
        for c in sorted(page.items, key=lambda c: (c.due_date, str(c.id)))
        if _in(c.project_id, selected) and c.due_date < today
    ]
    return ConditionsSection(
        open=governance.conditions.open,
        past_due=governance.conditions.past_due,
        overdue=overdue,
        overdue_truncated=page.next_cursor is not None,
    )
