"""The stakeholders suite's builders (fictional people only): request bodies and records made
through the API.

Test modules import them: `from services.stakeholders.tests.builders import create_stakeholder`.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.q@example.org"
PHONE = "07700 900123"


def new_stakeholder(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "individual",
        "display_name": NAME,
        "category": "patient",
        "is_public_contributor": True,
        "contact": {"email": EMAIL, "phone": PHONE, "preferred_channel": "email"},
    }
    body.update(overrides)
    return body


async def create_stakeholder(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await api.post("/v1/stakeholders", json=new_stakeholder(**overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


def link_body(
    project_id: uuid.UUID | str, *, owner: str = "olive-owner", role: str = "beneficiary"
) -> dict[str, Any]:
    """`POST /v1/stakeholders/{id}/links`: the stakeholder's part in `project_id`."""
    return {"project_id": str(project_id), "role_in_project": role, "relationship_owner": owner}


async def link(
    api: httpx.AsyncClient,
    stakeholder_id: str,
    project_id: uuid.UUID,
    *,
    owner: str = "olive-owner",
    role: str = "beneficiary",
) -> dict[str, Any]:
    response = await api.post(
        f"/v1/stakeholders/{stakeholder_id}/links",
        json=link_body(project_id, owner=owner, role=role),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def engagement_body(*project_ids: uuid.UUID | str, **overrides: Any) -> dict[str, Any]:
    """`POST /v1/engagements`: a co-design workshop with these projects."""
    return {
        "project_ids": [str(p) for p in project_ids],
        "title": "Discharge lounge co-design workshop",
        "type": "co_design_session",
        "iap2_level": "collaborate",
        "held_at": "2026-03-04T14:00:00Z",
        "mode": "hybrid",
        **overrides,
    }


def assessment_body(project_id: uuid.UUID | str, **overrides: Any) -> dict[str, Any]:
    """`POST /v1/stakeholders/{id}/assessments`: a supporter with little power and much
    interest, consulted today and to be involved."""
    return {
        "project_id": str(project_id),
        "assessed_at": "2026-01-10T09:00:00Z",
        "power": 2,
        "interest": 4,
        "legitimacy": True,
        "urgency": False,
        "stance": "supporter",
        "relationship_quality": 3,
        "trust": 3,
        "current_level": "consult",
        "target_level": "involve",
        **overrides,
    }


async def consent(
    api: httpx.AsyncClient,
    stakeholder_id: str,
    purpose: str = "contact_for_engagement",
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "purpose": purpose,
        "lawful_basis": "consent",
        "information_version": "PIS v2.1",
        "method": "written",
        **extra,
    }
    response = await api.post(f"/v1/stakeholders/{stakeholder_id}/consents", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())
