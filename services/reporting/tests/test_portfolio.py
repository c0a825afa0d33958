"""The portfolio report: each section is the upstream figure it repeats, the project set the
filters select is what the other services are asked about, three calls whatever the size, the
key-person rows matched by subject, and who may read it."""

from __future__ import annotations

import uuid

import pytest

from services.reporting.tests.upstreams import Upstreams
from shared.testing import assert_problem

PORTFOLIO = "/v1/reports/portfolio"


def _figures(project_ids: list[str] | None = None) -> dict[str, object]:
    return {
        "project_ids": project_ids,
        "projects": 3,
        "by_stage": [{"key": "pilot", "count": 2}, {"key": "idea", "count": 1}],
        "by_pillar": [{"key": "project_innovation", "count": 3}],
        "by_directorate": [{"key": "Medicine", "count": 2}, {"key": None, "count": 1}],
        "by_innovation_type": [{"key": "digital_technology", "count": 3}],
        "gate_funnel": [
            {
                "gate": "g2_pilot_approval",
                "entered": 3,
                "decided": 2,
                "proceeded": 1,
                "stopped": 1,
                "conversion": 0.5,
            }
        ],
        "net_zero": {
            "projects": 3,
            "relevant": 1,
            "share": 0.3333,
            "tco2e_estimate": 12.5,
            "tco2e_benefits": 1,
        },
        "definitions": {"gate_funnel": "Projects entering, decided, proceeding, stopped."},
        "suppressed": ["key_person/people_total"],
    }


async def test_sections_repeat_the_upstream_figures(reports, upstreams: Upstreams) -> None:
    upstreams.aggregates(
        projects=_figures(),
        governance={
            "projects_decided": 2,
            "latest_outcome": [
                {"outcome": "proceed", "projects": 1},
                {"outcome": "stop", "projects": 1},
            ],
            "decisions_in_period": 2,
            "against_recommendation": 1,
            "override_rate": 0.5,
            "conditions": {"open": 4, "past_due": 1},
            "evaluations": {"active": 1, "pivots": 1, "pivots_implemented": 0},
            "definitions": {"override_rate": "Decisions against the recommendation over all."},
        },
        engagement={
            "inclusivity": {
                "projects_requested": None,
                "projects_with_public_involvement": 2,
                "share": None,
            },
            "definitions": {"inclusivity": "Projects with a public contributor at involve+."},
        },
    )
    response = await reports().get(PORTFOLIO, params={"as_of": "2026-06-30T00:00:00Z"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of"] == "2026-06-30T00:00:00Z"
    assert body["period"] == {"from": "2026-03-31T00:00:00Z", "to": "2026-06-30T00:00:00Z"}
    assert body["filters"] == {
        "directorate": None,
        "pillar": None,
        "stage": None,
        "innovation_type": None,
    }
    assert body["partial"] is False and body["missing_sections"] == []
    assert body["view"] == "full"
    assert body["counts"]["projects"] == 3
    assert body["counts"]["by_directorate"] == [
        {"key": "Medicine", "count": 2},
        {"key": None, "count": 1},
    ]
    assert body["gate_funnel"][0]["conversion"] == 0.5
    assert body["net_zero"]["tco2e_estimate"] == 12.5
    assert body["latest_decisions"] == {
        "projects_decided": 2,
        "by_outcome": [{"outcome": "proceed", "projects": 1}, {"outcome": "stop", "projects": 1}],
    }
    assert body["overrides"]["override_rate"] == 0.5
    assert body["conditions"] == {"open": 4, "past_due": 1}
    assert body["evaluations"] == {"active": 1, "pivots": 1, "pivots_implemented": 0}
    assert body["inclusivity"]["projects_with_public_involvement"] == 2
    # Every upstream's definitions, under its name, and the report's own.
    definitions = body["definitions"]
    assert definitions["projects.gate_funnel"].startswith("Projects entering")
    assert definitions["assessment.override_rate"].startswith("Decisions against")
    assert definitions["stakeholders.inclusivity"].startswith("Projects with a public")
    assert "report.as_of" in definitions and "report.period" in definitions
    assert body["suppressed"] == ["projects:key_person/people_total"]


async def test_without_filters_every_service_is_asked_about_all_projects(
    reports, upstreams: Upstreams
) -> None:
    upstreams.aggregates(projects=_figures(None))
    response = await reports().get(
        PORTFOLIO, params={"as_of": "2026-06-30T00:00:00Z", "from": "2026-01-01T00:00:00Z"}
    )
    assert response.status_code == 200, response.text
    [call] = upstreams.projects.calls_to("GET", "/v1/aggregates/portfolio")
    assert call.param("as_of") == "2026-06-30T00:00:00Z"
    assert call.param("from") == "2026-01-01T00:00:00Z"
    assert call.param("to") == "2026-06-30T00:00:00Z"
    assert set(call.query) == {"as_of", "from", "to"}
    for fake in (upstreams.assessment, upstreams.stakeholders):
        [(_, sent)] = fake.bodies
        assert sent == {
            "as_of": "2026-06-30T00:00:00Z",
            "from": "2026-01-01T00:00:00Z",
            "to": "2026-06-30T00:00:00Z",
            "project_ids": None,
        }


async def test_filters_select_the_set_the_others_are_asked_about(
    reports, upstreams: Upstreams
) -> None:
    selected = [str(uuid.uuid4()), str(uuid.uuid4())]
    upstreams.aggregates(projects=_figures(selected))
    response = await reports().get(
        PORTFOLIO,
        params={"directorate": "Medicine", "stage": "pilot", "pillar": "project_innovation"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["filters"] == {
        "directorate": "Medicine",
        "pillar": "project_innovation",
        "stage": "pilot",
        "innovation_type": None,
    }
    [call] = upstreams.projects.calls_to("GET", "/v1/aggregates/portfolio")
    assert (call.param("directorate"), call.param("stage"), call.param("pillar")) == (
        "Medicine",
        "pilot",
        "project_innovation",
    )
    for fake in (upstreams.assessment, upstreams.stakeholders):
        [(_, sent)] = fake.bodies
        assert sent["project_ids"] == selected


@pytest.mark.parametrize("size", [1, 2_000])
async def test_three_calls_whatever_the_portfolio_size(
    reports, upstreams: Upstreams, size: int
) -> None:
    selected = [str(uuid.uuid4()) for _ in range(size)]
    upstreams.aggregates(projects=_figures(selected) | {"projects": size})
    response = await reports().get(PORTFOLIO, params={"innovation_type": "digital_technology"})
    assert response.status_code == 200, response.text
    assert upstreams.calls() == 3


async def test_key_people_are_matched_by_subject_for_governance(
    reports, upstreams: Upstreams
) -> None:
    load = {
        "projects_sponsored": 0,
        "projects_evaluated": 0,
        "share_of_leads": 0.5,
        "flagged": False,
    }
    upstreams.aggregates(
        projects={
            "key_person": {
                "threshold": 0.4,
                "projects_with_a_lead": 4,
                "people": [
                    load | {"subject": "alice", "projects_led": 2, "flagged": True},
                    load | {"subject": "bob", "projects_led": 1, "share_of_leads": 0.25},
                ],
            }
        },
        engagement={
            "ownership": {
                "flag_share": 0.25,
                "relationships": 10,
                "shared_relationships": 2,
                "flagged": 1,
                "people": [
                    {"subject": "bob", "owned": 6, "sole_owned": 5, "share": 0.5, "flagged": True},
                    {
                        "subject": "carol",
                        "owned": 2,
                        "sole_owned": 1,
                        "share": 0.1,
                        "flagged": False,
                    },
                ],
            }
        },
    )
    response = await reports().get(PORTFOLIO)
    assert response.status_code == 200, response.text
    key_person = response.json()["key_person"]
    assert key_person["lead_share_threshold"] == 0.4
    assert key_person["relationship_share_threshold"] == 0.25
    assert key_person["relationships"] == 10
    rows = {row["subject"]: row for row in key_person["people"]}
    assert rows["bob"] | {} == {
        "subject": "bob",
        "projects_led": 1,
        "projects_sponsored": 0,
        "projects_evaluated": 0,
        "share_of_leads": 0.25,
        "relationships_owned": 6,
        "relationships_sole_owned": 5,
        "sole_owner_share": 0.5,
        "flagged": True,
    }
    assert rows["alice"]["flagged"] is True and rows["alice"]["relationships_owned"] is None
    assert rows["carol"]["projects_led"] is None and rows["carol"]["flagged"] is False
    # Flagged first, then by projects led.
    assert [row["subject"] for row in key_person["people"]] == ["alice", "bob", "carol"]


async def test_reporters_get_unmatched_anonymous_rows(reports, upstreams: Upstreams) -> None:
    row = {"projects_sponsored": 0, "projects_evaluated": 0, "share_of_leads": None}
    upstreams.aggregates(
        projects={
            "key_person": {"people": [row | {"subject": None, "projects_led": 3, "flagged": True}]}
        },
        engagement={
            "ownership": {
                "flag_share": 0.25,
                "relationships": None,
                "shared_relationships": None,
                "flagged": 0,
                "people": [
                    {
                        "subject": None,
                        "owned": None,
                        "sole_owned": None,
                        "share": None,
                        "flagged": False,
                    }
                ],
            }
        },
    )
    response = await reports("reporter", sub="rep-1").get(PORTFOLIO)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["view"] == "aggregate"
    people = body["key_person"]["people"]
    assert len(people) == 2
    assert all(person["subject"] is None for person in people)
    assert people[0]["projects_led"] == 3 and people[0]["relationships_owned"] is None
    assert people[1]["projects_led"] is None


@pytest.mark.parametrize("role", ["governance", "admin", "reporter", "viewer"])
async def test_readers(reports, upstreams: Upstreams, role: str) -> None:
    upstreams.aggregates()
    response = await reports(role).get(PORTFOLIO)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("role", ["contributor", "evaluator"])
async def test_others_may_not_read_it(reports, upstreams: Upstreams, role: str) -> None:
    response = await reports(role).get(PORTFOLIO)
    assert_problem(response, 403, "report-forbidden")
    assert upstreams.calls() == 0
