"""Benefits register: values over time and portfolio totals."""

from __future__ import annotations

from typing import Any

import httpx

from shared.testing import assert_problem


async def benefit(client: httpx.AsyncClient, project_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "kind": "bed_days",
        "title": "Fewer bed days for frail patients",
        "unit": "bed_days",
        "confidence": "medium",
        **overrides,
    }
    response = await client.post(f"/v1/projects/{project_id}/benefits", json=body)
    assert response.status_code == 201, response.text
    body_out: dict[str, Any] = response.json()
    return body_out


class TestBenefits:
    async def test_rests_on_progress_markers_of_the_project(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        marker = agreed["partners"][0]["markers"][0]["id"]
        created = await benefit(
            client,
            project["id"],
            progress_marker_ids=[marker],
            evidence_refs=["https://intranet.example/audit"],
        )
        assert created["progress_marker_ids"] == [marker]
        other = await build.project(title="Other")
        response = await client.post(
            f"/v1/projects/{other['id']}/benefits",
            json={
                "kind": "carbon",
                "title": "x",
                "unit": "tCO2e",
                "confidence": "low",
                "progress_marker_ids": [marker],
            },
        )
        assert (
            assert_problem(response, 422, "unknown-progress-marker")["errors"][0]["pointer"]
            == "/progress_marker_ids/0"
        )

    async def test_validated_value_needs_a_validator(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        created = await benefit(client, project["id"])
        url = f"/v1/projects/{project['id']}/benefits/{created['id']}/values"
        response = await client.post(
            url, json={"value_type": "validated", "amount": 120, "as_at": "2026-03-31"}
        )
        assert (
            assert_problem(response, 422, "validator-required")["errors"][0]["pointer"]
            == "/validated_by"
        )
        ok = await client.post(
            url,
            json={
                "value_type": "validated",
                "amount": 120,
                "as_at": "2026-03-31",
                "validated_by": "finance-bp",
            },
        )
        assert ok.status_code == 201 and ok.json()["recorded_by"] == "gov-1"


class TestBenefitsSummary:
    async def test_totals_use_each_benefits_latest_value(
        self, client: httpx.AsyncClient, build
    ) -> None:
        first, second = (
            await build.project(),
            await build.project(title="ED streaming", directorate="surgery"),
        )
        a = await benefit(client, first["id"])
        b = await benefit(client, second["id"])
        c = await benefit(
            client,
            second["id"],
            kind="cash_release",
            unit="GBP",
            confidence="high",
            title="Agency spend",
        )
        for benefit_row, project, values in (
            (
                a,
                first,
                [
                    ("estimated", 100, "2026-01-01"),
                    ("estimated", 150, "2026-06-01"),
                    ("actual", 90, "2026-06-30"),
                ],
            ),
            (b, second, [("estimated", 50, "2026-02-01")]),
            (c, second, [("estimated", 20000, "2026-02-01")]),
        ):
            for value_type, amount, as_at in values:
                await client.post(
                    f"/v1/projects/{project['id']}/benefits/{benefit_row['id']}/values",
                    json={"value_type": value_type, "amount": amount, "as_at": as_at},
                )
        totals = (await client.get("/v1/projects/benefits-summary")).json()["totals"]
        rows = {(t["kind"], t["value_type"]): (t["total"], t["benefits"]) for t in totals}
        assert rows[("bed_days", "estimated")] == (200.0, 2)
        assert rows[("bed_days", "actual")] == (90.0, 1)
        assert rows[("cash_release", "estimated")] == (20000.0, 1)
        earlier = (
            await client.get("/v1/projects/benefits-summary?as_of=2026-03-01&kind=bed_days")
        ).json()["totals"]
        assert [(t["value_type"], t["total"]) for t in earlier] == [("estimated", 150.0)]
        surgery = (
            await client.get("/v1/projects/benefits-summary?directorate=surgery&kind=bed_days")
        ).json()["totals"]
        assert [t["total"] for t in surgery] == [50.0]
