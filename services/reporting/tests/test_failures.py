"""A service a report needs cannot answer: a 503 problem naming it and the sections it would
have given, unless the caller asks for `?partial=true`; then the report says which sections are
missing, from which service and why. Never a silent partial report."""

from __future__ import annotations

import pytest

from services.reporting.tests.upstreams import Upstreams
from shared.testing import assert_problem

PORTFOLIO = "/v1/reports/portfolio"
SECTIONS = {
    "projects": [
        "counts",
        "gate_funnel",
        "days_in_stage",
        "core20plus5",
        "net_zero",
        "benefits",
        "monitoring",
        "key_person.projects",
    ],
    "assessment": ["latest_decisions", "conditions", "evaluations", "overrides"],
    "stakeholders": ["inclusivity", "engagement_coverage", "key_person.relationships"],
}


def _break(upstreams: Upstreams, service: str, how: str) -> None:
    fake = getattr(upstreams, service)
    if how == "down":
        fake.reachable = False
    else:
        fake.failing = 500


@pytest.mark.parametrize("how", ["down", "failing"])
@pytest.mark.parametrize("service", ["projects", "assessment", "stakeholders"])
async def test_a_failing_service_is_a_503_naming_it(
    reports, upstreams: Upstreams, service: str, how: str
) -> None:
    upstreams.aggregates()
    _break(upstreams, service, how)
    response = await reports().get(PORTFOLIO)
    body = assert_problem(response, 503, "upstream-unavailable")
    assert body["service"] == service
    assert body["sections"] == SECTIONS[service]
    assert service in body["detail"] and "partial=true" in body["detail"]
    assert response.headers["retry-after"]


@pytest.mark.parametrize("service", ["assessment", "stakeholders"])
async def test_partial_lists_what_is_missing(reports, upstreams: Upstreams, service: str) -> None:
    upstreams.aggregates(projects={"projects": 7})
    _break(upstreams, service, "down")
    response = await reports().get(PORTFOLIO, params={"partial": "true"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["partial"] is True
    assert [m["section"] for m in body["missing_sections"]] == SECTIONS[service]
    assert {m["service"] for m in body["missing_sections"]} == {service}
    assert all(m["reason"] for m in body["missing_sections"])
    assert body["counts"]["projects"] == 7
    for section in SECTIONS[service]:
        if "." not in section:
            assert body[section] is None
    other = ({"assessment", "stakeholders"} - {service}).pop()
    assert all(body[s] is not None for s in SECTIONS[other] if "." not in s)


async def test_partial_without_the_project_set_leaves_out_what_depends_on_it(
    reports, upstreams: Upstreams
) -> None:
    upstreams.aggregates()
    upstreams.projects.failing = 500
    response = await reports().get(PORTFOLIO, params={"partial": "true", "stage": "pilot"})
    assert response.status_code == 200, response.text
    missing = response.json()["missing_sections"]
    assert {m["service"] for m in missing} == {"projects"}
    assert [m["section"] for m in missing] == [
        *SECTIONS["projects"],
        *SECTIONS["assessment"],
        *SECTIONS["stakeholders"],
    ]
    # Never asked about a set it could not know.
    assert upstreams.assessment.calls == [] and upstreams.stakeholders.calls == []


async def test_partial_without_filters_still_asks_the_others_about_all(
    reports, upstreams: Upstreams
) -> None:
    upstreams.aggregates()
    upstreams.projects.reachable = False
    response = await reports().get(PORTFOLIO, params={"partial": "true"})
    body = response.json()
    assert [m["section"] for m in body["missing_sections"]] == SECTIONS["projects"]
    assert body["latest_decisions"] is not None and body["inclusivity"] is not None
    assert body["key_person"]["relationship_share_threshold"] is not None


async def test_partial_false_is_the_default(reports, upstreams: Upstreams) -> None:
    upstreams.aggregates()
    upstreams.stakeholders.reachable = False
    response = await reports().get(PORTFOLIO, params={"partial": "false"})
    assert_problem(response, 503, "upstream-unavailable")


async def test_a_refusal_upstream_is_a_403_even_when_partial(reports, upstreams: Upstreams) -> None:
    upstreams.aggregates()
    upstreams.assessment.answer(
        "POST",
        "/v1/aggregates/governance",
        lambda call, path: (
            403,
            {
                "type": "https://cmdi.example/problems/forbidden",
                "title": "Not allowed for this caller",
                "status": 403,
                "detail": "No.",
            },
        ),
    )
    response = await reports().get(PORTFOLIO, params={"partial": "true"})
    body = assert_problem(response, 403, "report-forbidden")
    assert "assessment" in body["detail"]
