"""Assessments themselves: opening one (checked with the projects service, template pinned, the
project's engagement evidence snapshotted from the stakeholders service), reading and listing
them, and a project's history across gates."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.assessments import repository
from assessment_service.assessments.errors import (
    AssessmentNotFound,
    GateNotOpenForStage,
    NoActiveTemplate,
    OpenAssessmentExists,
    ProjectNotAssessable,
    ProjectNotFoundUpstream,
    TemplateNotApplicable,
    TemplateNotUsable,
)
from assessment_service.assessments.models import (
    Assessment,
    AssessmentStatus,
    PanelMember,
)
from assessment_service.assessments.schemas import (
    AssessmentCreate,
    AssessmentSummary,
    HistoryEntry,
    ProjectHistory,
)
from assessment_service.assessments.service.rules import (
    GATE_STAGES,
    body_error,
    open_key,
)
from assessment_service.clients.projects import ProjectsClient
from assessment_service.clients.stakeholders import EvidenceMissing, StakeholdersClient
from assessment_service.frameworks import repository as frameworks
from assessment_service.frameworks.definition import (
    EvidenceSource,
    Gate,
)
from assessment_service.frameworks.models import Framework, FrameworkStatus
from assessment_service.frameworks.service import USABLE, mark_used
from shared.auth import Principal
from shared.db import utcnow
from shared.pagination import Page, Pagination
from shared.problems import InvalidInput

# -- reads ---------------------------------------------------------------------------------------


async def get_assessment(session: AsyncSession, assessment_id: uuid.UUID) -> Assessment:
    """The assessment with its panel and pinned template loaded, or a 404 problem."""
    assessment = await repository.get(session, assessment_id)
    if assessment is None:
        raise AssessmentNotFound(f"No assessment with id {assessment_id}.")
    return assessment


async def list_assessments(
    session: AsyncSession,
    pagination: Pagination,
    *,
    project_id: uuid.UUID | None,
    gate: Gate | None,
    status: AssessmentStatus | None,
) -> Page[AssessmentSummary]:
    rows = await pagination.rows(
        session,
        repository.list_statement(project_id=project_id, gate=gate, status=status),
        id_column=Assessment.id,
        updated_column=Assessment.updated_at,
    )
    return rows.as_page(AssessmentSummary)


# -- opening -------------------------------------------------------------------------------------


async def _template_for(session: AsyncSession, data: AssessmentCreate) -> Framework:
    if data.template_id is not None:
        # Locked: a concurrent edit or first use of the same version waits its turn (#14).
        template = await frameworks.lock(session, data.template_id)
        if template is None:
            raise InvalidInput(
                "No such template.", errors=body_error("/template_id", "No such template.")
            )
    else:
        assert data.template_name is not None
        found = await frameworks.get_active(session, data.template_name)
        if found is None:
            raise NoActiveTemplate(
                f"{data.template_name!r} has no active version.",
                errors=body_error("/template_name", "No active version."),
            )
        locked = await frameworks.lock(session, found.id)
        assert locked is not None  # a version is never deleted
        template = locked
    if template.status not in USABLE:
        raise TemplateNotUsable(
            f"{template.name} {template.semver} is {template.status}; "
            "use a piloting or active version."
        )
    return template


async def create_assessment(
    session: AsyncSession,
    projects: ProjectsClient,
    *,
    data: AssessmentCreate,
    actor: Principal,
    stakeholders: StakeholdersClient | None = None,
) -> Assessment:
    # Ask the projects service first, before this transaction takes any lock.
    project = await projects.get_project(data.project_id)
    if project is None:
        raise ProjectNotFoundUpstream(
            f"The projects service has no project {data.project_id}.",
            errors=body_error("/project_id", "Unknown project."),
        )
    if project.status == "archived" or project.stage in ("stopped", "closed"):
        raise ProjectNotAssessable(f"The project is {project.status}, at stage {project.stage}.")
    if project.stage not in GATE_STAGES[data.gate]:
        expected = " or ".join(sorted(GATE_STAGES[data.gate]))
        raise GateNotOpenForStage(
            f"{data.gate} assesses projects at stage {expected}; this one is at {project.stage}."
        )
    previous = None
    if data.previous_assessment_id is not None:
        previous = await repository.get(session, data.previous_assessment_id)
        if previous is None or previous.project_id != data.project_id:
            raise InvalidInput(
                "The previous assessment must be one of this project's.",
                errors=body_error("/previous_assessment_id", "Not an assessment of this project."),
            )
    # Also before any lock: the evidence snapshot is a call to another service.
    evidence = await _engagement_snapshot(
        stakeholders, data.project_id, since=previous.created_at if previous else None
    )
    template = await _template_for(session, data)
    definition = template.definition()
    if data.gate not in definition.gates_used:
        raise TemplateNotApplicable(
            f"{template.name} {template.semver} is not used at {data.gate}.",
            errors=body_error("/gate", "The template does not serve this gate."),
        )
    applies_to = definition.applies_to
    if applies_to.is_digital is not None and applies_to.is_digital is not project.is_digital:
        raise TemplateNotApplicable(
            f"{template.name} applies only to "
            f"{'digital' if applies_to.is_digital else 'non-digital'} projects.",
            errors=body_error("/project_id", "The template does not apply to this project."),
        )
    key = open_key(data.project_id, data.gate)
    existing = await repository.get_open(session, key)
    if existing is not None:
        raise OpenAssessmentExists(
            f"Assessment {existing.id} ({existing.status}) is still open for this project at "
            f"{data.gate}; decide or cancel it first.",
            extra={"assessment_id": str(existing.id)},
        )
    assessment = Assessment(
        project_id=data.project_id,
        project_reference=project.reference,
        template_id=template.id,
        gate=data.gate,
        status=AssessmentStatus.draft,
        open_key=key,
        panel_chair=data.panel_chair,
        context_snapshot={
            "stage": project.stage,
            "is_digital": project.is_digital,
            "innovation_type": project.innovation_type,
            "esf_tier": data.esf_tier,
            "project_title": project.title,
            "captured_at": utcnow().isoformat().replace("+00:00", "Z"),
        },
        engagement_evidence={
            **evidence,
            "attached_to": [
                c.code for _, c in definition.criteria() if EvidenceSource.engagement in c.evidence
            ],
        },
        esf_tier=data.esf_tier,
        uses_piloting_template=template.status is FrameworkStatus.piloting,
        previous_assessment_id=data.previous_assessment_id,
        due_at=data.due_at,
        created_by=actor.subject,
    )
    assessment.panel = [PanelMember(subject=subject) for subject in data.assessors]
    session.add(assessment)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent create for the same project and gate
        raise OpenAssessmentExists(
            "Another assessment for this project and gate was opened at the same time."
        ) from exc
    await mark_used(session, template)
    loaded = await repository.get(session, assessment.id)
    assert loaded is not None
    return loaded


async def _engagement_snapshot(
    stakeholders: StakeholdersClient | None, project_id: uuid.UUID, *, since: dt.datetime | None
) -> dict[str, Any]:
    """The project's engagement evidence now (over `since`, the previous assessment's opening,
    to now; the whole history without one), dated; or, if the stakeholders service cannot give
    it, a dated record that it is missing and why. Opening never fails for it."""
    captured_at = utcnow().isoformat().replace("+00:00", "Z")
    if stakeholders is None:
        return {"status": "missing", "captured_at": captured_at, "reason": "not asked"}
    found = await stakeholders.engagement_evidence(project_id, period_from=since)
    if isinstance(found, EvidenceMissing):
        return {"status": "missing", "captured_at": captured_at, "reason": found.reason}
    return {
        "status": "captured",
        "captured_at": captured_at,
        "evidence": found.model_dump(mode="json", by_alias=True),
    }


# -- history -------------------------------------------------------------------------------------


def _domain_scores(assessment: Assessment) -> dict[str, float]:
    if assessment.result is None:
        return {}
    return {
        d["code"]: d["score"]
        for d in assessment.result["score"]["domains"]
        if d["score"] is not None
    }


async def project_history(session: AsyncSession, project_id: uuid.UUID) -> ProjectHistory:
    """Every assessment of the project across gates, oldest first, with the decision taken and
    the change in score since the previous scored assessment at the same gate."""
    rows = await repository.for_project(session, project_id)
    decisions = await repository.current_decisions(session, [row.id for row in rows])
    last_scored: dict[Gate, Assessment] = {}
    entries: list[HistoryEntry] = []
    for row in rows:
        previous = last_scored.get(row.gate)
        change = None
        domain_changes: dict[str, float] = {}
        if previous is not None and row.overall_score is not None:
            assert previous.overall_score is not None
            change = row.overall_score - previous.overall_score
            before, after = _domain_scores(previous), _domain_scores(row)
            domain_changes = {code: after[code] - before[code] for code in after if code in before}
        decision = decisions.get(row.id)
        entries.append(
            HistoryEntry(
                assessment_id=row.id,
                gate=row.gate,
                status=row.status,
                template_id=row.template_id,
                scored_at=row.scored_at,
                overall_score=row.overall_score,
                confidence=row.confidence,
                recommendation=row.recommendation,
                decision_outcome=decision.outcome if decision is not None else None,
                previous_assessment_id=row.previous_assessment_id,
                change_since_previous=change,
                domain_changes=domain_changes,
            )
        )
        if row.overall_score is not None:
            last_scored[row.gate] = row
    return ProjectHistory(project_id=project_id, entries=entries)
