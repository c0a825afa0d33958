"""The reports' HTML pages from canned report models: one h1 and headings in order, a caption
on every table, every chart an image with a name and a description, each report's charts
present (or their "no data" figures), names only in the full view, the missing sections of a
partial report listed, text from the upstreams escaped, A4 print rules, no script."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser
from typing import Any

from reporting_service.board_pack.schemas import BoardPack
from reporting_service.dossier.schemas import Dossier
from reporting_service.evidence.schemas import EvidencePack
from reporting_service.portfolio.schemas import PortfolioReport
from reporting_service.rendering import pages

PROJECT = "0196a000-0000-7000-8000-000000000001"
DECISION = "0196a000-0000-7000-8000-0000000000d1"
ASSESSMENT = "0196a000-0000-7000-8000-0000000000a1"


def envelope(extra: dict[str, Any], **sections: Any) -> dict[str, Any]:
    """A report's body: the envelope, its sections, then a test's `extra` over them."""
    return {
        "generated_at": "2026-07-01T09:00:00Z",
        "as_of": "2026-06-30T00:00:00Z",
        "period": {"from": "2026-04-01T00:00:00Z", "to": "2026-06-30T00:00:00Z"},
        "filters": {"directorate": "Medicine", "pillar": None, "stage": None},
        "definitions": {"gate_funnel": "Projects entering, decided, proceeding, stopped."},
        "view": "full",
        **sections,
        **extra,
    }


def portfolio(**extra: Any) -> dict[str, Any]:
    return envelope(
        extra,
        counts={
            "projects": 31,
            "by_stage": [
                {"key": "idea", "count": 6},
                {"key": "scoping", "count": 5},
                {"key": "pilot", "count": 8},
                {"key": "scaling", "count": 4},
            ],
            "by_pillar": [{"key": "project_innovation", "count": 31}],
            "by_directorate": [
                {"key": "Medicine <& Surgery>", "count": 20},
                {"key": None, "count": 11},
            ],
            "by_innovation_type": [{"key": "digital_technology", "count": 31}],
        },
        latest_decisions={
            "projects_decided": 12,
            "by_outcome": [{"outcome": "proceed", "projects": 9}],
        },
        gate_funnel=[
            {
                "gate": "g0_triage",
                "entered": 25,
                "decided": 20,
                "proceeded": 16,
                "stopped": 4,
                "conversion": 0.8,
            },
            {
                "gate": "g1_scoping",
                "entered": 16,
                "decided": 12,
                "proceeded": 9,
                "stopped": 3,
                "conversion": 0.75,
            },
        ],
        days_in_stage=[
            {"stage": "idea", "stays": 9, "median_days": 21.0, "p90_days": 40.5, "ongoing": 6},
            {"stage": "pilot", "stays": 3, "median_days": 90.0, "p90_days": 130.0, "ongoing": 8},
            {"stage": "scaling", "stays": 0, "median_days": None, "p90_days": None, "ongoing": 4},
        ],
        core20plus5=[{"key": "hypertension", "count": 4}],
        net_zero={
            "projects": 31,
            "relevant": 7,
            "share": 0.2258,
            "tco2e_estimate": 12.5,
            "tco2e_benefits": 2,
        },
        benefits=[
            {
                "kind": "cash_releasing",
                "unit": "GBP",
                "benefits": 3,
                "estimated": 120000.0,
                "validated": None,
                "actual": 40000.0,
            }
        ],
        monitoring={
            "items": 14,
            "overdue": 3,
            "projects_overdue": 2,
            "overdue_outcome_journals": 1,
            "projects_with_overdue_outcome_journals": 1,
            "by_tool": [
                {"tool": "outcome_journal", "items": 9, "overdue": 1, "projects_overdue": 1}
            ],
        },
        conditions={"open": 5, "past_due": 2},
        evaluations={"active": 2, "pivots": 1, "pivots_implemented": 1},
        overrides={
            "decisions_in_period": 8,
            "against_recommendation": 2,
            "override_rate": 0.25,
            "by_gate": [
                {
                    "gate": "g1_scoping",
                    "decisions": 8,
                    "against_recommendation": 2,
                    "override_rate": 0.25,
                }
            ],
        },
        inclusivity={
            "projects_requested": None,
            "projects_with_public_involvement": 9,
            "share": None,
        },
        engagement_coverage={
            "projects_requested": None,
            "projects_with_engagement": 21,
            "share": None,
            "engagements": 140,
            "by_iap2_level": {"inform": 60, "consult": 50, "involve": 20},
            "projects": [],
        },
        key_person={
            "on": "2026-06-30",
            "lead_share_threshold": 0.2,
            "relationship_share_threshold": 0.5,
            "projects_with_a_lead": 30,
            "projects_lead_is_sponsor_is_evaluator": 1,
            "active_members_distribution": [{"key": "1", "count": 2}, {"key": "5+", "count": 20}],
            "projects": [],
            "projects_truncated": False,
            "relationships": 80,
            "shared_relationships": 30,
            "people": [
                {
                    "subject": "lead-1",
                    "projects_led": 7,
                    "projects_sponsored": 1,
                    "projects_evaluated": 0,
                    "share_of_leads": 0.23,
                    "relationships_owned": 12,
                    "relationships_sole_owned": 9,
                    "sole_owner_share": 0.11,
                    "flagged": True,
                }
            ],
            "people_truncated": False,
        },
        suppressed=["stakeholders:/ownership/people/0/owned"],
    )


def _rating(assessor: str, value: int) -> dict[str, Any]:
    return {
        "assessor": assessor,
        "value": value,
        "unknown": False,
        "evidence_level": 3,
        "rationale": "",
    }


def _criterion(code: str, domain: str, consensus: int, normalised: float, values: list[int]):
    return {
        "code": code,
        "domain": domain,
        "scale": "ordinal_0_4",
        "weight": 1.0,
        "consensus": consensus,
        "normalised": normalised,
        "median": consensus,
        "spread": (max(values) - min(values)) / 4,
        "high_spread": False,
        "outliers": [],
        "ratings": [_rating(f"assessor-{i + 1}", v) for i, v in enumerate(values)],
    }


def engagement_picture() -> dict[str, Any]:
    return {
        "project_id": PROJECT,
        "as_of": "2026-03-10T15:00:00Z",
        "stakeholders": {
            "threshold": 3,
            "assessed": 14,
            "mendelow": [
                {"quadrant": "manage_closely", "count": 5},
                {"quadrant": "keep_satisfied", "count": 3},
                {"quadrant": "keep_informed", "count": 4},
                {"quadrant": "monitor", "count": 2},
            ],
            "salience": [{"salience_class": "definitive", "count": 3}],
            "iap2": [{"level": "involve", "current": 4, "target": 6}],
            "below_target": 5,
            "engagement_gap": [],
        },
        "engagements": {"total": 12, "completed": 10},
        "feedback": {"items": 8, "responded": 6, "closed": 5, "closure_rate": 0.625},
        "standards": {
            "period": "2025/26",
            "ratings": [{"standard": "inclusive_opportunities", "level": "developing"}],
        },
        "suppressed": [],
        "definitions": {},
    }


def evidence(**extra: Any) -> dict[str, Any]:
    return envelope(
        extra,
        decision_id=DECISION,
        decided_at="2026-03-10T15:00:00Z",
        decision={
            "id": DECISION,
            "project_id": PROJECT,
            "assessment_id": ASSESSMENT,
            "gate": "g2_pilot_approval",
            "outcome": "proceed_with_conditions",
            "computed_recommendation": "proceed",
            "followed_recommendation": False,
            "rationale": "Readmissions <b>must</b> be tracked.",
            "decided_by": "chair-1",
            "decided_at": "2026-03-10T15:00:00Z",
            "forum": "Innovation board",
            "meeting_date": "2026-03-10",
            "status": "effective",
            "conditions": [
                {
                    "id": DECISION,
                    "text": "Report readmissions monthly",
                    "owner": "lead-1",
                    "due_date": "2026-04-01",
                    "status": "open",
                    "past_due": True,
                }
            ],
            "dissent": [{"member": "member-2", "note": "Too early"}],
        },
        assessment={
            "id": ASSESSMENT,
            "gate": "g2_pilot_approval",
            "template": {"name": "CMDI IIAF", "version": "1.2.0"},
            "overall": 0.62,
            "range_min": 0.5,
            "range_max": 0.75,
            "recommendation": "proceed",
            "confidence": {"coverage": 0.9, "evidence": 0.6, "agreement": 0.8, "level": "medium"},
            "failed_gates": [],
            "domains": [
                {"code": "need", "label": "Need", "weight": 1, "score": 0.75},
                {"code": "value", "label": "Value", "weight": 1, "score": 0.5},
                {"code": "readiness", "label": "Readiness", "weight": 1, "score": 0.625},
            ],
            "criteria": [
                _criterion("N1", "need", 3, 0.75, [2, 3, 4]),
                _criterion("V1", "value", 2, 0.5, [1, 2, 2]),
                _criterion("R1", "readiness", 3, 0.75, [3, 3]),
                _criterion("R2", "readiness", 2, 0.5, [1, 3]),
            ],
        },
        developmental_evaluation=None,
        project={
            "id": PROJECT,
            "reference": "CMDI-2026-001",
            "title": "Virtual ward",
            "stage": "pilot",
            "pillar": "project_innovation",
            "innovation_type": "digital_technology",
            "directorate": "Medicine",
        },
        stage_history=[
            {
                "occurred_at": "2026-01-10T09:00:00Z",
                "from_stage": "idea",
                "to_stage": "scoping",
                "kind": "transition",
                "gate": None,
                "decision_id": None,
                "actor": "gov-1",
                "reason": "",
            }
        ],
        outcome_markers={
            "partners": [
                {
                    "name": "ED nursing team",
                    "levels": [
                        {
                            "level": "expect_to_see",
                            "active_markers": 4,
                            "attained": 3,
                            "attainment_share": 0.75,
                        }
                    ],
                }
            ]
        },
        engagement=engagement_picture(),
        suppressed=[],
        digest="sha256:" + "ab" * 32,
        digest_method="SHA-256 of the canonical JSON",
    )


def board_pack(**extra: Any) -> dict[str, Any]:
    label = {"id": PROJECT, "reference": "CMDI-2026-001", "title": "Virtual ward"}
    return envelope(
        extra,
        meeting={"forum": "Innovation board", "meeting_date": "2026-03-10"},
        decisions=[
            {
                "decision_id": DECISION,
                "project": label,
                "gate": "g2_pilot_approval",
                "outcome": "proceed",
                "computed_recommendation": "proceed",
                "followed_recommendation": True,
                "status": "effective",
                "forum": "Innovation board",
                "meeting_date": "2026-03-10",
                "decided_at": "2026-03-10T15:00:00Z",
                "decided_by": "chair-1",
                "superseded": False,
                "evidence_pack": f"/api/v1/reports/decisions/{DECISION}/evidence",
            }
        ],
        awaiting_decision=[
            {
                "assessment_id": ASSESSMENT,
                "project": label,
                "gate": "g3_scale_decision",
                "overall_score": 0.7,
                "confidence": "high",
                "recommendation": "proceed",
                "scored_at": "2026-03-01T10:00:00Z",
            }
        ],
        conditions={
            "open": 3,
            "past_due": 1,
            "overdue": [
                {
                    "condition_id": DECISION,
                    "decision_id": DECISION,
                    "project": label,
                    "text": "Report readmissions monthly",
                    "owner": "lead-1",
                    "due_date": "2026-04-01",
                    "days_overdue": 90,
                }
            ],
            "overdue_truncated": False,
        },
    )


def dossier(**extra: Any) -> dict[str, Any]:
    def period(end: str, markers: int, attained: int) -> dict[str, Any]:
        return {
            "period_start": end[:5] + "01-01",
            "period_end": end,
            "markers": markers,
            "rated": markers,
            "attained": attained,
            "attainment_share": attained / markers,
        }

    return envelope(
        extra,
        project={
            "id": PROJECT,
            "reference": "CMDI-2026-001",
            "title": "Virtual ward",
            "stage": "pilot",
            "status": "active",
            "pillar": "project_innovation",
            "innovation_type": "digital_technology",
            "directorate": "Medicine",
        },
        team={
            "active": 2,
            "by_role": [{"key": "project_lead", "count": 1}],
            "members": [
                {
                    "subject": "lead-1",
                    "display_name": "Dr Lead One",
                    "role": "project_lead",
                    "affiliation": "trust",
                    "start_date": "2026-01-05",
                    "end_date": None,
                }
            ],
            "truncated": False,
        },
        stage_history=[],
        decisions=[],
        assessments=[],
        attainment={
            "project_id": PROJECT,
            "series": [
                {
                    "name": "ED nursing team",
                    "level": "expect_to_see",
                    "periods": [period("2026-03-31", 4, 2), period("2026-06-30", 4, 3)],
                },
                {
                    "name": "Ward managers",
                    "level": "expect_to_see",
                    "periods": [period("2026-03-31", 2, 0), period("2026-06-30", 2, 1)],
                },
                {
                    "name": "ED nursing team",
                    "level": "like_to_see",
                    "periods": [period("2026-06-30", 5, 1)],
                },
            ],
        },
        strategy_coverage={"partners": [{"name": "ED nursing team", "cells": {"I1": 2}}]},
        practice_profile={"latest": [{"practice": "prospecting", "rating": "medium"}]},
        benefits=[{"id": DECISION, "kind": "cash_releasing", "status": "estimated"}],
        adoption_tracker={"sites": [{"name": "Ward 7", "stage": "adopted"}]},
        engagement=engagement_picture(),
        evaluation=None,
        suppressed=[],
    )


class Page(HTMLParser):
    """What the tests read from a page: headings, tables with their captions, SVGs with their
    names, scripts, text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.tables = 0
        self.captions: list[str] = []
        self.svgs: list[dict[str, str | None]] = []
        self.scripts = 0
        self.ids: list[str] = []
        self._heading: int | None = None
        self._caption = False
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), []
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self._caption, self._text = True, []
        elif tag == "svg":
            self.svgs.append(found)
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if self._heading is not None and tag == f"h{self._heading}":
            self.headings.append((self._heading, "".join(self._text).strip()))
            self._heading = None
        elif tag == "caption":
            self.captions.append("".join(self._text).strip())
            self._caption = False

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def check_accessible(html: str) -> Page:
    page = Page(html)
    levels = [level for level, _ in page.headings]
    assert levels.count(1) == 1 and levels[0] == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, page.headings  # never skips a level
    assert page.tables == len(page.captions) and all(page.captions)
    assert page.svgs
    for svg in page.svgs:
        assert svg["role"] == "img"
        title, desc = str(svg["aria-labelledby"]).split()
        assert title in page.ids and desc in page.ids
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    assert page.scripts == 0
    assert "@page { size: A4" in html and "@media print" in html
    assert html.startswith("<!doctype html>") and '<html lang="en-GB">' in html
    return page


def test_the_portfolio_page() -> None:
    html = pages.portfolio_page(PortfolioReport.model_validate(portfolio()))
    page = check_accessible(html)
    assert page.headings[0] == (1, "Portfolio report")
    assert [svg["data-chart"] for svg in page.svgs] == ["stages", "gate-funnel", "days-in-stage"]
    assert "Projects at each gate" in page.captions
    assert html.count('class="bar bar-entered"') == 2
    assert html.count('class="bar bar-median"') == 2  # the stage without stays has no bars
    assert "Medicine &lt;&amp; Surgery&gt;" in html and "<& Surgery>" not in html
    assert "lead-1" in html  # the full view names people
    assert "Directorate: Medicine" in html
    assert "G0 triage" in html


def test_the_aggregate_view_names_nobody() -> None:
    body = portfolio(view="aggregate")
    body["key_person"]["people"][0]["subject"] = None
    html = pages.portfolio_page(PortfolioReport.model_validate(body))
    check_accessible(html)
    assert '<th scope="col">Person</th>' not in html
    assert "Aggregate (no names)" in html


def test_a_partial_portfolio_lists_what_is_missing_and_keeps_the_charts_figures() -> None:
    body = portfolio(
        partial=True,
        missing_sections=[
            {"section": section, "service": "projects", "reason": "no connection"}
            for section in ("counts", "gate_funnel", "days_in_stage")
        ],
        counts=None,
        gate_funnel=None,
        days_in_stage=None,
    )
    html = pages.portfolio_page(PortfolioReport.model_validate(body))
    page = check_accessible(html)
    assert (2, "Missing sections") in page.headings
    assert "Sections missing from this report" in page.captions
    assert html.count("chart-figure chart-empty") == 3
    assert "the projects service did not answer" in html


def test_empty_sections_draw_no_data_figures() -> None:
    html = pages.portfolio_page(
        PortfolioReport.model_validate(portfolio(gate_funnel=[], days_in_stage=[]))
    )
    check_accessible(html)
    assert html.count("chart-figure chart-empty") == 2
    assert "No data: no project has reached a gate." in html


def test_the_evidence_pack_page() -> None:
    html = pages.evidence_page(EvidencePack.model_validate(evidence()))
    page = check_accessible(html)
    assert page.headings[0] == (1, "Decision evidence pack: CMDI-2026-001")
    assert [svg["data-chart"] for svg in page.svgs] == ["domain-radar", "power-interest"]
    assert html.count('class="point"') == 3 + 4  # three domains, four quadrants
    assert 'class="range"' in html
    assert {"Conditions of the decision", "Domain scores (0 to 1)", "Failed gates"} <= set(
        page.captions
    )
    assert "Readmissions &lt;b&gt;must&lt;/b&gt; be tracked." in html
    assert "sha256:" + "ab" * 32 in html
    assert "CMDI IIAF v1.2.0" in html
    # The radar's description gives each domain's score and the assessors' range in words.
    assert "Need: 0.75 (assessors 0.5 to 1)" in html


def test_an_evidence_pack_without_its_assessment_service() -> None:
    body = evidence(
        partial=True,
        missing_sections=[
            {"section": s, "service": "assessment", "reason": "it answered 500"}
            for s in ("decision", "assessment", "developmental_evaluation")
        ],
        decision=None,
        assessment=None,
    )
    html = pages.evidence_page(EvidencePack.model_validate(body))
    check_accessible(html)
    assert "No data: this section is missing: the assessment service did not answer." in html


def test_the_board_pack_page() -> None:
    html = pages.board_pack_page(BoardPack.model_validate(board_pack()))
    page = check_accessible(html) if "<svg" in html else Page(html)
    assert page.headings[0] == (1, "Board pack: Innovation board, 10 Mar 2026")
    assert [h for h, _ in page.headings].count(1) == 1
    assert page.tables == len(page.captions) == 3
    assert f"/api/v1/reports/decisions/{DECISION}/evidence?format=html" in html
    assert "Report readmissions monthly" in html
    assert page.scripts == 0


def test_the_board_pack_in_the_aggregate_view() -> None:
    body = board_pack(view="aggregate")
    body["decisions"][0]["decided_by"] = None
    body["conditions"]["overdue"][0].update(text=None, owner=None)
    html = pages.board_pack_page(BoardPack.model_validate(body))
    assert '<th scope="col">Owner</th>' not in html and "chair-1" not in html


def test_the_dossier_page() -> None:
    html = pages.dossier_page(Dossier.model_validate(dossier()))
    page = check_accessible(html)
    assert page.headings[0] == (1, "Project dossier: CMDI-2026-001 Virtual ward")
    assert [svg["data-chart"] for svg in page.svgs] == ["attainment", "power-interest"]
    # Expect to see: two periods; like to see: one.
    assert html.count('class="point"') == 3 + 4
    assert "Expect to see: Mar 2026 33%, Jun 2026 67%" in html
    assert "Dr Lead One" in html
    assert "Attainment per boundary partner and marker level, period by period" in page.captions


def test_a_dossier_without_attainment_or_engagement() -> None:
    body = dossier(attainment={"project_id": PROJECT, "series": []}, engagement=None)
    html = pages.dossier_page(Dossier.model_validate(body))
    check_accessible(html)
    assert html.count("chart-figure chart-empty") == 2
