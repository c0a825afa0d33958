"""NHS innovation records: import one record (create or update its project) and export one."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from projects_service.nhs_record import service
from projects_service.nhs_record.errors import (
    InconsistentInnovationRecord,
    InnovationImportRace,
)
from projects_service.nhs_record.record import NhsInnovationRecord
from projects_service.nhs_record.schemas import NhsRecordImportRead
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived, ProjectNotFound
from projects_service.projects.models import LeadPartner, Pillar
from projects_service.settings import Settings, settings_dependency
from projects_service.team.errors import NotATeamMember
from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep
from shared.etag import mark_created, mark_version
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/projects", tags=["nhs innovation records"])

Registrar = Annotated[Principal, Depends(require_roles(Role.governance, Role.contributor))]
SettingsDep = Annotated[Settings, Depends(settings_dependency)]

_IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **problem_responses(
        NotATeamMember, ProjectArchived, InnovationImportRace, InconsistentInnovationRecord
    ),
    200: {"model": NhsRecordImportRead, "description": "The linked project was updated."},
}


@router.post(
    "/import/nhs-innovation-record",
    status_code=status.HTTP_201_CREATED,
    responses=_IMPORT_RESPONSES,
)
async def import_nhs_innovation_record(
    record: NhsInnovationRecord,
    session: SessionDep,
    actor: Registrar,
    response: Response,
    settings: SettingsDep,
    innovation_id: Annotated[
        uuid.UUID,
        Query(
            description="The innovation's id in the NHS Innovation Service: the key an import "
            "creates (201) or updates (200) by."
        ),
    ],
    pillar: Annotated[
        Pillar, Query(description="For a new project (the record has no answer).")
    ] = Pillar.project_innovation,
    lead_partner: Annotated[
        LeadPartner, Query(description="For a new project (the record has no answer).")
    ] = LeadPartner.trust,
) -> NhsRecordImportRead:
    """Import one NHS Innovation Service innovation record (document version 202304). The
    mapped fields set the project (fields the record leaves out leave ours alone) and its
    adoption milestones; the whole record is kept, so the export gives back what it does not
    map. A bad record is a 422 whose `errors` point into it (e.g.
    `/INNOVATION_DESCRIPTION/categories/0`). `Idempotency-Key` makes a retry safe."""
    result = await service.import_record(
        session,
        record=record,
        innovation_id=innovation_id,
        actor=actor,
        defaults=service.ImportDefaults(
            pillar=pillar, lead_partner=lead_partner, reference_prefix=settings.reference_prefix
        ),
    )
    location = f"{router.prefix}/{result.project.id}"
    if result.created:
        mark_created(response, location, result.project.version)
    else:
        response.status_code = status.HTTP_200_OK
        response.headers["Content-Location"] = location
        mark_version(response, result.project.version)
    return result


@router.get(
    "/{project_id}/nhs-innovation-record",
    responses=problem_responses(ProjectNotFound),
    response_model=NhsInnovationRecord,
    response_model_exclude_unset=True,
)
async def export_nhs_innovation_record(
    project: ProjectDep, session: SessionDep, _: PrincipalDep
) -> Any:
    """The project as an NHS Innovation Service innovation record (202304): the record it was
    imported from, with our registry's current answers for the fields we map; a project never
    imported gets a record built from the registry alone."""
    return NhsInnovationRecord.model_validate(await service.export_record(session, project))
