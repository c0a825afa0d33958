"""Each report as a page through the service: `?format=html` or `Accept: text/html` gives the
page (a CSP that runs nothing, `Vary: Accept`), JSON stays the default, an unknown format or an
`Accept` naming neither form is a 406 listing the forms there are, and a failure is still a
problem+json whatever was asked for."""

from __future__ import annotations

import pytest

from services.reporting.tests.upstreams import Upstreams
from shared.testing import assert_problem

PORTFOLIO = "/v1/reports/portfolio"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
REPORT_PATHS = (
    "/v1/reports/portfolio",
    "/v1/reports/decisions/{decision_id}/evidence",
    "/v1/reports/board-pack",
    "/v1/reports/projects/{project_id}/dossier",
)


def _is_page(response, h1: str) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src" not in response.headers["content-security-policy"]
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["vary"] == "Accept"
    assert f"<h1>{h1}</h1>" in response.text


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("?format=html", {}),
        ("?format=HTML", {"Accept": "application/json"}),
        ("", {"Accept": "text/html"}),
        ("", {"Accept": BROWSER_ACCEPT}),
    ],
)
async def test_the_portfolio_page(reports, upstreams: Upstreams, query, headers) -> None:
    upstreams.aggregates()
    response = await reports("reporter").get(PORTFOLIO + query, headers=headers)
    _is_page(response, "Portfolio report")
    assert 'data-chart="gate-funnel"' in response.text


@pytest.mark.parametrize(
    ("query", "headers"),
    [("", {}), ("?format=json", {"Accept": "text/html"}), ("", {"Accept": "*/*"})],
)
async def test_json_stays_the_default(reports, upstreams: Upstreams, query, headers) -> None:
    upstreams.aggregates()
    response = await reports().get(PORTFOLIO + query, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["vary"] == "Accept"
    assert response.json()["view"] == "full"


@pytest.mark.parametrize(
    ("query", "headers"),
    [("?format=pdf", {}), ("?format=", {}), ("", {"Accept": "application/xml"})],
)
async def test_a_form_there_is_not_is_406(reports, upstreams: Upstreams, query, headers) -> None:
    upstreams.aggregates()
    response = await reports().get(PORTFOLIO + query, headers=headers)
    body = assert_problem(response, 406, "not-acceptable")
    assert body["acceptable"] == ["json", "html"]
    assert body["media_types"] == ["application/json", "text/html"]
    assert upstreams.calls() == 0  # refused before asking anyone


async def test_the_other_reports_as_pages(reports, upstreams: Upstreams) -> None:
    project_id = upstreams.add_project(
        stages=[
            {"occurred_at": "2026-01-10T09:00:00Z", "from_stage": "idea", "to_stage": "scoping"}
        ]
    )
    decision_id = upstreams.add_decision(project_id, decided_at="2026-03-10T15:00:00Z")
    upstreams.aggregates()
    client = reports("governance")
    pages = {
        f"/v1/reports/decisions/{decision_id}/evidence": (
            "Decision evidence pack: CMDI-2026-001",
            ("domain-radar", "power-interest"),
        ),
        "/v1/reports/board-pack?forum=Innovation%20board&meeting_date=2026-03-10": (
            "Board pack: Innovation board, 10 Mar 2026",
            (),
        ),
        f"/v1/reports/projects/{project_id}/dossier": (
            "Project dossier: CMDI-2026-001 Virtual ward",
            ("attainment", "power-interest"),
        ),
    }
    for path, (h1, charts) in pages.items():
        separator = "&" if "?" in path else "?"
        response = await client.get(f"{path}{separator}format=html")
        _is_page(response, h1)
        for chart in charts:
            assert f'data-chart="{chart}"' in response.text, (path, chart)


async def test_a_failure_is_a_problem_whatever_the_form(reports, upstreams: Upstreams) -> None:
    upstreams.aggregates()
    upstreams.add_decision(upstreams.add_project())
    missing = "/v1/reports/decisions/0196a000-0000-7000-8000-000000000999/evidence?format=html"
    assert_problem(await reports().get(missing), 404, "decision-not-found")
    assert_problem(
        await reports("contributor").get(PORTFOLIO, headers={"Accept": "text/html"}),
        403,
        "report-forbidden",
    )
    upstreams.projects.failing = 500
    response = await reports().get(PORTFOLIO + "?format=html")
    assert_problem(response, 503, "upstream-unavailable")


async def test_a_partial_page_says_what_is_missing(reports, upstreams: Upstreams) -> None:
    upstreams.aggregates()
    upstreams.stakeholders.failing = 500
    response = await reports().get(PORTFOLIO + "?format=html&partial=true")
    _is_page(response, "Portfolio report")
    assert '<h2 id="missing-sections">Missing sections</h2>' in response.text
    assert "Engagement coverage is missing from this report" in response.text


def test_openapi_documents_both_forms_and_the_406(app) -> None:
    paths = app.openapi()["paths"]
    for path in REPORT_PATHS:
        operation = paths[path]["get"]
        content = operation["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/html"}, path
        assert "$ref" in str(content["application/json"]["schema"]), path
        assert "406" in operation["responses"], path
        assert any(p["name"] == "format" for p in operation["parameters"]), path
