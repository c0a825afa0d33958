"""Rules of the theory of change: versions numbered in order per evaluation, only the latest
editable, changed by adaptations of the same evaluation. Functions flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.models import (
    AdaptationDecision,
    DevelopmentalEvaluation,
    TheoryOfChangeAdaptation,
    TheoryOfChangeVersion,
)
from assessment_service.evaluation.repository import lock_evaluation
from assessment_service.evaluation.service import (
    Writer,
    load,
    relink,
    same_evaluation,
    writable,
)
from assessment_service.evaluation.theory_of_change import repository
from assessment_service.evaluation.theory_of_change.errors import (
    TheoryOfChangeNotFound,
    TheoryOfChangeSuperseded,
)
from assessment_service.evaluation.theory_of_change.schemas import (
    TheoryOfChangeCreate,
    TheoryOfChangePatch,
    TheoryOfChangeRead,
)
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes


def _adaptation_link(adaptation_id: uuid.UUID) -> TheoryOfChangeAdaptation:
    return TheoryOfChangeAdaptation(adaptation_id=adaptation_id)


async def get_version(session: AsyncSession, version_id: uuid.UUID) -> TheoryOfChangeVersion:
    found: TheoryOfChangeVersion = await load(
        session, TheoryOfChangeVersion, version_id, TheoryOfChangeNotFound, *repository.TOC_LOAD
    )
    return found


async def list_versions(
    session: AsyncSession, evaluation: DevelopmentalEvaluation, pagination: Pagination
) -> Page[TheoryOfChangeRead]:
    rows = await pagination.rows(
        session,
        repository.versions(evaluation.id),
        id_column=TheoryOfChangeVersion.id,
        updated_column=TheoryOfChangeVersion.updated_at,
    )
    return rows.as_page(TheoryOfChangeRead)


async def create_version(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: TheoryOfChangeCreate,
    writer: Writer,
) -> TheoryOfChangeVersion:
    await writable(writer, evaluation)
    await same_evaluation(
        session, AdaptationDecision, evaluation.id, data.changed_because, "changed_because"
    )
    await lock_evaluation(session, evaluation.id)
    version = TheoryOfChangeVersion(
        evaluation_id=evaluation.id,
        number=await repository.last_number(session, evaluation.id) + 1,
        narrative=data.narrative,
        assumptions=[assumption.model_dump(mode="json") for assumption in data.assumptions],
        recorded_by=writer.principal.subject,
        adaptation_links=[_adaptation_link(i) for i in data.changed_because],
    )
    session.add(version)
    await session.flush()
    return version


async def update_version(
    session: AsyncSession,
    version: TheoryOfChangeVersion,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: TheoryOfChangePatch,
    writer: Writer,
) -> TheoryOfChangeVersion:
    await writable(writer, evaluation)
    if await repository.last_number(session, evaluation.id) > version.number:
        raise TheoryOfChangeSuperseded(
            f"Version {version.number} has been superseded; revise the latest version."
        )
    changes = merge_patch_changes(patch, required=("narrative", "assumptions", "changed_because"))
    changed_because = changes.pop("changed_because", None)
    if changed_because is not None:
        await same_evaluation(
            session, AdaptationDecision, evaluation.id, changed_because, "changed_because"
        )
        relink(version, "adaptation_links", changed_because, "adaptation_id", _adaptation_link)
    if "assumptions" in changes:
        changes["assumptions"] = [
            {"text": a["text"], "status": str(a["status"])} for a in changes["assumptions"]
        ]
    apply_changes(version, changes)
    await session.flush()
    return version
