"""Public involvement: roles, UK Standards self-assessment, summary and the GRIPP2 draft."""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import utcnow
from shared.pagination import Page, Pagination
from stakeholders_service.clients.projects import ProjectsClient, require_new_project_write
from stakeholders_service.engagements import repository as engagements
from stakeholders_service.engagements.models import EngagementStatus, FeedbackStatus
from stakeholders_service.engagements.service import require_active_stakeholder
from stakeholders_service.involvement import repository
from stakeholders_service.involvement.models import (
    AssessmentScope,
    InvolvementRole,
    InvolvementRoleType,
    InvolvementStage,
    StandardsSelfAssessment,
    UkStandard,
)
from stakeholders_service.involvement.schemas import (
    Gripp2Draft,
    Gripp2Item,
    InvolvementSummary,
    RoleCreate,
    RoleRead,
    StandardsCreate,
    StandardsRead,
    StandardStatus,
)
from stakeholders_service.suppression import suppress, suppressed_count


async def create_role(
    session: AsyncSession, *, data: RoleCreate, actor: Principal, projects: ProjectsClient
) -> InvolvementRole:
    """Only on a project whose team the caller is on (admin and governance: any)."""
    await require_new_project_write(actor, projects, [data.project_id])
    await require_active_stakeholder(session, data.stakeholder_id, "/stakeholder_id")
    role = InvolvementRole(
        created_by=actor.subject,
        **{**data.model_dump(), "stages": [s.value for s in dict.fromkeys(data.stages)]},
    )
    session.add(role)
    await session.flush()
    return role


async def create_standards(
    session: AsyncSession, *, data: StandardsCreate, actor: Principal, projects: ProjectsClient
) -> StandardsSelfAssessment:
    """A project's self-assessment follows the project write rule; the centre's own (no
    project) stays open to every role that writes here."""
    if data.project_id is not None:
        await require_new_project_write(actor, projects, [data.project_id])
    assessment = StandardsSelfAssessment(
        created_by=actor.subject,
        scope=data.scope,
        project_id=data.project_id,
        period=data.period,
        ratings=[r.model_dump(mode="json") for r in data.ratings],
    )
    session.add(assessment)
    await session.flush()
    return assessment


async def list_roles(
    session: AsyncSession,
    *,
    pagination: Pagination,
    project_id: uuid.UUID | None,
    stakeholder_id: uuid.UUID | None,
) -> Page[RoleRead]:
    rows = await pagination.rows(
        session,
        repository.roles_statement(project_id=project_id, stakeholder_id=stakeholder_id),
        id_column=InvolvementRole.id,
        updated_column=InvolvementRole.updated_at,
    )
    return rows.as_page(RoleRead)


async def list_standards(
    session: AsyncSession,
    *,
    pagination: Pagination,
    scope: AssessmentScope | None,
    project_id: uuid.UUID | None,
) -> Page[StandardsRead]:
    rows = await pagination.rows(
        session,
        repository.standards_statement(scope=scope, project_id=project_id),
        id_column=StandardsSelfAssessment.id,
        updated_column=StandardsSelfAssessment.updated_at,
    )
    return rows.as_page(StandardsRead)


async def standards_status(
    session: AsyncSession, *, project_id: uuid.UUID | None
) -> list[StandardStatus]:
    latest = await repository.latest_standards(session, project_id=project_id)
    levels = {r["standard"]: r["level"] for r in latest.ratings} if latest else {}
    return [
        StandardStatus(
            standard=s, level=levels.get(s.value), period=latest.period if latest else None
        )
        for s in UkStandard
    ]


async def summary(session: AsyncSession, *, project_id: uuid.UUID | None) -> InvolvementSummary:
    roles = await repository.roles(session, project_id=project_id)
    people = {r.stakeholder_id for r in roles}
    # People per role and per stage (one person counts once in each cell).
    by_role = Counter(role for role, _ in {(r.role, r.stakeholder_id) for r in roles})
    by_stage = Counter(
        stage for stage, _ in {(s, r.stakeholder_id) for r in roles for s in r.stages}
    )

    def offered(flag: str) -> int | None:
        return suppressed_count(len({r.stakeholder_id for r in roles if getattr(r, flag)}))

    return InvolvementSummary(
        project_id=project_id,
        contributors=suppressed_count(len(people)),
        by_role=suppress("role", {t.value: by_role[t] for t in InvolvementRoleType}),
        by_stage=suppress("stage", {s.value: by_stage[s.value] for s in InvolvementStage}),
        payment_offered=offered("payment_offered"),
        expenses_reimbursed=offered("expenses_reimbursed"),
        training_provided=offered("training_provided"),
        standards=await standards_status(session, project_id=project_id),
    )


async def gripp2_draft(session: AsyncSession, *, project_id: uuid.UUID) -> Gripp2Draft:
    """Pre-fill the five short-form items with counts and "you said, we did" impacts."""
    roles = await repository.roles(session, project_id=project_id)
    done = [
        e
        for e in await engagements.engagements_of_project(session, project_id)
        if e.status is EngagementStatus.completed
    ]
    feedback = await engagements.feedback_of(session, [e.id for e in done])
    acted = [f for f in feedback if f.status in (FeedbackStatus.acted_on, FeedbackStatus.closed)]
    people = suppressed_count(len({r.stakeholder_id for r in roles}))
    role_names = sorted({r.role.value.replace("_", " ") for r in roles})
    stages = sorted({s.replace("_", " ") for r in roles for s in r.stages})
    levels = Counter(e.iap2_level.value for e in done)
    types = Counter(e.type.value.replace("_", " ") for e in done)
    status = await standards_status(session, project_id=project_id)
    gaps = [s.standard.value.replace("_", " ") for s in status if s.level in (None, "not_started")]
    impacts = [f"- {f.theme}: {f.response}" for f in acted if f.response][:10]
    return Gripp2Draft(
        project_id=project_id,
        generated_at=utcnow(),
        items=[
            Gripp2Item(
                item="aim",
                prompt="Report the aim of PPI in the study.",
                draft="[Write the aim of public involvement in this project.]",
            ),
            Gripp2Item(
                item="methods",
                prompt="Provide a clear description of the methods used for PPI.",
                draft=(
                    f"{'Fewer than 5' if people is None else people} public contributors took "
                    f"part as {', '.join(role_names) or 'no recorded roles'}, at these stages: "
                    f"{', '.join(stages) or 'none recorded'}. {len(done)} completed engagement "
                    f"activities ({_counts(types)}); IAP2 levels: {_counts(levels)}."
                ),
            ),
            Gripp2Item(
                item="results",
                prompt="Outcomes: report the results of PPI, positive and negative.",
                draft=(
                    f"{len(feedback)} feedback items were raised; {len(acted)} were acted on or "
                    "closed with a recorded response.\n" + "\n".join(impacts)
                ).strip(),
            ),
            Gripp2Item(
                item="outcomes",
                prompt="Discussion: comment on the extent to which PPI influenced the study.",
                draft="[Discuss how public input changed the project; see the results above.]",
            ),
            Gripp2Item(
                item="critical_perspective",
                prompt="Reflections/critical perspective: what went well and what did not.",
                draft=(
                    "UK Standards not yet started or not assessed: " + ", ".join(gaps) + "."
                    if gaps
                    else "[Reflect critically on the involvement.]"
                ),
            ),
        ],
    )


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {value}" for value, n in sorted(counter.items())) or "none"
