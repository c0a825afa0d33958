"""Who may read which report, and in which view (issue #11, permissions).

- Portfolio: governance, admin, reporter and viewer. The upstreams shape what each sees (a
  reporter or viewer gets counts of people below 5 suppressed and no person's subject).
- Decision evidence pack and board pack: governance and admin in full; reporter and viewer the
  aggregate view (categories, scores and counts; names of people, assessors' subjects, free text
  that may name someone and stakeholder detail are left out).
- Project dossier: as the packs, and a contributor or evaluator in full for a project whose team
  they are active on today (the team check is one call to the projects service).
Anyone else: 403 `report-forbidden`.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from reporting_service.clients.projects import ProjectsClient
from reporting_service.errors import ProjectNotFound, ReportForbidden
from shared.auth import Principal, Role

FULL_ROLES = (Role.admin, Role.governance)
AGGREGATE_ROLES = (Role.reporter, Role.viewer)
TEAM_ROLES = (Role.contributor, Role.evaluator)


class View(StrEnum):
    full = "full"
    aggregate = "aggregate"


def portfolio_reader(principal: Principal) -> View:
    if principal.has_any(*FULL_ROLES):
        return View.full
    if principal.has_any(*AGGREGATE_ROLES):
        return View.aggregate
    raise ReportForbidden("The portfolio is for governance, admin, reporter and viewer callers.")


def pack_reader(principal: Principal) -> View:
    """The view of an evidence pack or board pack for this caller."""
    if principal.has_any(*FULL_ROLES):
        return View.full
    if principal.has_any(*AGGREGATE_ROLES):
        return View.aggregate
    raise ReportForbidden("Packs are for governance and admin (reporter and viewer: aggregates).")


async def dossier_reader(
    principal: Principal, project_id: uuid.UUID, projects: ProjectsClient
) -> View:
    """The view of a project's dossier; a team role must be on the project's team today."""
    if principal.has_any(*FULL_ROLES):
        return View.full
    if principal.has_any(*AGGREGATE_ROLES):
        return View.aggregate
    if principal.has_any(*TEAM_ROLES):
        member = await projects.is_active_member(project_id, principal.subject)
        if member is None:
            raise ProjectNotFound("No such project.")
        if member:
            return View.full
        raise ReportForbidden("A project's dossier is for its team (and governance).")
    raise ReportForbidden("Dossiers are for governance, admin, reporters, viewers and the team.")
