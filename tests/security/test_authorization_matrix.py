"""The authorization matrix, generated from each service's OpenAPI (`app.openapi()`).

Every write (POST/PUT/PATCH/DELETE) is tried by four callers who must not write where the
fixture's records live: a contributor on no team, a contributor on another project's team, a
viewer and a reporter. The expected status comes from `WRITES`, which classifies every write; an
operation missing from it (a new route) fails the suite until someone decides its rule. Bodies are
valid (generated from the schema, with real ids, and checked against it), so a refusal is for who
asks, never for what was sent, and a 422 never passes for a 403.

Every read is tried by a reporter and a viewer: an answer must hold no personal field (the
stakeholders models' `__audit_redact__` sets) and none of the fixture's personal values; a
reporter also never sees a staff member's name.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import httpx
import jsonschema_rs
import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

import assessment_service.main
import integrations_service.main
import projects_service.main
import stakeholders_service.main
from assessment_service.settings import Settings as AssessmentSettings
from integrations_service.settings import Settings as IntegrationsSettings
from projects_service.settings import Settings as ProjectsSettings
from shared.testing import TokenFactory, api_client, project_body, service_app
from stakeholders_service.equality.models import EqualityResponse
from stakeholders_service.settings import Settings as StakeholdersSettings
from stakeholders_service.stakeholders.models import ContactDetails, Stakeholder

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})

# The four callers tried on every write, as (roles, token subject).
NO_TEAM = "contributor_on_no_team"
OTHER_TEAM = "contributor_on_another_team"
VIEWER = "viewer"
REPORTER = "reporter"
CALLERS: dict[str, tuple[str, str]] = {
    NO_TEAM: ("contributor", "carla-no-team"),
    OTHER_TEAM: ("contributor", "omar-other-team"),
    VIEWER: ("viewer", "vera-viewer"),
    REPORTER: ("reporter", "rex-reporter"),
}

# The fixture's fictional personal values: none may reach a reporter or a viewer.
PERSON_NAME = "Zephyrine Quillfeather"
PERSON_EMAIL = "zephyrine.q@example.org"
PERSON_PHONE = "07700 900123"
PERSON_ADDRESS = "12 Larkspur Row, Liverpool L1 0AA"
# Staff names (team display names, facilitators, validators): colleagues (viewer and above) see
# them; a reporter never does.
STAFF_NAMES = ("Tamsin Teague", "Fenella Facilitator", "Valentin Validator", "Orla Owner")

PERSONAL_KEYS = (
    Stakeholder.__audit_redact__
    | ContactDetails.__audit_redact__
    | EqualityResponse.__audit_redact__
    | {"date_of_birth", "contact"}
) - {"display_name"}  # `display_name` also names staff and groups: checked by value instead


class Rule(Enum):
    """What the four callers get, per kind of write."""

    # A write to a project (or to something of a project's): only its team, governance, admin.
    PROJECT = "project-scoped: 403 for all four"
    # Needs a role none of the four holds (governance, evaluator, admin, the panel).
    ROLE = "role-gated: 403 for all four"
    # Any contributor may do it (it belongs to no project yet): contributors 2xx, others 403.
    CONTRIBUTORS = "open to contributors: 2xx for contributors, 403 for viewer and reporter"
    # A portfolio read sent as POST because its project set can be large (the aggregates the
    # reporting service composes): changes nothing; viewer and reporter read it (suppressed, no
    # personal field), contributors are refused.
    READ_BY_POST = "aggregate read by POST: 200 for viewer and reporter, 403 for contributors"

    def expected(self, caller: str) -> set[int]:
        if self is Rule.CONTRIBUTORS and caller in (NO_TEAM, OTHER_TEAM):
            return {200, 201}
        if self is Rule.READ_BY_POST and caller in (VIEWER, REPORTER):
            return {200}
        return {403}


P = "/v1/projects/{project_id}"
M = f"{P}/outcome-maps/{{map_id}}"
A = "/v1/assessments/{assessment_id}"
E = "/v1/evaluation"
S = "/v1/stakeholders"
EN = "/v1/engagements"
DSR = f"{S}/data-subject-requests/{{request_id}}"

WRITES: dict[str, dict[tuple[str, str], Rule]] = {
    "projects": {
        ("POST", "/v1/projects"): Rule.CONTRIBUTORS,
        ("POST", "/v1/aggregates/project-scope"): Rule.READ_BY_POST,
        # A first import creates a project (its importer joins the team), as POST /v1/projects.
        ("POST", "/v1/projects/import/nhs-innovation-record"): Rule.CONTRIBUTORS,
        ("PATCH", P): Rule.PROJECT,
        ("POST", f"{P}/archive"): Rule.ROLE,
        ("POST", f"{P}/benefits"): Rule.PROJECT,
        ("PATCH", f"{P}/benefits/{{benefit_id}}"): Rule.PROJECT,
        ("POST", f"{P}/benefits/{{benefit_id}}/values"): Rule.PROJECT,
        ("POST", f"{P}/milestones"): Rule.PROJECT,
        ("PATCH", f"{P}/milestones/{{milestone_id}}"): Rule.PROJECT,
        **{
            (method, f"{P}/{journal}{suffix}"): Rule.PROJECT
            for journal in ("outcome-journal", "strategy-journal", "performance-journal")
            for method, suffix in (
                ("POST", ""),
                ("PATCH", "/{entry_id}"),
                ("POST", "/{entry_id}/transitions"),
            )
        },
        ("POST", f"{P}/outcome-maps"): Rule.PROJECT,
        ("PATCH", M): Rule.PROJECT,
        ("POST", f"{M}/transitions"): Rule.PROJECT,
        ("POST", f"{M}/evaluation-plan"): Rule.PROJECT,
        ("DELETE", f"{M}/evaluation-plan/{{item_id}}"): Rule.PROJECT,
        ("PATCH", f"{M}/evaluation-plan/{{item_id}}"): Rule.PROJECT,
        ("PATCH", f"{M}/markers/{{marker_id}}"): Rule.PROJECT,
        ("POST", f"{M}/markers/{{marker_id}}/transitions"): Rule.PROJECT,
        ("POST", f"{M}/monitoring-plan"): Rule.PROJECT,
        ("DELETE", f"{M}/monitoring-plan/{{item_id}}"): Rule.PROJECT,
        ("PATCH", f"{M}/monitoring-plan/{{item_id}}"): Rule.PROJECT,
        ("POST", f"{M}/partners"): Rule.PROJECT,
        ("DELETE", f"{M}/partners/{{partner_id}}"): Rule.PROJECT,
        ("PATCH", f"{M}/partners/{{partner_id}}"): Rule.PROJECT,
        ("POST", f"{M}/partners/{{partner_id}}/markers"): Rule.PROJECT,
        ("POST", f"{M}/partners/{{partner_id}}/strategies"): Rule.PROJECT,
        ("PATCH", f"{M}/practices/{{practice}}"): Rule.PROJECT,
        ("DELETE", f"{M}/strategies/{{strategy_id}}"): Rule.PROJECT,
        ("PATCH", f"{M}/strategies/{{strategy_id}}"): Rule.PROJECT,
        ("POST", f"{P}/team"): Rule.PROJECT,
        ("PATCH", f"{P}/team/{{membership_id}}"): Rule.PROJECT,
        ("POST", f"{P}/transitions"): Rule.PROJECT,
    },
    "assessment": {
        ("POST", "/v1/aggregates/governance"): Rule.READ_BY_POST,
        # Assessments: governance opens them; the panel (named assessors, the chair) writes.
        ("POST", "/v1/assessments"): Rule.ROLE,
        ("PUT", f"{A}/complexity"): Rule.ROLE,
        ("POST", f"{A}/consensus/medians"): Rule.ROLE,
        ("PUT", f"{A}/consensus/{{criterion_code}}"): Rule.ROLE,
        ("POST", f"{A}/evidence"): Rule.ROLE,
        ("PUT", f"{A}/panel/me/declaration"): Rule.ROLE,
        ("POST", f"{A}/panel/me/submission"): Rule.ROLE,
        ("POST", f"{A}/panel/{{subject}}/waiver"): Rule.ROLE,
        ("POST", f"{A}/panel"): Rule.ROLE,
        ("POST", f"{A}/panel/{{subject}}/replacement"): Rule.ROLE,
        ("POST", f"{A}/panel/{{subject}}/recusal"): Rule.ROLE,
        ("PUT", f"{A}/ratings/{{criterion_code}}"): Rule.ROLE,
        ("POST", f"{A}/transitions"): Rule.ROLE,
        ("POST", "/v1/decisions"): Rule.ROLE,
        ("POST", "/v1/decisions/{decision_id}/conditions/{condition_id}/transitions"): Rule.ROLE,
        ("POST", "/v1/frameworks"): Rule.ROLE,
        ("POST", "/v1/frameworks/import"): Rule.ROLE,
        ("PATCH", "/v1/frameworks/{framework_id}"): Rule.ROLE,
        ("POST", "/v1/frameworks/{framework_id}/clone"): Rule.ROLE,
        ("POST", "/v1/frameworks/{framework_id}/transitions"): Rule.ROLE,
        # Developmental evaluation: evaluators, and contributors on the project's team.
        ("POST", f"{E}/evaluations"): Rule.PROJECT,
        ("PATCH", f"{E}/evaluations/{{evaluation_id}}"): Rule.PROJECT,
        ("POST", f"{E}/evaluations/{{evaluation_id}}/transitions"): Rule.PROJECT,
        **{
            ("POST", f"{E}/evaluations/{{evaluation_id}}/{child}"): Rule.PROJECT
            for child in (
                "adaptations",
                "briefs",
                "findings",
                "log",
                "questions",
                "sessions",
                "theory-of-change",
            )
        },
        ("PATCH", f"{E}/adaptations/{{adaptation_id}}"): Rule.PROJECT,
        ("POST", f"{E}/adaptations/{{adaptation_id}}/transitions"): Rule.PROJECT,
        ("PATCH", f"{E}/briefs/{{brief_id}}"): Rule.PROJECT,
        ("PATCH", f"{E}/findings/{{finding_id}}"): Rule.PROJECT,
        ("POST", f"{E}/findings/{{finding_id}}/transitions"): Rule.PROJECT,
        ("PATCH", f"{E}/log-entries/{{entry_id}}"): Rule.PROJECT,
        ("POST", f"{E}/log-entries/{{entry_id}}/corrections"): Rule.PROJECT,
        ("PATCH", f"{E}/questions/{{question_id}}"): Rule.PROJECT,
        ("POST", f"{E}/questions/{{question_id}}/transitions"): Rule.PROJECT,
        ("PATCH", f"{E}/sessions/{{session_id}}"): Rule.PROJECT,
        ("PATCH", f"{E}/theory-of-change/{{version_id}}"): Rule.PROJECT,
    },
    "stakeholders": {
        ("POST", "/v1/involvement/comparator-populations"): Rule.ROLE,
        ("POST", "/v1/involvement/gripp2/reports"): Rule.PROJECT,
        ("PATCH", "/v1/involvement/gripp2/reports/{report_id}"): Rule.PROJECT,
        ("POST", "/v1/involvement/gripp2/reports/{report_id}/finalise"): Rule.PROJECT,
        ("POST", "/v1/aggregates/engagement"): Rule.READ_BY_POST,
        ("POST", "/v1/aggregates/project-engagement"): Rule.READ_BY_POST,
        # Registering a person or an organisation belongs to no project yet.
        ("POST", S): Rule.CONTRIBUTORS,
        ("POST", "/v1/organisations"): Rule.CONTRIBUTORS,
        ("PATCH", "/v1/organisations/{organisation_id}"): Rule.CONTRIBUTORS,
        # A stakeholder linked only to another project: that project's team writes to them.
        ("PATCH", f"{S}/{{stakeholder_id}}"): Rule.PROJECT,
        ("PUT", f"{S}/{{stakeholder_id}}/contact"): Rule.PROJECT,
        ("POST", f"{S}/{{stakeholder_id}}/assessments"): Rule.PROJECT,
        ("POST", f"{S}/{{stakeholder_id}}/consents"): Rule.PROJECT,
        ("POST", f"{S}/{{stakeholder_id}}/consents/{{consent_id}}/transitions"): Rule.PROJECT,
        ("POST", f"{S}/{{stakeholder_id}}/links"): Rule.PROJECT,
        ("DELETE", f"{S}/{{stakeholder_id}}/links/{{link_id}}"): Rule.PROJECT,
        ("PATCH", f"{S}/{{stakeholder_id}}/links/{{link_id}}"): Rule.PROJECT,
        ("POST", EN): Rule.PROJECT,
        ("POST", f"{EN}/plans"): Rule.PROJECT,
        ("PATCH", f"{EN}/{{engagement_id}}"): Rule.PROJECT,
        ("POST", f"{EN}/{{engagement_id}}/transitions"): Rule.PROJECT,
        ("POST", f"{EN}/{{engagement_id}}/equality-responses"): Rule.PROJECT,
        ("POST", f"{EN}/{{engagement_id}}/feedback"): Rule.PROJECT,
        ("PATCH", f"{EN}/{{engagement_id}}/feedback/{{feedback_id}}"): Rule.PROJECT,
        ("POST", f"{EN}/{{engagement_id}}/participants"): Rule.PROJECT,
        ("POST", "/v1/involvement/roles"): Rule.PROJECT,
        ("POST", "/v1/involvement/standards"): Rule.PROJECT,
        # Data protection: the governance officer and admins only.
        ("POST", f"{S}/{{stakeholder_id}}/data-subject-requests"): Rule.ROLE,
        ("POST", f"{S}/{{stakeholder_id}}/erasure"): Rule.ROLE,
        ("POST", f"{DSR}/extend"): Rule.ROLE,
        ("POST", f"{DSR}/transitions"): Rule.ROLE,
        ("POST", f"{S}/retention-runs"): Rule.ROLE,
    },
    # Webhooks and machine clients: admins only.
    "integrations": {
        ("POST", "/v1/clients"): Rule.ROLE,
        ("POST", "/v1/clients/{client_id}/revoke"): Rule.ROLE,
        ("POST", "/v1/clients/{client_id}/rotate-secret"): Rule.ROLE,
        ("POST", "/v1/webhooks"): Rule.ROLE,
        ("POST", "/v1/webhooks/deliveries/{delivery_id}/redeliver"): Rule.ROLE,
        ("DELETE", "/v1/webhooks/{webhook_id}"): Rule.ROLE,
        ("PATCH", "/v1/webhooks/{webhook_id}"): Rule.ROLE,
        ("POST", "/v1/webhooks/{webhook_id}/rotate-secret"): Rule.ROLE,
        ("POST", "/v1/webhooks/{webhook_id}/test"): Rule.ROLE,
    },
}
# Writes open to anyone by design, so not in `WRITES`: the OAuth token endpoint takes a client's
# credentials, not a bearer token (its refusals are tested in the integrations suite).
PUBLIC_WRITES: dict[str, set[tuple[str, str]]] = {"integrations": {("POST", "/v1/oauth/token")}}

SERVICES = tuple(WRITES)

SCALES_TEMPLATE: dict[str, Any] = {
    "format": "cmdi-framework-template/1",
    "name": "Matrix template",
    "semver": "1.0.0",
    "scoring_policy": {"min_assessors": 2},
    "domains": [
        {
            "code": "core",
            "label": "Core",
            "weight": 1,
            "criteria": [{"code": "ordinal", "question": "?", "scale": "ordinal_0_4"}],
        }
    ],
}


class Late:
    """An ASGI app bound later: the three services call each other in a circle."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        await self.app(scope, receive, send)


@dataclass
class World:
    """The services, wired to each other, and the records every operation is tried on."""

    apps: dict[str, FastAPI]
    ids: dict[str, str] = field(default_factory=dict)


async def _ok(api: httpx.AsyncClient, method: str, url: str, body: Any = None) -> dict[str, Any]:
    response = await api.request(method, url, json=body)
    assert response.status_code in (200, 201), (method, url, response.text)
    return response.json()  # type: ignore[no-any-return]


async def _build_projects(world: World, gov: httpx.AsyncClient) -> None:
    ids = world.ids
    project = project_body()
    ids["project_id"] = (await _ok(gov, "POST", "/v1/projects", project))["id"]
    ids["other_project_id"] = (await _ok(gov, "POST", "/v1/projects", project))["id"]
    p = f"/v1/projects/{ids['project_id']}"
    member = {"affiliation": "trust", "role": "member"}
    await _ok(
        gov,
        "POST",
        f"/v1/projects/{ids['other_project_id']}/team",
        {"subject": CALLERS[OTHER_TEAM][1], "display_name": "Omar Other", **member},
    )
    ids["membership_id"] = (
        await _ok(
            gov,
            "POST",
            f"{p}/team",
            {"subject": "tess-team", "display_name": STAFF_NAMES[0], **member},
        )
    )["id"]
    ids["benefit_id"] = (
        await _ok(gov, "POST", f"{p}/benefits", BODIES[("POST", f"{P}/benefits")])
    )["id"]
    await _ok(
        gov,
        "POST",
        f"{p}/benefits/{ids['benefit_id']}/values",
        {
            "value_type": "actual",
            "amount": 12.5,
            "as_at": "2026-03-01",
            "validated_by": STAFF_NAMES[2],
        },
    )
    ids["milestone_id"] = (await _ok(gov, "POST", f"{p}/milestones", {"title": "Go live"}))["id"]
    m = f"{p}/outcome-maps"
    ids["map_id"] = (
        await _ok(gov, "POST", m, {"vision": "Recover at home", "mission": "Co-design it"})
    )["id"]
    m = f"{m}/{ids['map_id']}"
    ids["partner_id"] = (
        await _ok(
            gov,
            "POST",
            f"{m}/partners",
            {"name": "ED nursing team", "outcome_challenge": "Refers on day one"},
        )
    )["id"]
    ids["marker_id"] = (
        await _ok(
            gov,
            "POST",
            f"{m}/partners/{ids['partner_id']}/markers",
            {"level": "expect_to_see", "text": "Uses the referral card"},
        )
    )["id"]
    ids["strategy_id"] = (
        await _ok(
            gov,
            "POST",
            f"{m}/partners/{ids['partner_id']}/strategies",
            {"target": "individual", "type": "causal", "description": "Teaching"},
        )
    )["id"]
    ids["evaluation_plan_item_id"] = (
        await _ok(gov, "POST", f"{m}/evaluation-plan", {"evaluation_issue": "Does it work?"})
    )["id"]
    ids["monitoring_plan_item_id"] = (
        await _ok(
            gov,
            "POST",
            f"{m}/monitoring-plan",
            _fill(BODIES[("POST", f"{M}/monitoring-plan")], ids),
        )
    )["id"]
    await _ok(gov, "POST", f"{m}/transitions", {"to": "agreed", "agreed_in": "Workshop"})
    for journal in ("outcome-journal", "strategy-journal", "performance-journal"):
        body = _fill(BODIES[("POST", f"{P}/{journal}")], ids)
        ids[f"{journal}_entry_id"] = (await _ok(gov, "POST", f"{p}/{journal}", body))["id"]


async def _build_assessment(world: World, gov: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    ids = world.ids
    template = await _ok(gov, "POST", "/v1/frameworks/import", SCALES_TEMPLATE)
    ids["framework_id"] = template["id"]
    await _ok(gov, "POST", f"/v1/frameworks/{template['id']}/transitions", {"to": "active"})
    assessment = await _ok(
        gov,
        "POST",
        "/v1/assessments",
        {
            "project_id": ids["project_id"],
            "template_id": template["id"],
            "gate": "g0_triage",
            "assessors": ["alice", "bob"],
            "panel_chair": "gov-1",
        },
    )
    a = f"/v1/assessments/{assessment['id']}"
    ids["assessment_id"] = assessment["id"]
    await _ok(gov, "POST", f"{a}/transitions", {"to": "open"})
    for assessor, value in (("alice", 3), ("bob", 4)):
        token = world_tokens("evaluator", sub=assessor)
        async with api_client(world.apps["assessment"], token=token) as panelist:
            await _ok(panelist, "PUT", f"{a}/panel/me/declaration", {"has_conflict": False})
            await _ok(panelist, "PUT", f"{a}/ratings/ordinal", {"value": value})
            await _ok(panelist, "POST", f"{a}/panel/me/submission")
    for to in ("scoring", "moderation"):
        await _ok(gov, "POST", f"{a}/transitions", {"to": to})
    await _ok(gov, "POST", f"{a}/consensus/medians")
    await _ok(gov, "POST", f"{a}/transitions", {"to": "scored"})
    decision = await _ok(
        gov,
        "POST",
        "/v1/decisions",
        {
            "assessment_id": assessment["id"],
            "outcome": "proceed_with_conditions",
            "forum": "Innovation Board",
            "rationale": "The board wants a report first.",
            "conditions": [
                {"text": "Report in May", "owner": "tess-team", "due_date": "2026-05-01"}
            ],
        },
    )
    ids["decision_id"] = decision["id"]
    ids["condition_id"] = decision["conditions"][0]["id"]
    e = "/v1/evaluation"
    ids["evaluation_id"] = (
        await _ok(
            admin, "POST", f"{e}/evaluations", _fill(BODIES[("POST", f"{E}/evaluations")], ids)
        )
    )["id"]
    ev = f"{e}/evaluations/{ids['evaluation_id']}"
    for child, key in (
        ("questions", "question_id"),
        ("log", "log_entry_id"),
        ("sessions", "session_id"),
        ("findings", "finding_id"),
        ("adaptations", "adaptation_id"),
        ("theory-of-change", "version_id"),
        ("briefs", "brief_id"),
    ):
        body = _body_for(
            world.apps["assessment"], "POST", f"{E}/evaluations/{{evaluation_id}}/{child}", ids
        )
        ids[key] = (await _ok(admin, "POST", f"{ev}/{child}", body))["id"]


async def _build_integrations(world: World, admin: httpx.AsyncClient) -> None:
    """A machine client, a webhook endpoint (never delivered to: the worker is off) and one
    queued test delivery, so each write is refused for who asks, not for a missing record."""
    client = await _ok(admin, "POST", "/v1/clients", {"name": "matrix", "roles": ["reporter"]})
    webhook = await _ok(
        admin,
        "POST",
        "/v1/webhooks",
        {"url": "http://127.0.0.1:9/matrix", "event_types": ["project.*"]},
    )
    queued = await admin.post(f"/v1/webhooks/{webhook['id']}/test")
    assert queued.status_code == 202, queued.text
    delivery = queued.json()
    world.ids |= {
        "client_id": client["id"],
        "webhook_id": webhook["id"],
        "delivery_id": delivery["id"],
    }


async def _build_stakeholders(world: World, gov: httpx.AsyncClient) -> None:
    ids = world.ids
    ids["organisation_id"] = (
        await _ok(gov, "POST", "/v1/organisations", BODIES[("POST", "/v1/organisations")])
    )["id"]
    person = {
        "kind": "individual",
        "display_name": PERSON_NAME,
        "category": "patient",
        "is_public_contributor": True,
        "contact": {
            "email": PERSON_EMAIL,
            "phone": PERSON_PHONE,
            "postal_address": PERSON_ADDRESS,
            "preferred_channel": "email",
        },
    }
    ids["stakeholder_id"] = (await _ok(gov, "POST", S, person))["id"]
    s = f"{S}/{ids['stakeholder_id']}"
    ids["link_id"] = (
        await _ok(
            gov,
            "POST",
            f"{s}/links",
            {
                "project_id": ids["project_id"],
                "role_in_project": "beneficiary",
                "relationship_owner": "tess-team",
            },
        )
    )["id"]
    ids["consent_id"] = (
        await _ok(
            gov, "POST", f"{s}/consents", BODIES[("POST", f"{S}/{{stakeholder_id}}/consents")]
        )
    )["id"]
    ids["request_id"] = (await _ok(gov, "POST", f"{s}/data-subject-requests", {"type": "access"}))[
        "id"
    ]
    plan = _fill(BODIES[("POST", f"{EN}/plans")], ids) | {"owner": STAFF_NAMES[3]}
    await _ok(gov, "POST", f"{EN}/plans", plan)
    engagement = _fill(BODIES[("POST", EN)], ids) | {"facilitator": STAFF_NAMES[1]}
    ids["engagement_id"] = (await _ok(gov, "POST", EN, engagement))["id"]
    en = f"{EN}/{ids['engagement_id']}"
    await _ok(gov, "POST", f"{en}/transitions", {"to": "completed", "anonymous_attendee_count": 3})
    await _ok(gov, "POST", f"{en}/participants", {"stakeholder_id": ids["stakeholder_id"]})
    ids["feedback_id"] = (
        await _ok(
            gov,
            "POST",
            f"{en}/feedback",
            {"raised_by": ids["stakeholder_id"], "theme": "Access", "content": "Parking"},
        )
    )["id"]
    ids["report_id"] = (
        await _ok(gov, "POST", "/v1/involvement/gripp2/reports", {"project_id": ids["project_id"]})
    )["id"]


world_tokens = TokenFactory()

# Writes that need query parameters, made afresh for each call.
QUERIES: dict[tuple[str, str], Callable[[], dict[str, str]]] = {
    # Each caller imports a different innovation (a second import would update the first).
    ("POST", "/v1/projects/import/nhs-innovation-record"): lambda: {
        "innovation_id": str(uuid.uuid4())
    },
}

# Bodies where the schema alone does not give a valid one; `{name}` is a fixture id.
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/v1/involvement/gripp2/reports/{report_id}"): {
        "items": [{"item": "aim", "text": "To involve people with lived experience."}]
    },
    ("POST", "/v1/involvement/comparator-populations"): {
        "key": "catchment",
        "label": "Catchment",
        "source": "Census 2021",
        "as_of": "2021-03-21",
        "rows": [
            {"characteristic": "sex", "category": "female", "share": 0.5},
            {"characteristic": "sex", "category": "male", "share": 0.5},
        ],
    },
    ("POST", "/v1/projects/import/nhs-innovation-record"): {
        "version": "202304",
        "INNOVATION_DESCRIPTION": {"name": "Peer-led falls prevention classes"},
    },
    ("POST", "/v1/projects"): project_body(title="Falls sensors", innovation_type="medical_device"),
    ("POST", f"{P}/benefits"): {
        "title": "Bed days saved",
        "kind": "bed_days",
        "unit": "GBP",
        "confidence": "medium",
    },
    ("POST", f"{P}/benefits/{{benefit_id}}/values"): {
        "value_type": "actual",
        "amount": 1.0,
        "as_at": "2026-03-01",
    },
    ("POST", f"{P}/outcome-journal"): {
        "boundary_partner_id": "{partner_id}",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
    },
    ("POST", f"{P}/strategy-journal"): {
        "outcome_map_id": "{map_id}",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
    },
    ("POST", f"{P}/performance-journal"): {
        "outcome_map_id": "{map_id}",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
    },
    ("POST", f"{M}/monitoring-plan"): {
        "tool": "outcome_journal",
        "priority_kind": "boundary_partner",
        "priority_ref": "{partner_id}",
        "frequency": "quarterly",
    },
    ("POST", f"{P}/team"): {
        "subject": "new-member",
        "display_name": "New Member",
        "affiliation": "trust",
        "role": "member",
    },
    ("POST", f"{P}/transitions"): {"to": "paused", "reason": "Waiting for estates"},
    ("POST", "/v1/assessments"): {
        "project_id": "{other_project_id}",
        "template_id": "{framework_id}",
        "gate": "g0_triage",
        "assessors": ["alice", "bob"],
        "panel_chair": "gov-1",
    },
    ("PUT", f"{A}/ratings/{{criterion_code}}"): {"value": 2},
    ("POST", f"{A}/transitions"): {"to": "scoring"},
    ("POST", "/v1/decisions"): {
        "assessment_id": "{assessment_id}",
        "outcome": "proceed",
        "forum": "Innovation Board",
    },
    ("POST", "/v1/frameworks/import"): SCALES_TEMPLATE | {"semver": "2.0.0"},
    ("POST", "/v1/frameworks"): {"name": "Another template", "semver": "1.0.0"},
    ("POST", f"{E}/evaluations"): {
        "project_id": "{project_id}",
        "purpose": "ongoing_development",
        "sensemaking_cadence": "monthly",
    },
    ("POST", f"{E}/evaluations/{{evaluation_id}}/findings"): {
        "statement": "Nurses refer earlier",
        "confidence": "medium",
    },
    ("POST", f"{E}/questions/{{question_id}}/transitions"): {
        "to": "answered",
        "finding_ids": ["{finding_id}"],
    },
    ("POST", "/v1/organisations"): {"name": "Larkspur PCN", "type": "primary_care"},
    ("POST", S): {"kind": "group", "display_name": "Frailty forum", "category": "community_group"},
    ("POST", f"{S}/{{stakeholder_id}}/consents"): {
        "purpose": "contact_for_engagement",
        "lawful_basis": "consent",
        "information_version": "PIS v2.1",
        "method": "written",
    },
    ("POST", f"{S}/{{stakeholder_id}}/links"): {
        "project_id": "{other_project_id}",
        "role_in_project": "beneficiary",
        "relationship_owner": "omar-other-team",
    },
    ("POST", f"{S}/{{stakeholder_id}}/assessments"): {
        "project_id": "{project_id}",
        "power": 3,
        "interest": 4,
        "legitimacy": True,
        "urgency": False,
        "stance": "supporter",
        "current_level": "consult",
        "target_level": "involve",
        "relationship_quality": 3,
        "trust": 3,
    },
    ("POST", EN): {
        "project_ids": ["{project_id}"],
        "title": "Listening event",
        "type": "workshop",
        "iap2_level": "involve",
        "held_at": "2026-02-01T10:00:00Z",
        "mode": "in_person",
    },
    ("POST", f"{EN}/plans"): {
        "project_id": "{project_id}",
        "segment": "patient",
        "target_level": "involve",
        "frequency": "quarterly",
        "owner": "Tamsin Teague",
    },
    ("POST", f"{EN}/{{engagement_id}}/participants"): {"stakeholder_id": "{stakeholder_id}"},
    ("POST", "/v1/involvement/roles"): {
        "stakeholder_id": "{stakeholder_id}",
        "project_id": "{project_id}",
        "role": "advisory_group_member",
        "stages": ["design"],
        "start_date": "2026-01-01",
    },
    ("POST", f"{DSR}/transitions"): {"to": "identity_verified"},
    ("POST", f"{S}/{{stakeholder_id}}/consents/{{consent_id}}/transitions"): {"to": "withdrawn"},
    ("POST", "/v1/involvement/standards"): {
        "scope": "project",
        "project_id": "{project_id}",
        "period": "2026-Q1",
        "ratings": [
            {"standard": standard, "level": "developing"}
            for standard in (
                "inclusive_opportunities",
                "working_together",
                "support_and_learning",
                "communications",
                "impact",
                "governance",
            )
        ],
    },
}

# Path parameters that name different records at different paths.
PATH_IDS: dict[tuple[str, str], str] = {
    (f"{P}/outcome-journal/{{entry_id}}", "entry_id"): "outcome-journal_entry_id",
    (f"{P}/strategy-journal/{{entry_id}}", "entry_id"): "strategy-journal_entry_id",
    (f"{P}/performance-journal/{{entry_id}}", "entry_id"): "performance-journal_entry_id",
    (f"{M}/evaluation-plan/{{item_id}}", "item_id"): "evaluation_plan_item_id",
    (f"{M}/monitoring-plan/{{item_id}}", "item_id"): "monitoring_plan_item_id",
    (f"{E}/log-entries/{{entry_id}}", "entry_id"): "log_entry_id",
}
FIXED_PATH_VALUES = {
    "practice": "prospecting_new_ideas_opportunities_resources",
    "criterion_code": "ordinal",
    "subject": "alice",
    "code": "cmdi_iiaf",
    "key": "catchment",  # a comparator population's key (none loaded: the read is a 404)
}


def _fill(template: Any, ids: dict[str, str]) -> Any:
    """`template` with every `{name}` string replaced by the fixture id of that name."""
    if isinstance(template, dict):
        return {key: _fill(value, ids) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill(value, ids) for value in template]
    if isinstance(template, str) and re.fullmatch(r"\{\w+\}", template):
        return ids[template[1:-1]]
    return template


def _url(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in FIXED_PATH_VALUES:
            return FIXED_PATH_VALUES[name]
        for (prefix, param), key in PATH_IDS.items():
            if param == name and path.startswith(prefix):
                return ids[key]
        return ids[name]

    return re.sub(r"\{(\w+)\}", value, path)


def _example(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A small valid instance of `schema`: required properties only, first enum values."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _example(document["components"]["schemas"][name], document)
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option.get("type") != "null"]
        return _example(options[0], document) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {name: _example(properties[name], document) for name in schema.get("required", [])}
    if kind == "array":
        return [_example(schema["items"], document) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        formats = {
            "date": "2026-02-01",
            "date-time": "2026-02-01T10:00:00Z",
            "uuid": str(uuid.uuid4()),
        }
        if schema.get("format") in formats:
            return formats[schema["format"]]
        return "Example text"
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


def _invalid_body(body: Any, operation: dict[str, Any], document: dict[str, Any]) -> str | None:
    """Why `body` does not match the operation's documented request schema (None: it does)."""
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None
    schema = next(iter(content.values()))["schema"] | {"components": document["components"]}
    errors = [error.message for error in jsonschema_rs.validator_for(schema).iter_errors(body)]
    return "; ".join(errors) or None


def _body(
    method: str, path: str, operation: dict[str, Any], document: dict[str, Any], ids: dict[str, str]
) -> Any:
    if (method, path) in BODIES:
        return _fill(BODIES[(method, path)], ids)
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None
    schema = next(iter(content.values()))["schema"]
    body = _example(schema, document)
    return {} if body is None else body


def _body_for(app: FastAPI, method: str, path: str, ids: dict[str, str]) -> Any:
    document = app.openapi()
    return _body(method, path, document["paths"][path][method.lower()], document, ids)


def _operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/v1/")
    ]


@pytest.fixture(scope="module")
async def world() -> AsyncIterator[World]:
    to_projects, to_assessment, to_stakeholders = Late(), Late(), Late()
    async with AsyncExitStack() as stack:
        projects = await stack.enter_async_context(
            service_app(
                service="projects_matrix",
                alembic_ini=projects_service.main.ALEMBIC_INI,
                create_app=lambda settings: projects_service.main.create_app(
                    settings,
                    transports={
                        "assessment": httpx.ASGITransport(app=to_assessment),
                        "stakeholders": httpx.ASGITransport(app=to_stakeholders),
                    },
                ),
                settings_factory=ProjectsSettings,
            )
        )
        assessment = await stack.enter_async_context(
            service_app(
                service="assessment_matrix",
                alembic_ini=assessment_service.main.ALEMBIC_INI,
                create_app=lambda settings: assessment_service.main.create_app(
                    settings, transports={"projects": httpx.ASGITransport(app=to_projects)}
                ),
                settings_factory=AssessmentSettings,
            )
        )
        stakeholders = await stack.enter_async_context(
            service_app(
                service="stakeholders_matrix",
                alembic_ini=stakeholders_service.main.ALEMBIC_INI,
                create_app=lambda settings: stakeholders_service.main.create_app(
                    settings, transports={"projects": httpx.ASGITransport(app=to_projects)}
                ),
                settings_factory=lambda **kw: StakeholdersSettings(retention_enabled=False, **kw),
            )
        )
        integrations = await stack.enter_async_context(
            service_app(
                service="integrations_matrix",
                alembic_ini=integrations_service.main.ALEMBIC_INI,
                create_app=integrations_service.main.create_app,
                settings_factory=lambda **kw: IntegrationsSettings(
                    consumer_enabled=False, webhook_worker_enabled=False, **kw
                ),
            )
        )
        to_projects.app, to_assessment.app, to_stakeholders.app = projects, assessment, stakeholders
        world = World(
            apps={
                "projects": projects,
                "assessment": assessment,
                "stakeholders": stakeholders,
                "integrations": integrations,
            }
        )
        gov_token = world_tokens("governance", sub="gov-1")
        admin_token = world_tokens("admin", sub="ada-admin")
        async with api_client(projects, token=gov_token) as gov:
            await _build_projects(world, gov)
        async with (
            api_client(assessment, token=gov_token) as gov,
            api_client(assessment, token=admin_token) as admin,
        ):
            await _build_assessment(world, gov, admin)
        async with api_client(stakeholders, token=gov_token) as gov:
            await _build_stakeholders(world, gov)
        async with api_client(integrations, token=admin_token) as admin:
            await _build_integrations(world, admin)
        yield world


@pytest.mark.parametrize("service", SERVICES)
def test_every_write_is_classified(service: str, world: World) -> None:
    """A new write route fails here until its rule is written into `WRITES`."""
    writes = {
        (method, path)
        for method, path, _ in _operations(world.apps[service])
        if method.lower() in WRITE_METHODS
    } - PUBLIC_WRITES.get(service, set())
    assert sorted(writes - set(WRITES[service])) == [], "unclassified writes"
    assert sorted(set(WRITES[service]) - writes) == [], "classified writes that do not exist"


@pytest.mark.parametrize("service", SERVICES)
async def test_writes_are_refused_to_callers_without_the_right(
    service: str, world: World, tokens: TokenFactory
) -> None:
    app = world.apps[service]
    document = app.openapi()
    wrong: list[str] = []
    tried = 0
    for method, path, operation in _operations(app):
        rule = WRITES[service].get((method, path))
        if rule is None:
            continue  # reported by test_every_write_is_classified
        url = _url(path, world.ids)
        body = _body(method, path, operation, document, world.ids)
        invalid = _invalid_body(body, operation, document)
        if invalid:  # a refusal must be for who is asking, never for what was sent
            wrong.append(f"{method} {path}: the test's body is invalid: {invalid}")
        for caller, (role, subject) in CALLERS.items():
            params = QUERIES.get((method, path), dict)()
            async with api_client(app, token=tokens(role, sub=subject)) as api:
                response = await api.request(method, url, json=body, params=params)
            tried += 1
            if response.status_code not in rule.expected(caller):
                detail = response.text[:160]
                wrong.append(f"{method} {path} as {caller}: {response.status_code} {detail}")
    assert tried == 4 * len(WRITES[service])
    assert wrong == [], "\n".join(wrong)


# Documents that describe data rather than carry it: a JSON Schema names `email` as a property
# (its value a schema), so only their values are scanned for the world's personal data.
SCHEMA_DOCUMENTS = frozenset({"/v1/events/schemas"})


def _scan(
    value: Any,
    forbidden_values: tuple[str, ...],
    where: str,
    found: list[str],
    *,
    keys: bool = True,
) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if keys and key in PERSONAL_KEYS and item not in (None, "[redacted]", [], {}):
                found.append(f"{where}: key {key!r}")
            _scan(item, forbidden_values, where, found, keys=keys)
    elif isinstance(value, list):
        for item in value:
            _scan(item, forbidden_values, where, found, keys=keys)
    elif isinstance(value, str):
        for secret in forbidden_values:
            if secret in value:
                found.append(f"{where}: value {secret!r}")


@pytest.mark.parametrize("caller", [VIEWER, REPORTER])
@pytest.mark.parametrize("service", SERVICES)
async def test_reads_carry_no_personal_data(
    service: str, caller: str, world: World, tokens: TokenFactory
) -> None:
    """Every GET, as a reporter and a viewer (neither on any team nor a relationship owner)."""
    app = world.apps[service]
    role, subject = CALLERS[caller]
    forbidden: tuple[str, ...] = (PERSON_NAME, PERSON_EMAIL, PERSON_PHONE, PERSON_ADDRESS)
    if caller == REPORTER:
        forbidden += STAFF_NAMES
    found: list[str] = []
    answered = 0
    async with api_client(app, token=tokens(role, sub=subject)) as api:
        for method, path, operation in _operations(app):
            if method != "GET":
                continue
            params = {
                p["name"]: world.ids["project_id"]
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p.get("required")
            }
            response = await api.get(_url(path, world.ids), params=params)
            assert response.status_code < 500, (path, response.text)
            if response.status_code == 200:
                answered += 1
                keys = path not in SCHEMA_DOCUMENTS
                _scan(_json(response), forbidden, f"GET {path}", found, keys=keys)
    assert answered > 0
    assert found == [], "\n".join(found)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except json.JSONDecodeError:
        return response.text


async def test_colleagues_see_staff_names_and_a_reporter_does_not(
    world: World, tokens: TokenFactory
) -> None:
    """The rule in `shared.staff_names`: a viewer sees a team member's name, a reporter `null`
    (the role, the subject and the dates stay)."""
    ids = world.ids
    reads = [
        ("projects", f"/v1/projects/{ids['project_id']}/team/{ids['membership_id']}", None),
        ("projects", f"/v1/projects/{ids['project_id']}/team", "items"),
        (
            "projects",
            f"/v1/projects/{ids['project_id']}/benefits/{ids['benefit_id']}/values",
            "items",
        ),
        ("stakeholders", f"/v1/engagements/{ids['engagement_id']}", None),
        ("stakeholders", "/v1/engagements", "items"),
        ("stakeholders", "/v1/engagements/plans", "items"),
    ]
    fields = {
        "team": "display_name",
        "values": "validated_by",
        "plans": "owner",
        "engagements": "facilitator",
    }
    for service, url, items in reads:
        name = next(value for key, value in fields.items() if key in url)
        seen: dict[str, list[Any]] = {}
        for caller in (VIEWER, REPORTER):
            role, subject = CALLERS[caller]
            async with api_client(world.apps[service], token=tokens(role, sub=subject)) as api:
                response = await api.get(url)
            assert response.status_code == 200, (caller, url, response.text)
            body = response.json()
            records = body[items] if items else [body]
            seen[caller] = [record[name] for record in records]
        assert any(value in STAFF_NAMES for value in seen[VIEWER]), (url, seen)
        assert set(seen[REPORTER]) == {None}, (url, seen)
