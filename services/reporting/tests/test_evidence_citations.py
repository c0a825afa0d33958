"""The decision evidence pack shows the developmental-evaluation items the decision cites (#14
items 5 and 6): each citation's kind, summary and evaluation id, in the JSON (passed on as the
assessment service gave it) and on the HTML page."""

from __future__ import annotations

import uuid
from typing import Any

from reporting_service.evidence.schemas import EvidencePack
from reporting_service.rendering import pages
from services.reporting.tests.test_evidence import AS_OF, _path, _setup
from services.reporting.tests.test_rendering_pages import check_accessible, evidence
from services.reporting.tests.upstreams import Upstreams

EVALUATION = str(uuid.uuid4())
CITATIONS: list[dict[str, Any]] = [
    {
        "kind": "finding",
        "id": str(uuid.uuid4()),
        "evaluation_id": EVALUATION,
        "summary": "Escalations cluster after 18:00.",
    },
    {
        "kind": "learning_log_entry",
        "id": str(uuid.uuid4()),
        "evaluation_id": EVALUATION,
        "summary": "Ward sister: evenings are <thin>.",
    },
]


async def test_the_pack_passes_the_citations_on(reports, upstreams: Upstreams) -> None:
    _, decision_id = _setup(upstreams, decided_at="2026-03-10T15:00:00Z")
    template = "/v1/aggregates/decisions/{decision_id}/evidence"
    answered = upstreams.assessment._by_id[("GET", template)][decision_id]
    answered["decision"]["citations"] = CITATIONS
    response = await reports().get(_path(decision_id), params={"as_of": AS_OF})
    assert response.status_code == 200, response.text
    assert response.json()["decision"]["citations"] == CITATIONS


def test_the_page_lists_the_citations() -> None:
    body = evidence()
    body["decision"]["citations"] = CITATIONS
    html = pages.evidence_page(EvidencePack.model_validate(body))
    page = check_accessible(html)
    assert "Developmental-evaluation items the decision cites" in page.captions
    assert "Escalations cluster after 18:00." in html
    assert "Ward sister: evenings are &lt;thin&gt;." in html
    assert html.count(EVALUATION) == 2


def test_a_decision_without_citations_says_so() -> None:
    html = pages.evidence_page(EvidencePack.model_validate(evidence()))
    assert "No citation." in html
