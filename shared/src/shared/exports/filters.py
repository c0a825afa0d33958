"""The filters exports share with the list endpoints, declared once so every dataset spells,
validates and documents them alike. The stage values are the projects service's `Stage`
strings, copied (services never import each other); a test compares them."""

from __future__ import annotations

from shared.exports.catalog import Filter

UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"

# projects_service.projects.models.Stage, in lifecycle order.
STAGES: tuple[str, ...] = (
    "idea",
    "scoping",
    "design",
    "pilot",
    "evaluation",
    "scaling",
    "embedding",
    "sustained",
    "closed",
    "paused",
    "stopped",
)

PROJECT_ID = Filter(
    name="project_id",
    description="Only rows of these projects (repeatable: `?project_id=a&project_id=b`).",
    pattern=UUID_PATTERN,
    format="uuid",
)
DIRECTORATE = Filter(
    name="directorate",
    description="Only rows of projects in these directorates (exact name, repeatable).",
)
STAGE = Filter(
    name="stage",
    description="Only rows of projects now in these stages (repeatable).",
    enum=STAGES,
)
# The project filters a dataset about projects' things usually takes together.
PROJECT_FILTERS: tuple[Filter, ...] = (PROJECT_ID, DIRECTORATE, STAGE)
