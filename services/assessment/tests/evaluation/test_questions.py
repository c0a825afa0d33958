"""Learning questions: open → answered | reframed (linked to its successor) | retired."""

from __future__ import annotations

from typing import Any

import httpx

from shared.testing import assert_problem

Q = "/v1/evaluation/questions"


class TestCreateLearningQuestion:
    async def test_creates_open(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        question = await de.question()
        assert question["status"] == "open"
        assert question["allowed_transitions"] == ["answered", "reframed", "retired"]
        assert question["reframed_from_id"] is None
        assert question["answered_by_finding_ids"] == []

    async def test_blank_text_is_422(self, evaluator: httpx.AsyncClient, de: Any, kit: Any) -> None:
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/questions", json={"text": "  "}
        )
        assert assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/text"


class TestListLearningQuestions:
    async def test_filters_by_status(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        keep = await de.question("Who escalates at night?")
        retired = await de.question("Is the kit too heavy?")
        await evaluator.post(f"{Q}/{retired['id']}/transitions", json={"to": "retired"})
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
        await evaluator.post(f"{Q}/{question['id']}/transitions", json={"to": "retired"})
        response = await evaluator.patch(f"{Q}/{question['id']}", json={"text": "Reworded?"})
        assert_problem(response, 409, "learning-question-closed")


class TestAnswerLearningQuestion:
    async def test_answered_by_findings(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        question = await de.question()
        finding = await de.finding()
        response = await evaluator.post(
            f"{Q}/{question['id']}/transitions",
            json={"to": "answered", "finding_ids": [finding["id"]]},
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
            f"{Q}/{question['id']}/transitions",
            json={"to": "answered", "finding_ids": [foreign["id"]]},
        )
        body = assert_problem(response, 422, "reference-outside-evaluation")
        assert body["errors"][0]["pointer"] == "/finding_ids/0"

    async def test_answering_a_closed_question_is_409(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        question = await de.question()
        finding = await de.finding()
        await evaluator.post(f"{Q}/{question['id']}/transitions", json={"to": "retired"})
        response = await evaluator.post(
            f"{Q}/{question['id']}/transitions",
            json={"to": "answered", "finding_ids": [finding["id"]]},
        )
        assert_problem(response, 409, "illegal-transition")


class TestReframeLearningQuestion:
    async def test_new_question_links_to_the_one_it_replaces(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        old = await de.question("Does the virtual ward reduce admissions?")
        response = await evaluator.post(
            f"{Q}/{old['id']}/transitions",
            json={"to": "reframed", "text": "For whom does it avoid admission?"},
        )
        assert response.status_code == 200, response.text
        closed = response.json()
        assert closed["status"] == "reframed"
        assert closed["allowed_transitions"] == []
        assert response.headers["etag"] == f'"v{closed["version"]}"'
        new = (await evaluator.get(f"{Q}/{closed['reframed_into_id']}")).json()
        assert new["status"] == "open"
        assert new["text"] == "For whom does it avoid admission?"
        assert new["reframed_from_id"] == old["id"]
        assert new["reframed_into_id"] is None
        assert (await evaluator.get(f"{Q}/{old['id']}")).json() == closed
        listed = await evaluator.get(
            f"/v1/evaluation/evaluations/{de.id}/questions", params={"reframed_from_id": old["id"]}
        )
        assert [item["id"] for item in listed.json()["items"]] == [new["id"]]

    async def test_reframing_twice_is_409(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        old = await de.question()
        await evaluator.post(
            f"{Q}/{old['id']}/transitions", json={"to": "reframed", "text": "Sharper question?"}
        )
        response = await evaluator.post(
            f"{Q}/{old['id']}/transitions", json={"to": "reframed", "text": "Again?"}
        )
        assert_problem(response, 409, "illegal-transition")


class TestQuestionTransitionFields:
    async def test_answering_needs_findings(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        question = await de.question()
        response = await evaluator.post(
            f"{Q}/{question['id']}/transitions", json={"to": "answered"}
        )
        body = assert_problem(response, 422, "question-move-fields")
        assert [error["pointer"] for error in body["errors"]] == ["/finding_ids"]

    async def test_reframing_needs_text_and_takes_no_findings(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        question = await de.question()
        finding = await de.finding()
        response = await evaluator.post(
            f"{Q}/{question['id']}/transitions",
            json={"to": "reframed", "finding_ids": [finding["id"]]},
        )
        body = assert_problem(response, 422, "question-move-fields")
        assert [error["pointer"] for error in body["errors"]] == ["/finding_ids", "/text"]
        assert (await evaluator.get(f"{Q}/{question['id']}")).json()["status"] == "open"

    async def test_retiring_takes_neither(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        question = await de.question()
        response = await evaluator.post(
            f"{Q}/{question['id']}/transitions", json={"to": "retired", "text": "Why?"}
        )
        assert_problem(response, 422, "question-move-fields")

    async def test_back_to_open_is_409(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        question = await de.question()
        response = await evaluator.post(f"{Q}/{question['id']}/transitions", json={"to": "open"})
        assert_problem(response, 409, "illegal-transition")


class TestRetireLearningQuestion:
    async def test_retires_with_if_match(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        question = await de.question()
        response = await evaluator.post(
            f"{Q}/{question['id']}/transitions",
            json={"to": "retired"},
            headers={"If-Match": '"v1"'},
        )
        assert response.json()["status"] == "retired"

    async def test_stale_if_match_is_412(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        question = await de.question()
        await evaluator.patch(f"{Q}/{question['id']}", json={"text": "Changed?"})
        response = await evaluator.post(
            f"{Q}/{question['id']}/transitions",
            json={"to": "retired"},
            headers={"If-Match": '"v1"'},
        )
        assert_problem(response, 412, "precondition-failed")


class TestGetLearningQuestion:
    async def test_unknown_is_404(self, evaluator: httpx.AsyncClient, kit: Any) -> None:
        response = await evaluator.get(f"{Q}/01900000-0000-7000-8000-000000000000")
        assert_problem(response, 404, "learning-question-not-found")
