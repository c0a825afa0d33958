"""Builders for the stakeholders suite (fictional people only)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

PROBLEM = "application/problem+json"
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
        json={"project_id": str(project_id), "role_in_project": role, "relationship_owner": owner},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


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


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = dict(response.json())
    assert body["type"] == f"https://cmdi.example/problems/{slug}", body
    assert body["status"] == status
    return body


@dataclass
class ProjectsStub:
    """What the stub projects service knows; `reachable = False` refuses connections."""

    projects: set[uuid.UUID] = field(default_factory=set)
    teams: dict[uuid.UUID, set[str]] = field(default_factory=dict)
    reachable: bool = True
    calls: list[str] = field(default_factory=list)

    def add_project(self, *team: str) -> uuid.UUID:
        project_id = uuid.uuid4()
        self.projects.add(project_id)
        self.teams[project_id] = set(team)
        return project_id

    def reset(self) -> None:
        self.projects.clear()
        self.teams.clear()
        self.reachable = True
        self.calls.clear()


STUB = ProjectsStub()
