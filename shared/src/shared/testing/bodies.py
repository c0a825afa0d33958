"""Canonical request bodies of the projects API, written once for every suite that makes a
project or a team membership (the projects suite's builders, the cross-service and gateway tests)
and for `FakeProjects`, whose records are what these bodies create."""

from __future__ import annotations

from typing import Any


def project_body(**overrides: Any) -> dict[str, Any]:
    """`POST /v1/projects`: a realistic (fictional) NHS project; override any field."""
    return {
        "title": "Virtual ward for frailty",
        "summary": "Hospital-at-home for frail older people after ED attendance.",
        "problem_statement": "Frail older people wait in ED and stay too long.",
        "pillar": "project_innovation",
        "innovation_type": "service_or_pathway_redesign",
        "lead_partner": "joint",
        "directorate": "medicine",
        "site_code": "RQ601",
        **overrides,
    }


def member_body(subject: str, role: str = "member", **overrides: Any) -> dict[str, Any]:
    """`POST /v1/projects/{id}/team`: `subject` on the team, active from today."""
    return {
        "subject": subject,
        "display_name": subject.title(),
        "affiliation": "trust",
        "role": role,
        **overrides,
    }
