"""Business rules for framework templates. Functions flush, never commit (see shared/README.md).

The lifecycle is a state machine under the platform convention (`shared.transitions`):
`POST /v1/frameworks/{id}/transitions {"to", "reason"}`; a move with no edge is 409
`illegal-transition`; `allowed_transitions` on the read model lists the edges from here for a
caller who may move it (governance, admin). No history table: the audit trail is the history.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.frameworks import repository
from assessment_service.frameworks.definition import (
    DefinitionError,
    TemplateDefinition,
    activation_errors,
    definition_errors,
)
from assessment_service.frameworks.errors import (
    ActiveVersionConflict,
    FrameworkIncomplete,
    FrameworkInUse,
    FrameworkNotEditable,
    FrameworkNotFound,
    FrameworkSourceNotFound,
    FrameworkVersionExists,
    InvalidFrameworkDefinition,
)
from assessment_service.frameworks.models import Framework, FrameworkSource, FrameworkStatus
from assessment_service.frameworks.schemas import (
    FrameworkClone,
    FrameworkCreate,
    FrameworkPatch,
    FrameworkSourceRead,
    FrameworkSummary,
)
from assessment_service.lifecycle import audit_reason
from shared.auth import Principal, Role
from shared.changes import set_action
from shared.db import utcnow
from shared.etag import PreconditionFailed
from shared.event_contract import row_actions
from shared.pagination import Page, Pagination
from shared.patch import merge_patch_changes
from shared.problems import FieldError, pointer_for
from shared.transitions import allowed_from, check_transition

# The lifecycle (DOMAIN.md S5), in the order a frontend shows the moves. A draft may be
# abandoned (retired) without ever being used.
TRANSITIONS: dict[FrameworkStatus, tuple[FrameworkStatus, ...]] = {
    FrameworkStatus.draft: (
        FrameworkStatus.piloting,
        FrameworkStatus.active,
        FrameworkStatus.retired,
    ),
    FrameworkStatus.piloting: (FrameworkStatus.active, FrameworkStatus.retired),
    FrameworkStatus.active: (FrameworkStatus.retired,),
    FrameworkStatus.retired: (),
}
# Who moves a version along its lifecycle (the routes' `require_roles(Role.governance)`).
AUTHORS = (Role.governance, Role.admin)
_ACTIONS = {
    FrameworkStatus.piloting: "piloting_started",
    FrameworkStatus.active: "activated",
    FrameworkStatus.retired: "retired",
}
row_actions(Framework, *_ACTIONS.values(), "first_used")
USABLE = frozenset({FrameworkStatus.piloting, FrameworkStatus.active})


# -- reads ---------------------------------------------------------------------------------------


async def get_framework(session: AsyncSession, framework_id: uuid.UUID) -> Framework:
    framework = await repository.get(session, framework_id)
    if framework is None:
        raise FrameworkNotFound(f"No framework with id {framework_id}.")
    return framework


async def find_version(session: AsyncSession, name: str, semver: str) -> Framework | None:
    return await repository.get_by_name_and_semver(session, name, semver)


async def list_frameworks(
    session: AsyncSession,
    pagination: Pagination,
    *,
    name: str | None,
    status: FrameworkStatus | None,
) -> Page[FrameworkSummary]:
    rows = await pagination.rows(
        session,
        repository.list_statement(name=name, status=status),
        id_column=Framework.id,
        updated_column=Framework.updated_at,
    )
    return rows.as_page(FrameworkSummary)


async def list_sources(session: AsyncSession, pagination: Pagination) -> Page[FrameworkSourceRead]:
    rows = await pagination.rows(
        session, repository.sources_statement(), id_column=FrameworkSource.code
    )
    return rows.as_page(FrameworkSourceRead)


async def get_source(session: AsyncSession, code: str) -> FrameworkSource:
    source = await repository.get_source(session, code)
    if source is None:
        raise FrameworkSourceNotFound("No framework source has this code.")  # never echo input
    return source


def allowed_transitions(framework: Framework, principal: Principal) -> list[FrameworkStatus]:
    """The states this caller can move the version to now (none for a caller who may not)."""
    if not principal.has_any(*AUTHORS):
        return []
    return allowed_from(TRANSITIONS, framework.status)


# -- writes --------------------------------------------------------------------------------------


def _field_errors(errors: list[DefinitionError]) -> list[FieldError]:
    return [FieldError(pointer=e.pointer, location="body", detail=e.detail) for e in errors]


async def known_source_refs(session: AsyncSession) -> set[str]:
    """`code` and `code:item` of every framework source, for validating `source_refs`."""
    refs: set[str] = set()
    for source in await repository.list_sources(session):
        refs.add(source.code)
        refs.update(f"{source.code}:{item['code']}" for item in source.items)
    return refs


async def validate_definition(session: AsyncSession, definition: TemplateDefinition) -> None:
    errors = definition_errors(definition, known_sources=await known_source_refs(session))
    if errors:
        raise InvalidFrameworkDefinition(
            f"The definition breaks {len(errors)} rule(s); see `errors`.",
            errors=_field_errors(errors),
        )


async def create_framework(
    session: AsyncSession, *, data: FrameworkCreate, actor: Principal
) -> Framework:
    definition = TemplateDefinition.model_validate(
        data.model_dump(include=set(TemplateDefinition.model_fields))
    )
    await validate_definition(session, definition)
    if await repository.get_by_name_and_semver(session, data.name, data.semver) is not None:
        raise FrameworkVersionExists(
            f"{data.name} {data.semver} exists; clone it to a new version."
        )
    framework = Framework(
        name=data.name,
        semver=data.semver,
        description=data.description,
        status=FrameworkStatus.draft,
        created_by=actor.subject,
    )
    framework.set_definition(definition)
    repository.add(session, framework)
    await _flush_unique(session, data.name, data.semver)
    return framework


async def _flush_unique(session: AsyncSession, name: str, semver: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent create of the same version
        raise FrameworkVersionExists(f"{name} {semver} exists; clone it to a new version.") from exc


def ensure_editable(framework: Framework) -> None:
    if framework.in_use:
        raise FrameworkInUse(
            f"{framework.name} {framework.semver} was used by an assessment on "
            f"{framework.first_used_at:%Y-%m-%d}; clone it to make version n+1."
        )
    if framework.status not in (FrameworkStatus.draft, FrameworkStatus.piloting):
        raise FrameworkNotEditable(f"The version is {framework.status}; clone it to change it.")


def _merge(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


async def update_framework(
    session: AsyncSession, framework: Framework, *, patch: FrameworkPatch
) -> Framework:
    seen = framework.version
    locked = await repository.lock(session, framework.id)
    if locked is None:
        raise FrameworkNotFound(f"No framework with id {framework.id}.")
    # An assessment that pinned it meanwhile makes it immutable: 409, whatever the version says.
    ensure_editable(locked)
    if locked.version != seen:  # another edit landed since this request read it
        raise PreconditionFailed("The template was changed by another request; read it again.")
    framework = locked
    changes = merge_patch_changes(patch, required=("gates_used", "domains", "engagement_rules"))
    document: dict[str, Any] = {
        "applies_to": framework.applies_to,
        "gates_used": framework.gates_used,
        "scoring_policy": framework.scoring_policy,
        "domains": framework.domains,
        "engagement_rules": framework.engagement_rules,
    }
    for key in ("applies_to", "scoring_policy"):
        if key in changes:
            document[key] = _merge(document[key], changes[key] or {})
    for key in ("gates_used", "domains", "engagement_rules"):
        if key in changes:
            document[key] = changes[key]
    try:
        definition = TemplateDefinition.model_validate(document)
    except ValidationError as exc:  # only reachable through merged keys; report them as such
        raise InvalidFrameworkDefinition(
            "The merged definition is not valid.",
            errors=[
                FieldError(
                    pointer=pointer_for(("body", *e["loc"]))[1], location="body", detail=e["msg"]
                )
                for e in exc.errors()
            ],
        ) from exc
    await validate_definition(session, definition)
    if "description" in changes:
        framework.description = changes["description"] or ""
    framework.set_definition(definition)
    await session.flush()
    return framework


async def transition_framework(
    session: AsyncSession,
    framework: Framework,
    *,
    to: FrameworkStatus,
    reason: str | None = None,
) -> Framework:
    before = framework.status
    check_transition(TRANSITIONS, before, to)
    if to in USABLE:
        errors = activation_errors(framework.definition())
        if errors:
            raise FrameworkIncomplete(
                f"Complete the template before it becomes {to}.", errors=_field_errors(errors)
            )
    now = utcnow()
    if to is FrameworkStatus.active:
        previous = await repository.get_active(session, framework.name)
        if previous is not None and previous.id != framework.id:
            # One active version per name: the new version replaces the old one.
            _retire(previous, now)
            await session.flush()
        framework.active_name = framework.name
        framework.activated_at = now
    if to is FrameworkStatus.retired:
        _retire(framework, now)
    else:
        framework.status = to
        set_action(framework, _ACTIONS[to])
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ActiveVersionConflict(
            f"Another version of {framework.name} was activated at the same time; retry."
        ) from exc
    await audit_reason(session, framework, framework.id, before=before, after=to, reason=reason)
    return framework


def _retire(framework: Framework, now: Any) -> None:
    framework.status = FrameworkStatus.retired
    framework.active_name = None
    framework.retired_at = now
    set_action(framework, "retired")


def _parse(semver: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in semver.split("."))
    return major, minor, patch


def next_semver(existing: list[str], bump: str) -> str:
    major, minor, patch = max(_parse(v) for v in existing)
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return f"{major}.{minor + 1}.0"


async def clone_framework(
    session: AsyncSession, framework: Framework, *, data: FrameworkClone, actor: Principal
) -> Framework:
    """Version n+1: a draft copy of any version (in use or not), ready to be changed."""
    semver = data.semver or next_semver(
        [*await repository.semvers(session, framework.name), framework.semver], data.bump
    )
    if await repository.get_by_name_and_semver(session, framework.name, semver) is not None:
        raise FrameworkVersionExists(f"{framework.name} {semver} exists already.")
    clone = Framework(
        name=framework.name,
        semver=semver,
        description=framework.description,
        status=FrameworkStatus.draft,
        cloned_from_id=framework.id,
        created_by=actor.subject,
    )
    clone.set_definition(framework.definition())
    repository.add(session, clone)
    await _flush_unique(session, framework.name, semver)
    return clone


async def mark_used(session: AsyncSession, framework: Framework) -> None:
    """Called when an assessment pins the version: from now on it is immutable."""
    if framework.first_used_at is None:
        framework.first_used_at = utcnow()
        set_action(framework, "first_used")
        await session.flush()
