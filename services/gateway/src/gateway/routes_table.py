"""Which service owns each top-level collection under `/api/v1/` (docs/conventions.md, Addressing).

The proxy and the merged OpenAPI document both read this one table, so a collection is routed
exactly where its documentation says it is.
"""

from __future__ import annotations

from typing import Final

# The services that own data, each with its change feed (merged at `/api/v1/events`).
SERVICES: Final = ("projects", "assessment", "stakeholders")
# Every process the gateway may route to: the services, the reporting service (which owns no
# data and has no feed) and the integrations service (webhooks, machine clients; issue #13).
# Those two are optional: routed, checked for readiness and merged into the OpenAPI document
# when `service_urls` names them (the default does).
UPSTREAMS: Final = (*SERVICES, "reporting", "integrations")
# Every process with a change feed and an audit trail, merged at `/api/v1/events` and
# `/api/v1/audit`: the services always, the integrations service when `service_urls` names it.
FEEDS: Final = (*SERVICES, "integrations")

ROUTES: Final[dict[str, str]] = {
    "projects": "projects",
    "frameworks": "assessment",
    "assessments": "assessment",
    "decisions": "assessment",
    "evaluation": "assessment",
    "stakeholders": "stakeholders",
    "organisations": "stakeholders",
    "engagements": "stakeholders",
    "involvement": "stakeholders",
    "reports": "reporting",
    # The catalog (`/api/v1/exports`) and the bundle are composed by reporting; each dataset is
    # streamed by the service that owns it (EXPORT_DATASETS), straight through the proxy.
    "exports": "reporting",
    "webhooks": "integrations",
    "clients": "integrations",
    "oauth": "integrations",
}

# `/api/v1/exports/<dataset>` → the service that owns the dataset (docs/conventions.md). A
# contract test checks this table against every service's published catalog.
EXPORT_DATASETS: Final[dict[str, str]] = {
    **dict.fromkeys(
        (
            "projects",
            "stage_changes",
            "team_roles",
            "milestones",
            "benefits",
            "outcome_maps",
            "boundary_partners",
            "progress_markers",
            "outcome_journal_ratings",
            "strategy_journal_entries",
            "performance_journal_ratings",
        ),
        "projects",
    ),
    **dict.fromkeys(
        (
            "assessments",
            "criterion_ratings",
            "assessment_results",
            "decisions",
            "decision_conditions",
            "learning_log",
            "findings",
            "adaptations",
        ),
        "assessment",
    ),
    **dict.fromkeys(
        (
            "stakeholders",
            "stakeholder_assessments",
            "engagements",
            "engagement_projects",
            "participation",
            "feedback_items",
            "involvement_roles",
            "equality_summary",
        ),
        "stakeholders",
    ),
}

# Served by the gateway itself (composites that fan out to the services); listed here so nobody
# routes them to a service, and so each service's own platform routes (`/v1/events`,
# `/v1/audit`) never leak into the public API. Those not built yet answer 404.
GATEWAY_COLLECTIONS: Final = frozenset({"events", "audit"})
GATEWAY_BUILT: Final = frozenset({"events", "audit"})

API_PREFIX: Final = "/api"


def owner_of(collection: str) -> str | None:
    """The service that owns `collection`, or None (unknown, or gateway-owned)."""
    return ROUTES.get(collection)


def owner_of_path(service_path: str) -> str | None:
    """The process that answers `service_path` (`/v1/...`): `/v1/exports/<dataset>` the
    dataset's owner (EXPORT_DATASETS), anything else the owner of its collection."""
    collection = collection_of(service_path)
    if collection == "exports":
        owner = EXPORT_DATASETS.get(service_path[len("/v1/exports/") :])
        if owner is not None:
            return owner
    return owner_of(collection or "")


def collection_of(service_path: str) -> str | None:
    """`/v1/projects/123/team` → `projects`; None for paths outside `/v1/`."""
    if not service_path.startswith("/v1/"):
        return None
    return service_path[4:].split("/", 1)[0] or None
