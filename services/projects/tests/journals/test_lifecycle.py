"""The lifecycle the three journals share, checked on each: draft → submitted → reviewed by
`POST /{entry_id}/transitions`, `allowed_transitions` on the entry, illegal moves refused."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from shared.testing import TokenFactory, api_client, assert_problem

ILLEGAL = "illegal-transition"


async def agreed_map(build) -> dict[str, Any]:
    project = await build.project()
    agreed: dict[str, Any] = await build.agreed_map(project["id"])
    return agreed


class TestTransitions:
    async def test_draft_submitted_reviewed_and_nothing_after(
        self, client: httpx.AsyncClient, build, entries, journal: str
    ) -> None:
        draft = await entries.create(journal, await agreed_map(build))
        assert (draft["status"], draft["allowed_transitions"]) == ("draft", ["submitted"])
        for wrong in ("reviewed", "amended", "draft"):
            body = await entries.move(journal, draft, wrong, status=409, slug=ILLEGAL)
            assert "allowed from here: `submitted`" in body["detail"]
        submitted = await entries.move(journal, draft, "submitted", reason="Quarter closed.")
        assert (submitted["status"], submitted["allowed_transitions"]) == (
            "submitted",
            ["reviewed"],
        )
        assert submitted["submitted_at"] and submitted["version"] > draft["version"]
        await entries.move(journal, submitted, "submitted", status=409, slug=ILLEGAL)
        reviewed = await entries.move(journal, submitted, "reviewed")
        assert (reviewed["status"], reviewed["allowed_transitions"]) == ("reviewed", [])
        assert reviewed["reviewed_by"] == "gov-1" and reviewed["reviewed_at"]
        for wrong in ("submitted", "draft"):
            body = await entries.move(journal, reviewed, wrong, status=409, slug=ILLEGAL)
            assert "allowed from here: none" in body["detail"]
        url = f"/v1/projects/{draft['project_id']}/{journal}"
        read = await client.get(f"{url}/{draft['id']}")
        assert read.json() == reviewed and read.headers["ETag"] == f'"v{reviewed["version"]}"'
        listed = (await client.get(url)).json()["items"]
        assert [item["allowed_transitions"] for item in listed] == [[]]

    async def test_the_verbs_are_gone(
        self, client: httpx.AsyncClient, build, entries, journal: str
    ) -> None:
        draft = await entries.create(journal, await agreed_map(build))
        url = f"/v1/projects/{draft['project_id']}/{journal}/{draft['id']}"
        for verb in ("submit", "review"):
            assert_problem(await client.post(f"{url}/{verb}"), 404)

    async def test_a_bad_body_is_422(
        self, client: httpx.AsyncClient, build, entries, journal: str
    ) -> None:
        draft = await entries.create(journal, await agreed_map(build))
        url = f"/v1/projects/{draft['project_id']}/{journal}/{draft['id']}/transitions"
        for body, pointer in (
            ({"to": "published"}, "/to"),
            ({}, "/to"),
            ({"to": "submitted", "comment": "x"}, "/comment"),
            ({"to": "submitted", "reason": "  "}, "/reason"),
        ):
            problem = assert_problem(await client.post(url, json=body), 422, "validation-error")
            assert pointer in {error["pointer"] for error in problem["errors"]}, body
        assert (await client.get(url.removesuffix("/transitions"))).json()["status"] == "draft"

    async def test_if_match_is_checked(self, build, entries, journal: str) -> None:
        draft = await entries.create(journal, await agreed_map(build))
        stale = {"If-Match": f'"v{draft["version"] - 1}"'}
        await entries.move(
            journal, draft, "submitted", status=412, slug="precondition-failed", headers=stale
        )
        current = {"If-Match": f'"v{draft["version"]}"'}
        moved = await entries.move(journal, draft, "submitted", headers=current)
        assert moved["status"] == "submitted"

    async def test_a_reason_is_kept_in_the_audit_trail(
        self, client: httpx.AsyncClient, build, entries, journal: str
    ) -> None:
        draft = await entries.create(journal, await agreed_map(build))
        submitted = await entries.move(journal, draft, "submitted")
        await entries.move(journal, submitted, "reviewed", reason="Read at the March board.")
        table = journal.replace("-", "_") + "_entry"
        audit = await client.get(f"/v1/audit?entity_type={table}&entity_id={draft['id']}")
        assert audit.status_code == 200, audit.text
        moves = [row for row in audit.json()["items"] if row["action"] in ("submitted", "reviewed")]
        assert [(row["action"], row["changes"]) for row in moves] == [
            (
                "reviewed",
                {
                    "status": {"before": "submitted", "after": "reviewed"},
                    "reason": "Read at the March board.",
                },
            )
        ]

    async def test_only_the_team_moves_an_entry(
        self, app: FastAPI, build, entries, journal: str, tokens: TokenFactory
    ) -> None:
        draft = await entries.create(journal, await agreed_map(build))
        url = f"/v1/projects/{draft['project_id']}/{journal}/{draft['id']}/transitions"
        async with api_client(app, token=tokens("contributor", sub="dan")) as dan:
            response = await dan.post(url, json={"to": "submitted"})
            assert_problem(response, 403, "not-a-project-team-member")
            await build.member(draft["project_id"], "dan")
            response = await dan.post(url, json={"to": "submitted"})
            assert response.status_code == 200, response.text
            response = await dan.post(url, json={"to": "reviewed"})
            assert (response.json()["status"], response.json()["reviewed_by"]) == (
                "reviewed",
                "dan",
            )

    async def test_a_reader_or_an_archived_project_is_offered_no_move(
        self, app: FastAPI, client: httpx.AsyncClient, build, entries, journal: str, tokens
    ) -> None:
        draft = await entries.create(journal, await agreed_map(build))
        url = f"/v1/projects/{draft['project_id']}/{journal}"
        async with api_client(app, token=tokens("viewer", sub="vic")) as vic:
            assert (await vic.get(f"{url}/{draft['id']}")).json()["allowed_transitions"] == []
            listed = (await vic.get(url)).json()["items"]
            assert [item["allowed_transitions"] for item in listed] == [[]]
        # A contributor is offered the move; asking without team membership is still a 403.
        async with api_client(app, token=tokens("contributor", sub="dan")) as dan:
            read = (await dan.get(f"{url}/{draft['id']}")).json()
            assert read["allowed_transitions"] == ["submitted"]
        archived = await client.post(
            f"/v1/projects/{draft['project_id']}/archive",
            json={"reason": "Merged into another project."},
        )
        assert archived.status_code == 200, archived.text
        assert (await client.get(f"{url}/{draft['id']}")).json()["allowed_transitions"] == []
        await entries.move(journal, draft, "submitted", status=409, slug="project-archived")

    async def test_an_entry_of_another_journal_or_project_is_404(
        self, client: httpx.AsyncClient, build, entries, journal: str
    ) -> None:
        agreed = await agreed_map(build)
        other = "strategy-journal" if journal == "outcome-journal" else "outcome-journal"
        stranger = await entries.create(other, agreed)
        await entries.move(
            journal, stranger, "submitted", status=404, slug="journal-entry-not-found"
        )
        draft = await entries.create(journal, agreed)
        elsewhere = {**draft, "project_id": (await build.project(title="ED streaming"))["id"]}
        await entries.move(
            journal, elsewhere, "submitted", status=404, slug="journal-entry-not-found"
        )


class TestPeriods:
    async def test_live_entries_do_not_overlap(
        self, client: httpx.AsyncClient, build, entries, journal: str
    ) -> None:
        agreed = await agreed_map(build)
        await entries.move(journal, await entries.create(journal, agreed), "submitted")
        body = await entries.create(
            journal,
            agreed,
            "2026-03-31",
            "2026-06-30",
            status=422,
            slug="overlapping-journal-period",
        )
        assert body["errors"][0]["pointer"] == "/period_start"
        adjacent = await entries.create(journal, agreed, "2026-04-01", "2026-06-30")
        # A draft holds its period too, and moving it onto another entry is refused.
        url = f"/v1/projects/{agreed['project_id']}/{journal}/{adjacent['id']}"
        moved = await client.patch(url, json={"period_start": "2026-02-01"})
        assert_problem(moved, 422, "overlapping-journal-period")
        reversed_period = await client.patch(url, json={"period_end": "2026-03-01"})
        problem = assert_problem(reversed_period, 422)
        assert problem["errors"][0]["pointer"] == "/period_end"


class TestAmendments:
    async def test_a_correction_amends_the_original_once(
        self, client: httpx.AsyncClient, build, entries, journal: str
    ) -> None:
        agreed = await agreed_map(build)
        original = await entries.move(journal, await entries.create(journal, agreed), "submitted")
        url = f"/v1/projects/{agreed['project_id']}/{journal}"
        assert_problem(
            await client.patch(f"{url}/{original['id']}", json={"lessons": "x"}),
            409,
            "journal-entry-read-only",
        )
        original = await entries.move(journal, original, "reviewed")
        # Two corrections of one reviewed entry, for different months of its quarter.
        first = await entries.create(
            journal, agreed, "2026-01-01", "2026-01-31", amends_id=original["id"]
        )
        second = await entries.create(
            journal, agreed, "2026-02-01", "2026-02-28", amends_id=original["id"]
        )
        moved = await entries.move(journal, first, "submitted")
        assert moved["amends_id"] == original["id"]
        amended = (await client.get(f"{url}/{original['id']}")).json()
        assert (amended["status"], amended["allowed_transitions"]) == ("amended", [])
        await entries.move(journal, amended, "reviewed", status=409, slug=ILLEGAL)
        await entries.move(
            journal, second, "submitted", status=409, slug="journal-entry-not-amendable"
        )
        assert (await client.get(f"{url}/{second['id']}")).json()["status"] == "draft"
        # Neither an amended entry nor a draft is corrected by a new entry.
        for target in (amended, second):
            await entries.create(
                journal,
                agreed,
                "2026-03-01",
                "2026-03-31",
                amends_id=target["id"],
                status=409,
                slug="journal-entry-not-amendable",
            )
        listed = (await client.get(f"{url}?status=submitted")).json()["items"]
        assert [item["id"] for item in listed] == [first["id"]]

    async def test_an_entry_of_another_journal_is_not_corrected(
        self, build, entries, journal: str
    ) -> None:
        agreed = await agreed_map(build)
        other = "strategy-journal" if journal == "outcome-journal" else "outcome-journal"
        stranger = await entries.move(other, await entries.create(other, agreed), "submitted")
        await entries.create(
            journal,
            agreed,
            "2026-04-01",
            "2026-04-30",
            amends_id=stranger["id"],
            status=409,
            slug="journal-entry-not-amendable",
        )
