"""Records the aggregate tests build through the public API (fictional people only), and the
two aggregate calls."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from services.stakeholders.tests.builders import create_stakeholder, link

__all__ = [
    "assess",
    "create_stakeholder",
    "engagement",
    "engagement_aggregate",
    "feedback",
    "instant",
    "link",
    "participate",
    "project_engagement",
    "role",
    "standards",
]


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


async def engagement(
    api: httpx.AsyncClient,
    project_ids: list[uuid.UUID],
    *,
    level: str,
    held_at: str,
    type_: str = "workshop",
    to: str | None = None,
    anonymous: int = 0,
) -> str:
    """An engagement, moved `to` completed or cancelled when asked; its id."""
    body = {
        "project_ids": [str(p) for p in project_ids],
        "title": "Ward round redesign session",
        "type": type_,
        "iap2_level": level,
        "held_at": held_at,
        "mode": "in_person",
    }
    response = await api.post("/v1/engagements", json=body)
    assert response.status_code == 201, response.text
    engagement_id = str(response.json()["id"])
    if to is not None:
        move: dict[str, Any] = {"to": to}
        if to == "completed":
            move["anonymous_attendee_count"] = anonymous
        response = await api.post(f"/v1/engagements/{engagement_id}/transitions", json=move)
        assert response.status_code == 200, response.text
    return engagement_id


async def participate(
    api: httpx.AsyncClient, engagement_id: str, stakeholder_id: str, *, attended: bool = True
) -> None:
    response = await api.post(
        f"/v1/engagements/{engagement_id}/participants",
        json={"stakeholder_id": stakeholder_id, "attended": attended},
    )
    assert response.status_code == 201, response.text


async def feedback(api: httpx.AsyncClient, engagement_id: str) -> str:
    response = await api.post(
        f"/v1/engagements/{engagement_id}/feedback",
        json={"theme": "signage", "content": "The signs to the clinic are hard to follow."},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def respond(
    api: httpx.AsyncClient, engagement_id: str, feedback_id: str, *, close: bool = False
) -> None:
    """Record a response (through considered to acted on), and close the item if asked."""
    path = f"/v1/engagements/{engagement_id}/feedback/{feedback_id}"
    steps: list[dict[str, Any]] = [
        {"status": "considered"},
        {"status": "acted_on", "response": "New signs went up in March."},
    ]
    if close:
        steps.append({"status": "closed"})
    for step in steps:
        response = await api.patch(path, json=step)
        assert response.status_code == 200, response.text


async def assess(
    api: httpx.AsyncClient,
    stakeholder_id: str,
    project_id: uuid.UUID,
    *,
    power: int,
    interest: int,
    legitimacy: bool = False,
    urgency: bool = False,
    current: str = "inform",
    target: str = "inform",
    assessed_at: str | None = None,
    quality: int = 3,
    trust: int = 3,
) -> None:
    body: dict[str, Any] = {
        "project_id": str(project_id),
        "power": power,
        "interest": interest,
        "legitimacy": legitimacy,
        "urgency": urgency,
        "stance": "supporter",
        "relationship_quality": quality,
        "trust": trust,
        "current_level": current,
        "target_level": target,
    }
    if assessed_at is not None:
        body["assessed_at"] = assessed_at
    response = await api.post(f"/v1/stakeholders/{stakeholder_id}/assessments", json=body)
    assert response.status_code == 201, response.text


async def role(
    api: httpx.AsyncClient,
    stakeholder_id: str,
    project_id: uuid.UUID,
    *,
    kind: str = "reviewer",
    stages: list[str] | None = None,
    start: str = "2025-01-10",
    end: str | None = None,
) -> None:
    body: dict[str, Any] = {
        "stakeholder_id": stakeholder_id,
        "project_id": str(project_id),
        "role": kind,
        "stages": stages or ["design"],
        "start_date": start,
    }
    if end is not None:
        body["end_date"] = end
    response = await api.post("/v1/involvement/roles", json=body)
    assert response.status_code == 201, response.text


STANDARDS = (
    "inclusive_opportunities",
    "working_together",
    "support_and_learning",
    "communications",
    "impact",
    "governance",
)


async def standards(
    api: httpx.AsyncClient, project_id: uuid.UUID, period: str, levels: dict[str, str]
) -> None:
    """A project self-assessment: `levels` per standard, `developing` for the others."""
    ratings = [{"standard": s, "level": levels.get(s, "developing")} for s in STANDARDS]
    response = await api.post(
        "/v1/involvement/standards",
        json={
            "scope": "project",
            "project_id": str(project_id),
            "period": period,
            "ratings": ratings,
        },
    )
    assert response.status_code == 201, response.text


async def engagement_aggregate(api: httpx.AsyncClient, **body: Any) -> httpx.Response:
    """`POST /v1/aggregates/engagement`; `period_from` is sent as `from`."""
    if "period_from" in body:
        body["from"] = body.pop("period_from")
    return await api.post("/v1/aggregates/engagement", json=body)


async def project_engagement(api: httpx.AsyncClient, **body: Any) -> httpx.Response:
    if "period_from" in body:
        body["from"] = body.pop("period_from")
    return await api.post("/v1/aggregates/project-engagement", json=body)
