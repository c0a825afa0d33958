"""Learning questions: open → answered | reframed (linked to its successor) | retired."""

from __future__ import annotations

from typing import Any

import httpx

Q = "/v1/evaluation/questions"


class TestCreateLearningQuestion:
    async def test_creates_open(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        question = await de.question()
        assert question["status"] == "open"
        assert question["reframed_from_id"] is None
        assert question["answered_by_finding_ids"] == []

    async def test_blank_text_is_422(self, evaluator: httpx.AsyncClient, de: Any, kit: Any) -> None:
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/questions", json={"text": "  "}
        )
        assert kit.problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/text"


class TestListLearningQuestions:
    async def test_filters_by_status(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        keep = await de.question("Who escalates at night?")
        retired = await de.question("Is the kit too heavy?")
        await evaluator.post(f"{Q}/{retired['id']}/retire")
        response = await evaluator.get(
            f"/v1/evaluation/evaluations/{de.id}/questions", params={"status": "open"}
        )
        assert [item["id"] for item in response.json()["items"]] == [keep["id"]]


class TestUpdateLearningQuestion:
    async def test_open_question_can_be_reworded(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        question = await de.question()
        response = await evaluator.patch(f"{Q}/{question['id']}", json={"text": "Reworded?"})
        assert response.status_code == 200
        assert response.json()["text"] == "Reworded?"

    async def test_closed_question_is_409(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        question = await de.question()
        await evaluator.post(f"{Q}/{question['id']}/retire")
        response = await evaluator.patch(f"{Q}/{question['id']}", json={"text": "Reworded?"})
        kit.problem(response, 409, "learning-question-closed")


class TestAnswerLearningQuestion:
    async def test_answered_by_findings(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        question = await de.question()
        finding = await de.finding()
        response = await evaluator.post(
            f"{Q}/{question['id']}/answer", json={"finding_ids": [finding["id"]]}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "answered"
        assert body["answered_by_finding_ids"] == [finding["id"]]
        assert body["closed_at"] is not None

    async def test_finding_of_another_evaluation_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, projects: Any, kit: Any
    ) -> None:
        other = await kit.DE.start(evaluator, projects)
        foreign = await other.finding()
        question = await de.question()
        response = await evaluator.post(
            f"{Q}/{question['id']}/answer", json={"finding_ids": [foreign["id"]]}
        )
        body = kit.problem(response, 422, "reference-outside-evaluation")
        assert body["errors"][0]["pointer"] == "/finding_ids/0"

    async def test_answering_a_closed_question_is_409(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        question = await de.question()
        finding = await de.finding()
        await evaluator.post(f"{Q}/{question['id']}/retire")
        response = await evaluator.post(
            f"{Q}/{question['id']}/answer", json={"finding_ids": [finding["id"]]}
        )
        kit.problem(response, 409, "illegal-question-transition")


class TestReframeLearningQuestion:
    async def test_new_question_links_to_the_one_it_replaces(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        old = await de.question("Does the virtual ward reduce admissions?")
        response = await evaluator.post(
            f"{Q}/{old['id']}/reframe", json={"text": "For whom does it avoid admission?"}
        )
        assert response.status_code == 201, response.text
        new = response.json()
        assert new["status"] == "open"
        assert new["reframed_from_id"] == old["id"]
        assert response.headers["location"] == f"{Q}/{new['id']}"
        assert (await evaluator.get(f"{Q}/{old['id']}")).json()["status"] == "reframed"
        listed = await evaluator.get(
            f"/v1/evaluation/evaluations/{de.id}/questions", params={"reframed_from_id": old["id"]}
        )
        assert [item["id"] for item in listed.json()["items"]] == [new["id"]]

    async def test_reframing_twice_is_409(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        old = await de.question()
        await evaluator.post(f"{Q}/{old['id']}/reframe", json={"text": "Sharper question?"})
        response = await evaluator.post(f"{Q}/{old['id']}/reframe", json={"text": "Again?"})
        kit.problem(response, 409, "illegal-question-transition")


class TestRetireLearningQuestion:
    async def test_retires_with_if_match(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        question = await de.question()
        response = await evaluator.post(
            f"{Q}/{question['id']}/retire", headers={"If-Match": '"v1"'}
        )
        assert response.json()["status"] == "retired"

    async def test_stale_if_match_is_412(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        question = await de.question()
        await evaluator.patch(f"{Q}/{question['id']}", json={"text": "Changed?"})
        response = await evaluator.post(
            f"{Q}/{question['id']}/retire", headers={"If-Match": '"v1"'}
        )
        kit.problem(response, 412, "precondition-failed")


class TestGetLearningQuestion:
    async def test_unknown_is_404(self, evaluator: httpx.AsyncClient, kit: Any) -> None:
        response = await evaluator.get(f"{Q}/01900000-0000-7000-8000-000000000000")
        kit.problem(response, 404, "learning-question-not-found")
