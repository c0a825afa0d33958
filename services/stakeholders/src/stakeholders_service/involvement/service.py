"""Public involvement: roles, UK Standards self-assessment, summary, GRIPP2 drafts and saved
reports, and reach into the PLUS / under-served groups."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.changes import set_action
from shared.db import utcnow
from shared.event_contract import row_actions
from shared.pagination import Page, Pagination
from shared.problems import FieldError
from stakeholders_service.clients.projects import ProjectsClient, require_new_project_write
from stakeholders_service.engagements import repository as engagements
from stakeholders_service.engagements.models import EngagementStatus, FeedbackStatus
from stakeholders_service.engagements.service import require_active_stakeholder
from stakeholders_service.involvement import repository
from stakeholders_service.involvement.errors import (
    Gripp2ReportFinal,
    Gripp2ReportNotFound,
    UnknownGripp2Item,
)
from stakeholders_service.involvement.gripp2_items import FORMS
from stakeholders_service.involvement.models import (
    AssessmentScope,
    Gripp2Form,
    Gripp2Report,
    Gripp2Status,
    InvolvementRole,
    InvolvementRoleType,
    InvolvementStage,
    StandardsSelfAssessment,
    UkStandard,
)
from stakeholders_service.involvement.schemas import (
    Gripp2Draft,
    Gripp2Item,
    Gripp2ReportCreate,
    Gripp2ReportEdit,
    Gripp2ReportRead,
    InvolvementSummary,
    PlusGroupReach,
    PlusReach,
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


async def gripp2_inputs(session: AsyncSession, *, project_id: uuid.UUID) -> dict[str, Any]:
    """What a GRIPP2 draft is generated from, as plain JSON (a saved report keeps it as it was):
    people counts suppressed below 5, as everywhere else."""
    roles = await repository.roles(session, project_id=project_id)
    done = [
        e
        for e in await engagements.engagements_of_project(session, project_id)
        if e.status is EngagementStatus.completed
    ]
    feedback = await engagements.feedback_of(session, [e.id for e in done])
    acted = [f for f in feedback if f.status in (FeedbackStatus.acted_on, FeedbackStatus.closed)]
    status = await standards_status(session, project_id=project_id)
    return {
        "contributors": suppressed_count(len({r.stakeholder_id for r in roles})),
        "roles": sorted({r.role.value for r in roles}),
        "stages": sorted({s for r in roles for s in r.stages}),
        "payment_offered": any(r.payment_offered for r in roles),
        "training_provided": any(r.training_provided for r in roles),
        "completed_engagements": len(done),
        "engagements_by_type": dict(sorted(Counter(e.type.value for e in done).items())),
        "engagements_by_iap2_level": dict(
            sorted(Counter(e.iap2_level.value for e in done).items())
        ),
        "feedback_items": len(feedback),
        "feedback_acted_on": len(acted),
        "impacts": [{"theme": f.theme, "response": f.response} for f in acted if f.response][:10],
        "standards": {
            s.standard.value: (None if s.level is None else str(s.level)) for s in status
        },
    }


def gripp2_prefill(form: Gripp2Form, inputs: dict[str, Any]) -> dict[str, str]:
    """The items the data can pre-fill, by checklist code; the rest start as a placeholder."""
    people = inputs["contributors"]
    roles = _words(inputs["roles"]) or "no recorded roles"
    stages = _words(inputs["stages"]) or "none recorded"
    who = f"{'Fewer than 5' if people is None else people} public contributors"
    methods = (
        f"{who} took part as {roles}, at these stages: {stages}. "
        f"{inputs['completed_engagements']} completed engagement activities "
        f"({_counts(inputs['engagements_by_type'])}); IAP2 levels: "
        f"{_counts(inputs['engagements_by_iap2_level'])}."
    )
    impacts = "\n".join(f"- {i['theme']}: {i['response']}" for i in inputs["impacts"])
    results = (
        f"{inputs['feedback_items']} feedback items were raised; {inputs['feedback_acted_on']} "
        f"were acted on or closed with a recorded response.\n{impacts}"
    ).strip()
    gaps = [
        k.replace("_", " ") for k, v in inputs["standards"].items() if v in (None, "not_started")
    ]
    critical = (
        "UK Standards not yet started or not assessed: " + ", ".join(gaps) + "." if gaps else ""
    )
    if form is Gripp2Form.short:
        return {"methods": methods, "results": results, "critical_perspective": critical}
    offered = [
        label
        for flag, label in (("payment_offered", "payment"), ("training_provided", "training"))
        if inputs[flag]
    ]
    return {
        "1b": methods,
        "4a": methods,
        "4b": f"{who}, in these roles: {roles}."
        + (f" Offered: {', '.join(offered)}." if offered else ""),
        "4c": f"Stages of involvement: {stages}.",
        "4d": f"IAP2 levels of the completed activities: "
        f"{_counts(inputs['engagements_by_iap2_level'])}.",
        "7a": results,
        "7b": impacts,
        "9": critical,
    }


def gripp2_items(form: Gripp2Form, inputs: dict[str, Any]) -> list[dict[str, str]]:
    prefilled = gripp2_prefill(form, inputs)
    return [
        {
            "item": i.code,
            "section": i.section,
            "topic": i.topic,
            "prompt": i.prompt,
            "text": prefilled.get(i.code) or f"[Write: {i.topic.lower()}.]",
        }
        for i in FORMS[form.value]
    ]


async def gripp2_draft(
    session: AsyncSession, *, project_id: uuid.UUID, form: Gripp2Form = Gripp2Form.short
) -> Gripp2Draft:
    """The chosen form, pre-filled with counts and "you said, we did" impacts; not saved."""
    items = gripp2_items(form, await gripp2_inputs(session, project_id=project_id))
    return Gripp2Draft(
        project_id=project_id,
        form=form,
        generated_at=utcnow(),
        items=[Gripp2Item(**{**i, "draft": i["text"]}) for i in items],
    )


async def create_gripp2_report(
    session: AsyncSession,
    *,
    data: Gripp2ReportCreate,
    actor: Principal,
    projects: ProjectsClient,
) -> Gripp2Report:
    """Save a draft with the inputs it was generated from (the project write rule applies)."""
    await require_new_project_write(actor, projects, [data.project_id])
    inputs = await gripp2_inputs(session, project_id=data.project_id)
    report = Gripp2Report(
        project_id=data.project_id,
        form=data.form,
        status=Gripp2Status.draft,
        items=gripp2_items(data.form, inputs),
        inputs=inputs,
        generated_at=utcnow(),
        created_by=actor.subject,
    )
    session.add(report)
    await session.flush()
    return report


async def require_gripp2_report(session: AsyncSession, report_id: uuid.UUID) -> Gripp2Report:
    report = await repository.gripp2_report(session, report_id)
    if report is None:
        raise Gripp2ReportNotFound(f"No GRIPP2 report with id {report_id}.")
    return report


async def _require_editable(
    report: Gripp2Report, actor: Principal, projects: ProjectsClient
) -> None:
    await require_new_project_write(actor, projects, [report.project_id])
    if report.status is Gripp2Status.final:
        raise Gripp2ReportFinal("A final report is not edited: save a new draft instead.")


async def edit_gripp2_report(
    session: AsyncSession,
    report: Gripp2Report,
    *,
    data: Gripp2ReportEdit,
    actor: Principal,
    projects: ProjectsClient,
) -> Gripp2Report:
    """Replace the listed items' text (each edit is a new `version`); unknown codes are 422."""
    await _require_editable(report, actor, projects)
    codes = {i["item"] for i in report.items}
    unknown = [
        FieldError(pointer=f"/items/{n}/item", location="body", detail="not an item of this form")
        for n, edit in enumerate(data.items)
        if edit.item not in codes
    ]
    if unknown:
        raise UnknownGripp2Item(f"This is a {report.form.value}-form report.", errors=unknown)
    texts = {edit.item: edit.text for edit in data.items}
    # A new list, so the JSON column sees the change.
    report.items = [{**i, "text": texts.get(i["item"], i["text"])} for i in report.items]
    await session.flush()
    return report


row_actions(Gripp2Report, "finalised")


async def finalise_gripp2_report(
    session: AsyncSession, report: Gripp2Report, *, actor: Principal, projects: ProjectsClient
) -> Gripp2Report:
    await _require_editable(report, actor, projects)
    report.status = Gripp2Status.final
    report.finalised_at = utcnow()
    report.finalised_by = actor.subject
    set_action(report, "finalised")
    await session.flush()
    return report


async def list_gripp2_reports(
    session: AsyncSession, *, pagination: Pagination, project_id: uuid.UUID | None
) -> Page[Gripp2ReportRead]:
    rows = await pagination.rows(
        session,
        repository.gripp2_reports_statement(project_id=project_id),
        id_column=Gripp2Report.id,
        updated_column=Gripp2Report.updated_at,
    )
    return rows.as_page(Gripp2ReportRead)


async def plus_reach(
    session: AsyncSession,
    *,
    project_id: uuid.UUID | None,
    engagement_id: uuid.UUID | None,
    groups: dict[str, str],
) -> PlusReach:
    """Per configured group: distinct attending people carrying its code, suppressed below 5,
    and their share of all attending people when both counts are shown."""
    people = await repository.plus_codes_of_participants(
        session, project_id=project_id, engagement_id=engagement_id
    )
    participants = suppressed_count(len(people))
    reach = []
    for code, label in groups.items():
        count = suppressed_count(sum(code in codes for codes in people.values()))
        share = None if count is None or participants is None else round(count / participants, 3)
        reach.append(PlusGroupReach(code=code, label=label, people=count, share=share))
    return PlusReach(
        project_id=project_id,
        engagement_id=engagement_id,
        participants=participants,
        groups=reach,
    )


def _words(values: list[str]) -> str:
    return ", ".join(v.replace("_", " ") for v in values)


def _counts(counter: dict[str, int]) -> str:
    return (
        ", ".join(f"{n} {value.replace('_', ' ')}" for value, n in sorted(counter.items()))
        or "none"
    )
