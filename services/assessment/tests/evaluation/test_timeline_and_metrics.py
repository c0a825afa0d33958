"""The merged learning timeline (order and keyset pagination across mixed kinds, pivots, filters,
`as_of`) and the learning metrics against a hand-computed fixture (report B4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from shared.testing import ManualClock, assert_problem


async def read_all(api: httpx.AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = dict(params)
    while True:
        response = await api.get(url, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]


async def mixed_trail(de: Any) -> dict[str, Any]:
    """Six records of five kinds, created out of chronological order, with a tie on occurred_at
    (broken by id, i.e. by creation order)."""
    e1 = await de.entry("2026-03-02T10:00:00")
    a1 = await de.adaptation("2026-04-01T12:00:00", kind="pivot", summary="Refocus on COPD")
    f1 = await de.finding("2026-03-10T09:00:00", evidence=[e1["id"]])
    s1 = await de.session("2026-03-31T14:00:00", reviewed=[e1["id"]])
    e2 = await de.entry("2026-03-10T09:00:00", summary="Night staff feel unsupported")
    toc = await de.toc(changed_because=[a1["id"]])  # occurs when recorded: now, i.e. last
    return {"e1": e1, "f1": f1, "e2": e2, "s1": s1, "a1": a1, "toc": toc}


class TestGetEvaluationTimeline:
    async def test_merged_in_occurred_order_across_pages(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        trail = await mixed_trail(de)
        items = await read_all(evaluator, f"/v1/evaluation/evaluations/{de.id}/timeline", limit=2)
        assert [(i["kind"], i["id"]) for i in items] == [
            ("log_entry", trail["e1"]["id"]),
            ("finding", trail["f1"]["id"]),
            ("log_entry", trail["e2"]["id"]),
            ("session", trail["s1"]["id"]),
            ("adaptation", trail["a1"]["id"]),
            ("theory_of_change", trail["toc"]["id"]),
        ]
        assert [i["pivot"] for i in items] == [False, False, False, False, True, False]
        assert items[4]["text"] == "Refocus on COPD"
        assert items[3]["text"] == "Evening escalations doubled since March."

    async def test_newest_first(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        trail = await mixed_trail(de)
        items = await read_all(
            evaluator,
            f"/v1/evaluation/evaluations/{de.id}/timeline",
            limit=4,
            sort="-occurred_at",
        )
        assert [i["id"] for i in items] == [
            trail[key]["id"] for key in ("toc", "a1", "s1", "e2", "f1", "e1")
        ]

    async def test_filtered_by_kind_and_dates(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        trail = await mixed_trail(de)
        url = f"/v1/evaluation/evaluations/{de.id}/timeline"
        kinds = await read_all(evaluator, url, kind=["log_entry", "finding"], limit=2)
        assert [i["id"] for i in kinds] == [trail[k]["id"] for k in ("e1", "f1", "e2")]
        window = await read_all(
            evaluator,
            url,
            **{"from": kit.ts("2026-03-10T09:00:00"), "to": kit.ts("2026-04-01T12:00:00")},
        )
        assert [i["id"] for i in window] == [trail[k]["id"] for k in ("f1", "e2", "s1")]

    async def test_as_of_leaves_out_what_was_recorded_later(
        self, evaluator: httpx.AsyncClient, de: Any, clock: ManualClock
    ) -> None:
        trail = await mixed_trail(de)
        as_of = clock.advance()
        clock.advance()
        late = await de.entry("2026-03-01T08:00:00", summary="Backdated note from February")
        url = f"/v1/evaluation/evaluations/{de.id}/timeline"
        now_items = await read_all(evaluator, url)
        assert now_items[0]["id"] == late["id"]
        then_items = await read_all(evaluator, url, as_of=as_of.isoformat())
        assert [i["id"] for i in then_items] == [
            trail[k]["id"] for k in ("e1", "f1", "e2", "s1", "a1", "toc")
        ]

    async def test_reporter_gets_flagged_text_omitted(
        self, reporter: httpx.AsyncClient, de: Any
    ) -> None:
        flagged = await de.entry(summary="Mrs Jones (bed 4) fell", contains_personal_data=True)
        finding = await de.finding()
        items = await read_all(reporter, f"/v1/evaluation/evaluations/{de.id}/timeline")
        by_id = {i["id"]: i for i in items}
        assert "text" not in by_id[flagged["id"]]
        assert by_id[flagged["id"]]["contains_personal_data"] is True
        assert by_id[finding["id"]]["text"] == finding["statement"]

    async def test_unknown_kind_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        response = await evaluator.get(
            f"/v1/evaluation/evaluations/{de.id}/timeline", params={"kind": "gossip"}
        )
        assert_problem(response, 422, "validation-error")

    async def test_cursor_from_another_sort_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        await mixed_trail(de)
        url = f"/v1/evaluation/evaluations/{de.id}/timeline"
        cursor = (await evaluator.get(url, params={"limit": 1})).json()["next_cursor"]
        response = await evaluator.get(url, params={"cursor": cursor, "sort": "-occurred_at"})
        assert_problem(response, 422, "invalid-cursor")


def day(offset: int) -> dt.date:
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=offset)


def at(offset: int) -> str:
    moment = dt.datetime.combine(day(offset), dt.time(12), tzinfo=dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


class TestGetEvaluationMetrics:
    async def test_against_hand_computed_values(
        self, evaluator: httpx.AsyncClient, reporter: httpx.AsyncClient, de: Any
    ) -> None:
        # Questions: Q1 open, Q2 retired, Q3 reframed into Q4 (open) -> 2 open.
        await de.question("Q1")
        q2, q3 = await de.question("Q2"), await de.question("Q3")
        await evaluator.post(
            f"/v1/evaluation/questions/{q2['id']}/transitions", json={"to": "retired"}
        )
        await evaluator.post(
            f"/v1/evaluation/questions/{q3['id']}/transitions",
            json={"to": "reframed", "text": "Q4"},
        )

        # Findings -> first linked adaptation:
        #   F1 2026-01-01T00:00 -> A1 2026-01-05T00:00 (A2 later also links it) = 4 days
        #   F2 2026-01-10T00:00 -> A2 2026-01-11T12:00 = 1.5 days
        #   F4 2026-01-01T00:00 -> A4 2026-01-31T00:00 = 30 days
        #   F3 has no adaptation and does not count.   median(4, 1.5, 30) = 4.0
        f1 = await de.finding("2026-01-01T00:00:00")
        f2 = await de.finding("2026-01-10T00:00:00")
        await de.finding("2026-02-01T00:00:00")
        f4 = await de.finding("2026-01-01T00:00:00")
        # Review dates relative to today:
        #   A1 due 10 days ago, reviewed 12 days ago       -> due, on time
        #   A2 due 10 days ago, reviewed 5 days ago        -> due, late
        #   A3 due 3 days ago, not reviewed                -> due, late
        #   A4 due in 30 days, not reviewed                -> not yet due
        #   A5 due in 30 days, reviewed today (early)      -> due, on time
        #   A6 no review date                              -> not counted
        #   share = 2 / 4 = 0.5
        a1 = await de.adaptation(
            "2026-01-05T00:00:00", findings=[f1["id"]], review_at=str(day(-10))
        )
        a2 = await de.adaptation(
            "2026-01-11T12:00:00", findings=[f1["id"], f2["id"]], review_at=str(day(-10))
        )
        await de.adaptation("2026-01-20T00:00:00", findings=[f2["id"]], review_at=str(day(-3)))
        await de.adaptation("2026-01-31T00:00:00", findings=[f4["id"]], review_at=str(day(30)))
        a5 = await de.adaptation("2026-02-10T00:00:00", review_at=str(day(30)))
        await de.adaptation("2026-02-11T00:00:00")
        await de.move(a1["id"], "agreed", "implemented", "reviewed", reviewed=at(-12))
        await de.move(a2["id"], "agreed", "implemented", "reviewed", reviewed=at(-5))
        await de.move(a5["id"], "agreed", "implemented", "reviewed")

        # Assumptions: v1 has 3 (1 challenged); v2 has 2 (2 challenged).
        await de.toc(
            assumptions=[
                {"text": "Kit is usable", "status": "holding"},
                {"text": "GPs accept", "status": "challenged"},
                {"text": "Carers engage", "status": "revised"},
            ]
        )
        await de.toc(
            assumptions=[
                {"text": "GPs accept", "status": "challenged"},
                {"text": "Carers engage", "status": "challenged"},
            ]
        )

        response = await reporter.get(f"/v1/evaluation/evaluations/{de.id}/metrics")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["open_questions"] == 2
        assert body["findings_with_adaptation"] == 3
        assert body["median_days_finding_to_first_adaptation"] == 4.0
        assert body["adaptations_reviewed"] == {
            "due": 4,
            "reviewed_by_review_date": 2,
            "share": 0.5,
        }
        assert [
            (v["number"], v["assumptions"], v["challenged"])
            for v in body["assumptions_challenged_per_version"]
        ] == [(1, 3, 1), (2, 2, 2)]

    async def test_empty_evaluation_has_nulls_not_zeros(
        self, reporter: httpx.AsyncClient, de: Any
    ) -> None:
        body = (await reporter.get(f"/v1/evaluation/evaluations/{de.id}/metrics")).json()
        assert body["open_questions"] == 0
        assert body["median_days_finding_to_first_adaptation"] is None
        assert body["adaptations_reviewed"]["share"] is None
        assert body["assumptions_challenged_per_version"] == []
