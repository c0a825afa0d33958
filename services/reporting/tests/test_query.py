"""What every report takes: `as_of` (not in the future), the period (`from` not after `to`,
`to` not after `as_of`), the filters (an unknown value is a 422 with its pointer, whether this
service or an upstream knows it is unknown), and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from services.reporting.tests.upstreams import Upstreams
from shared.db import utcnow
from shared.testing import assert_problem

# Fixed, not random: they name parametrized tests, which every xdist worker must collect alike.
DECISION = "7fb240b6-24ff-46b5-ac6f-bb3345fece1d"
PROJECT = "3d0e8ea1-be77-462f-a63b-2204876f94e3"
REPORTS = [
    "/v1/reports/portfolio",
    f"/v1/reports/decisions/{DECISION}/evidence",
    "/v1/reports/board-pack",
    f"/v1/reports/projects/{PROJECT}/dossier",
]


def _pointers(body: dict[str, object]) -> list[object]:
    errors = body.get("errors")
    assert isinstance(errors, list), body
    return [error["pointer"] for error in errors]


def _later(**delta: float) -> str:
    return (utcnow() + dt.timedelta(**delta)).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("path", REPORTS)
async def test_as_of_in_the_future(reports, upstreams: Upstreams, path: str) -> None:
    response = await reports().get(path, params={"as_of": _later(hours=1)})
    body = assert_problem(response, 422, "as-of-in-future")
    assert _pointers(body) == ["/as_of"]
    assert upstreams.calls() == 0


@pytest.mark.parametrize("path", REPORTS)
async def test_from_after_to(reports, upstreams: Upstreams, path: str) -> None:
    response = await reports().get(
        path, params={"from": "2026-05-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}
    )
    body = assert_problem(response, 422, "invalid-period")
    assert _pointers(body) == ["/from"]
    assert upstreams.calls() == 0


async def test_to_after_as_of(reports, upstreams: Upstreams) -> None:
    response = await reports().get(
        REPORTS[0], params={"as_of": "2026-04-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"}
    )
    body = assert_problem(response, 422, "invalid-period")
    assert _pointers(body) == ["/to"]


@pytest.mark.parametrize("path", REPORTS)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("stage", "launched"),
        ("pillar", "both"),
        ("innovation_type", "magic"),
        ("as_of", "2026-04-01"),
        ("as_of", "2026-04-01T00:00:00"),
        ("partial", "yes"),
    ],
)
async def test_unknown_values(
    reports, upstreams: Upstreams, path: str, name: str, value: str
) -> None:
    response = await reports().get(path, params={name: value})
    body = assert_problem(response, 422)
    assert _pointers(body) == [f"/{name}"]
    assert upstreams.calls() == 0


async def test_an_unknown_parameter_is_refused(reports, upstreams: Upstreams) -> None:
    response = await reports().get(REPORTS[0], params={"directorat": "Medicine"})
    body = assert_problem(response, 422, "unknown-query-parameter")
    assert _pointers(body) == ["/directorat"]


async def test_a_filter_value_an_upstream_refuses_keeps_its_pointer(
    reports, upstreams: Upstreams
) -> None:
    upstreams.aggregates()
    upstreams.projects.answer(
        "GET",
        "/v1/aggregates/portfolio",
        lambda call, path: (
            422,
            {
                "type": "https://cmdi.example/problems/validation-error",
                "title": "The request is not valid",
                "status": 422,
                "detail": "No such directorate.",
                "errors": [
                    {"pointer": "/directorate", "location": "query", "detail": "Not known."}
                ],
            },
        ),
    )
    response = await reports().get(REPORTS[0], params={"directorate": "Nowhere"})
    body = assert_problem(response, 422, "invalid-filter")
    assert body["errors"] == [
        {"pointer": "/directorate", "location": "query", "detail": "Not known."}
    ]
    assert "projects" in body["detail"]
