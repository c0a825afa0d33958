"""Moved to `stakeholders_service.clients.projects`; this name stays only until the engagements
and mapping packages import from there (then delete this module)."""

from stakeholders_service.clients.projects import (
    ProjectsDep,
    RelationshipOwnerNotOnTeam,
    UnknownProject,
    require_new_project_write,
    require_owner_on_team,
    require_project_write,
    require_projects,
)

__all__ = [
    "ProjectsDep",
    "RelationshipOwnerNotOnTeam",
    "UnknownProject",
    "require_new_project_write",
    "require_owner_on_team",
    "require_project_write",
    "require_projects",
]
