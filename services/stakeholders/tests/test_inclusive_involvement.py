"""Inclusive public involvement (#14 items 1-4): comparator populations against the equality
report, the nine Equality Act characteristics switchable per deployment, Core20 against 20%,
reach into PLUS groups, and GRIPP2 long and short forms saved as versioned drafts."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest
from fastapi import FastAPI

from services.stakeholders.tests.builders import create_stakeholder, engagement_body
from shared.testing import FakeProjects, assert_problem
from stakeholders_service.equality.characteristics import ALL
from stakeholders_service.equality.models import PNTS
from stakeholders_service.involvement.gripp2_items import LONG, SHORT
from stakeholders_service.populations.service import parse_csv
from stakeholders_service.settings import Settings

EXAMPLE = (
    Path(__file__).parents[1]
    / "src/stakeholders_service/populations/examples/catchment_example.csv"
)
POPULATIONS = "/v1/involvement/comparator-populations"
REPORTS = "/v1/involvement/gripp2/reports"


def population(**overrides: Any) -> dict[str, Any]:
    return {
        "key": "catchment",
        "label": "Example catchment",
        "source": "Made-up example in census categories",
        "as_of": "2021-03-21",
        "rows": [
            {"characteristic": "sex", "category": "female", "share": 0.51},
            {"characteristic": "sex", "category": "male", "share": 0.49},
            {"characteristic": "imd_quintile", "category": "1", "share": 0.32},
            {"characteristic": "imd_quintile", "category": "2", "share": 0.24},
            {"characteristic": "imd_quintile", "category": "3", "share": 0.18},
            {"characteristic": "imd_quintile", "category": "4", "share": 0.14},
            {"characteristic": "imd_quintile", "category": "5", "share": 0.12},
        ],
        **overrides,
    }


async def completed_engagement(api: httpx.AsyncClient, project_id: uuid.UUID) -> str:
    engagement = (await api.post("/v1/engagements", json=engagement_body(project_id))).json()
    done = await api.post(
        f"/v1/engagements/{engagement['id']}/transitions",
        json={"to": "completed", "anonymous_attendee_count": 0},
    )
    assert done.status_code == 200, done.text
    return str(engagement["id"])


@contextlib.contextmanager
def deployment(app: FastAPI, **settings: Any) -> Iterator[None]:
    """Run the block as a deployment configured with `settings` (the app is shared)."""
    before = app.state.settings
    app.state.settings = before.model_copy(update=settings)
    try:
        yield
    finally:
        app.state.settings = before


class TestComparatorPopulations:
    async def test_the_example_file_loads_and_each_load_is_a_new_version(
        self, admin: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        rows = parse_csv(EXAMPLE.read_text())
        assert EXAMPLE.read_text().startswith("# EXAMPLE ONLY - NOT REAL DATA")
        first = await admin.post(POPULATIONS, json=population(rows=rows))
        assert first.status_code == 201, first.text
        assert first.json()["version"] == 1
        assert first.json()["shares"]["sex"] == {"female": 0.51, "male": 0.49}
        second = await admin.post(POPULATIONS, json=population(label="Revised"))
        assert second.json()["version"] == 2
        assert second.headers["Location"].endswith("/catchment?version=2")
        latest = (await client.get(f"{POPULATIONS}/catchment")).json()
        assert (latest["version"], latest["label"]) == (2, "Revised")
        old = (await client.get(f"{POPULATIONS}/catchment?version=1")).json()
        assert "ethnic_category" in old["shares"]
        listed = (await client.get(POPULATIONS)).json()
        assert [(p["key"], p["version"]) for p in listed] == [("catchment", 1), ("catchment", 2)]
        assert_problem(await client.get(f"{POPULATIONS}/nowhere"), 404, "unknown-comparator")

    async def test_loading_is_admin_only_and_bad_rows_get_pointers(
        self, admin: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        assert_problem(await client.post(POPULATIONS, json=population()), 403)
        rows = population()["rows"]
        bad = [
            {"characteristic": "sex", "category": "prefer_not_to_say", "share": 0.0},
            {"characteristic": "sex", "category": "nonbinary_typo", "share": 0.0},
            *rows[:2],
            {"characteristic": "sex", "category": "male", "share": 0.49},
            {"characteristic": "imd_quintile", "category": "1", "share": 0.5},
        ]
        body = assert_problem(
            await admin.post(POPULATIONS, json=population(rows=bad)), 422, "invalid-comparator"
        )
        pointers = [e["pointer"] for e in body["errors"]]
        # PNTS is never a comparator category; an unknown value; a repeat; a sum of 0.5.
        assert pointers == ["/rows/0/category", "/rows/1/category", "/rows/4/category", "/rows"]
        shape = await admin.post(
            POPULATIONS,
            json=population(rows=[{"characteristic": "height", "category": "x", "share": 1}]),
        )
        assert_problem(shape, 422, "validation-error")

    async def test_report_compares_shown_cells_and_keeps_the_suppression(
        self, admin: httpx.AsyncClient, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        await admin.post(POPULATIONS, json=population(label="Version one"))
        second = population(
            rows=[
                {"characteristic": "sex", "category": "female", "share": 0.6},
                {"characteristic": "sex", "category": "male", "share": 0.4},
            ]
        )
        await admin.post(POPULATIONS, json=second)
        project_id = projects.add_project()
        engagement_id = await completed_engagement(client, project_id)
        # 21 answers. sex: 10 female, 8 male, 3 prefer not to say. IMD: 10 in Q1, 6 in Q2, 5 in Q3.
        for i in range(21):
            sex = "female" if i < 10 else "male" if i < 18 else PNTS
            imd = "1" if i < 10 else "2" if i < 16 else "3"
            response = await client.post(
                f"/v1/engagements/{engagement_id}/equality-responses",
                json={"sex": sex, "imd_quintile": imd},
            )
            assert response.status_code == 201, response.text
        url = f"/v1/engagements/equality-report?project_id={project_id}"
        report = (await client.get(f"{url}&comparator=catchment&comparator_version=1")).json()
        assert report["comparator"]["version"] == 1
        assert report["comparator"]["label"] == "Version one"
        rows = {(r["characteristic"], r["category"]): r for r in report["comparison"]}
        # female 10/21 = 0.476 against 0.51: -0.034. male (8) and PNTS (3) are hidden, as in
        # the distribution (secondary suppression), so no share is shown for them.
        assert rows["sex", "female"] == {
            "characteristic": "sex",
            "category": "female",
            "participants_share": 0.476,
            "comparator_share": 0.51,
            "difference": -0.034,
        }
        assert rows["sex", "male"]["participants_share"] is None
        assert rows["sex", "male"]["comparator_share"] == 0.49
        assert rows["sex", PNTS]["comparator_share"] is None
        # IMD: Q4, Q5, PNTS are 0 (hidden); their sum is below 5, so Q3 (5) is hidden too.
        assert rows["imd_quintile", "1"]["difference"] == 0.156  # 0.476 - 0.32
        assert rows["imd_quintile", "2"]["participants_share"] == 0.286  # 6/21
        assert rows["imd_quintile", "2"]["difference"] == 0.046
        assert rows["imd_quintile", "3"]["participants_share"] is None
        # Characteristics the comparator does not cover are not compared.
        assert {r["characteristic"] for r in report["comparison"]} == {"sex", "imd_quintile"}
        # Core20: 10/21 against the 20% a representative sample would give.
        assert report["core20_share"] == 0.476
        assert report["core20_expected_share"] == 0.2
        assert report["core20_difference"] == 0.276
        latest = (await client.get(f"{url}&comparator=catchment")).json()
        assert latest["comparator"]["version"] == 2
        female = next(r for r in latest["comparison"] if r["category"] == "female")
        assert female["difference"] == -0.124  # 0.476 - 0.6
        assert {r["characteristic"] for r in latest["comparison"]} == {"sex"}
        plain = (await client.get(url)).json()
        assert plain["comparator"] is None
        assert plain["comparison"] == []
        assert_problem(
            await client.get(f"{url}&comparator=catchment&comparator_version=9"),
            404,
            "unknown-comparator",
        )
        assert_problem(await client.get(f"{url}&comparator=Bad%20Key"), 422, "validation-error")


class TestCharacteristics:
    def test_the_nine_protected_characteristics_each_offer_prefer_not_to_say(self) -> None:
        protected = {c.protected for c in ALL.values()} - {None}
        assert protected == {
            "age",
            "disability",
            "gender reassignment",
            "marriage and civil partnership",
            "pregnancy and maternity",
            "race",
            "religion or belief",
            "sex",
            "sexual orientation",
        }
        for characteristic in ALL.values():
            assert PNTS in {m.value for m in characteristic.values}, characteristic.name

    def test_an_unknown_characteristic_in_the_configuration_is_refused(self) -> None:
        with pytest.raises(pydantic.ValidationError, match="unknown equality characteristics"):
            Settings(equality_characteristics=["sex", "shoe_size"])

    async def test_new_items_are_recorded_and_reported(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        engagement_id = await completed_engagement(client, projects.add_project())
        # 11 answers: 6 in civil partnerships and not pregnant, 5 married and pregnant.
        for i in range(11):
            answer = (
                {"marriage_civil_partnership": "civil_partnership", "pregnancy_maternity": "no"}
                if i < 6
                else {"marriage_civil_partnership": "married", "pregnancy_maternity": "yes"}
            )
            response = await client.post(
                f"/v1/engagements/{engagement_id}/equality-responses", json=answer
            )
            assert response.status_code == 201, response.text
        report = (
            await client.get(f"/v1/engagements/equality-report?engagement_id={engagement_id}")
        ).json()
        assert [d["name"] for d in report["characteristics"]] == list(ALL)
        cells = {
            d["name"]: {c["value"]: c["count"] for c in d["cells"]}
            for d in report["characteristics"]
        }
        # The empty categories (zeros) are hidden and sum below 5, so the smaller shown cell
        # (5) is hidden too: only the 6 is shown.
        assert cells["pregnancy_maternity"] == {"yes": None, "no": 6, PNTS: None}
        partnership = cells["marriage_civil_partnership"]
        assert partnership["civil_partnership"] == 6
        assert partnership["married"] is None
        assert [v for k, v in partnership.items() if k != "civil_partnership"] == [None] * 6

    async def test_a_switched_off_item_is_not_asked_nor_reported(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        projects: FakeProjects,
    ) -> None:
        with deployment(app, equality_characteristics=["sex", "imd_quintile"]):
            engagement_id = await completed_engagement(client, projects.add_project())
            url = f"/v1/engagements/{engagement_id}/equality-responses"
            refused = await client.post(url, json={"sex": "female", "pregnancy_maternity": "yes"})
            body = assert_problem(refused, 422, "equality-characteristic-off")
            assert [e["pointer"] for e in body["errors"]] == ["/pregnancy_maternity"]
            # "prefer not to say" is always accepted, switched on or off.
            accepted = await client.post(url, json={"sex": "female", "pregnancy_maternity": PNTS})
            assert accepted.status_code == 201, accepted.text
            report = (
                await client.get(f"/v1/engagements/equality-report?engagement_id={engagement_id}")
            ).json()
            assert [d["name"] for d in report["characteristics"]] == ["sex", "imd_quintile"]


class TestPlusReach:
    async def test_reach_per_engagement_project_and_portfolio(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        projects: FakeProjects,
    ) -> None:
        with deployment(
            app,
            plus_groups={"ethnic_minority": "Ethnic minority", "carers": "Carers", "roma": "Roma"},
        ):
            codes = [
                ["ethnic_minority", "carers"],  # p0
                ["ethnic_minority", "carers"],  # p1
                ["ethnic_minority", "carers"],  # p2
                ["ethnic_minority", "carers"],  # p3
                ["ethnic_minority", "carers"],  # p4
                ["ethnic_minority"],  # p5
                ["roma"],  # p6
                [],  # p7
                ["ethnic_minority"],  # p8
            ]
            people = [
                (await create_stakeholder(client, under_served_group_codes=c))["id"] for c in codes
            ]
            project_a, project_b = projects.add_project(), projects.add_project()
            e1 = await completed_engagement(client, project_a)
            e2 = await completed_engagement(client, project_b)

            async def attend(engagement: str, person: str, attended: bool = True) -> None:
                response = await client.post(
                    f"/v1/engagements/{engagement}/participants",
                    json={"stakeholder_id": person, "attended": attended},
                )
                assert response.status_code == 201, response.text

            for person in people[:8]:
                await attend(e1, person)
            for person in (people[0], people[1], people[2], people[7], people[8]):
                await attend(e2, person)
            await attend(e2, people[6], attended=False)  # invited, did not come: not reached

            async def reach(query: str) -> dict[str, Any]:
                body = (await client.get(f"/v1/involvement/plus-reach?{query}")).json()
                return {
                    "participants": body["participants"],
                    **{g["code"]: (g["people"], g["share"]) for g in body["groups"]},
                }

            # E1: 8 people; ethnic minority 6 (0.75), carers 5 (0.625), Roma 1 (hidden).
            expected_e1 = {
                "participants": 8,
                "ethnic_minority": (6, 0.75),
                "carers": (5, 0.625),
                "roma": (None, None),
            }
            assert await reach(f"engagement_id={e1}") == expected_e1
            assert await reach(f"project_id={project_a}") == expected_e1
            # E2: 5 people; ethnic minority 4 and carers 3, both below 5.
            assert await reach(f"engagement_id={e2}") == {
                "participants": 5,
                "ethnic_minority": (None, None),
                "carers": (None, None),
                "roma": (None, None),
            }
            # Portfolio: 9 distinct people (p0-p2 and p7 attended both); ethnic minority 7 (p0-p5,
            # p8: 7/9 = 0.778), carers 5 (0.556), Roma 1 (p6 came to E1 only).
            assert await reach("") == {
                "participants": 9,
                "ethnic_minority": (7, 0.778),
                "carers": (5, 0.556),
                "roma": (None, None),
            }


async def add_contributors(api: httpx.AsyncClient, project_id: uuid.UUID, n: int) -> None:
    for i in range(n):
        person = await create_stakeholder(api, display_name=f"Contributor {i}")
        response = await api.post(
            "/v1/involvement/roles",
            json={
                "stakeholder_id": person["id"],
                "project_id": str(project_id),
                "role": "co_researcher",
                "stages": ["design"],
                "start_date": "2026-01-01",
                "payment_offered": True,
            },
        )
        assert response.status_code == 201, response.text


class TestGripp2:
    def test_the_forms_have_5_and_34_items(self) -> None:
        assert len(SHORT) == 5
        assert len(LONG) == 34
        assert len({i.code for i in LONG}) == 34

    async def test_form_long_is_honoured_and_bad_forms_refused(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        project_id = projects.add_project()
        await add_contributors(client, project_id, 6)
        url = f"/v1/involvement/gripp2?project_id={project_id}"
        short = (await client.get(url)).json()
        assert short["form"] == "short"
        assert [i["item"] for i in short["items"]] == [
            "aim",
            "methods",
            "results",
            "outcomes",
            "critical_perspective",
        ]
        long = (await client.get(f"{url}&form=long")).json()
        assert long["form"] == "long"
        assert [i["item"] for i in long["items"]][:5] == ["1a", "1b", "1c", "1d", "1e"]
        assert len(long["items"]) == 34
        items = {i["item"]: i["draft"] for i in long["items"]}
        assert (
            items["4b"] == "6 public contributors, in these roles: co researcher. Offered: payment."
        )
        assert items["4c"] == "Stages of involvement: design."
        assert items["2a"] == "[Write: definition.]"
        assert_problem(await client.get(f"{url}&form=medium"), 422, "validation-error")

    async def test_a_saved_report_keeps_its_inputs_is_edited_then_final(
        self, client: httpx.AsyncClient, projects: FakeProjects, as_role: Any
    ) -> None:
        project_id = projects.add_project()
        await add_contributors(client, project_id, 6)
        created = await client.post(REPORTS, json={"project_id": str(project_id), "form": "long"})
        assert created.status_code == 201, created.text
        report = created.json()
        assert (report["status"], report["version"], report["form"]) == ("draft", 1, "long")
        assert report["inputs"]["contributors"] == 6
        assert created.headers["ETag"] == '"v1"'
        url = f"{REPORTS}/{report['id']}"
        # New data after saving: the report keeps what it was generated from.
        await add_contributors(client, project_id, 1)
        assert (await client.get(url)).json()["inputs"]["contributors"] == 6
        fresh = (
            await client.get(f"/v1/involvement/gripp2?project_id={project_id}&form=long")
        ).json()
        assert {i["item"]: i["draft"] for i in fresh["items"]}["4b"].startswith("7 public")

        edit = {"items": [{"item": "1a", "text": "To co-design the discharge lounge."}]}
        edited = await client.patch(url, json=edit, headers={"If-Match": '"v1"'})
        assert edited.status_code == 200, edited.text
        assert edited.headers["ETag"] == '"v2"'
        assert edited.json()["items"][0]["text"] == "To co-design the discharge lounge."
        assert edited.json()["items"][1]["text"] == report["items"][1]["text"]
        stale = await client.patch(url, json=edit, headers={"If-Match": '"v1"'})
        assert_problem(stale, 412, "precondition-failed")
        unknown = await client.patch(url, json={"items": [{"item": "aim", "text": "x"}]})
        body = assert_problem(unknown, 422, "unknown-gripp2-item")
        assert body["errors"][0]["pointer"] == "/items/0/item"
        async with as_role("reporter", sub="rita") as reporter:
            assert_problem(await reporter.post(f"{url}/finalise"), 403)
            assert (await reporter.get(url)).status_code == 200

        final = await client.post(f"{url}/finalise", headers={"If-Match": '"v2"'})
        assert final.status_code == 200, final.text
        assert (final.json()["status"], final.json()["version"]) == ("final", 3)
        assert final.json()["finalised_by"] == "gov-1"
        assert_problem(await client.patch(url, json=edit), 409, "gripp2-report-final")
        assert_problem(await client.post(f"{url}/finalise"), 409, "gripp2-report-final")
        again = await client.get(url, headers={"If-None-Match": '"v3"'})
        assert again.status_code == 304
        listed = (await client.get(f"{REPORTS}?project_id={project_id}")).json()
        assert [r["id"] for r in listed["items"]] == [report["id"]]
        assert_problem(
            await client.get(f"{REPORTS}/{uuid.uuid4()}"), 404, "gripp2-report-not-found"
        )

    async def test_the_audit_keeps_the_narrative_out(
        self, client: httpx.AsyncClient, admin: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        project_id = projects.add_project()
        report = (await client.post(REPORTS, json={"project_id": str(project_id)})).json()
        secret = "Mrs Example said the leaflet was unreadable."
        edit = {"items": [{"item": "aim", "text": secret}]}
        assert (await client.patch(f"{REPORTS}/{report['id']}", json=edit)).status_code == 200
        audit = (
            await admin.get(f"/v1/audit?entity_type=gripp2_report&entity_id={report['id']}")
        ).json()["items"]
        assert len(audit) == 2
        assert audit[1]["changes"]["items"]["after"] == "[redacted]"
        assert secret not in str(audit)

    async def test_saving_follows_the_project_write_rule(
        self, as_role: Any, projects: FakeProjects
    ) -> None:
        project_id = projects.add_project()
        async with as_role("contributor", sub="outsider") as outsider:
            refused = await outsider.post(REPORTS, json={"project_id": str(project_id)})
        assert_problem(refused, 403)
