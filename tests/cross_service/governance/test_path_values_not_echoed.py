"""A problem never echoes a path value the caller made up (issue #9 item 15): an unknown
criterion code or panel subject, however long, is named as "this code" / "this subject"."""

from __future__ import annotations

from .flow import Flow

LONG = "z" * 3000


async def test_an_unknown_criterion_code_is_not_echoed(flow: Flow) -> None:
    assessment = await flow.opened()
    await flow.declare(assessment["id"], "alice")
    response = await flow.rate(assessment["id"], "alice", LONG, 3)
    assert response.status_code in (404, 422), response.text
    assert LONG[:50] not in response.text
    assert "instance" not in response.json()


async def test_an_unknown_panel_subject_is_not_echoed(flow: Flow) -> None:
    assessment = await flow.assessment()
    async with flow.gov as chair:
        response = await chair.post(
            f"/v1/assessments/{assessment['id']}/panel/{LONG}/waiver", json={"reason": "ok"}
        )
    assert response.status_code in (403, 404), response.text
    assert LONG[:50] not in response.text
