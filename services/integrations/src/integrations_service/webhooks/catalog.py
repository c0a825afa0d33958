"""The event types a webhook may subscribe to: what the three services' change feeds publish.

Every audited table publishes `<table>.created|updated|deleted` (shared.changes); some name an
action of their own (`set_action`), and some emit domain events (`emit_event`). This service
imports no other service, so the list is written out here; tests/test_catalog.py checks it
against each service's declared event contract (shared.event_contract.event_catalog), so a new
audited table or event fails a test instead of being silently never delivered.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

_ROW_ACTIONS: Final = ("created", "updated", "deleted")

AUDITED_ENTITIES: Final[dict[str, tuple[str, ...]]] = {
    "projects": (
        "benefit",
        "benefit_value",
        "boundary_partner",
        "evaluation_plan_item",
        "marker_rating",
        "milestone",
        "monitoring_plan_item",
        "nhs_record_document",
        "organisational_practice",
        "outcome_journal_entry",
        "outcome_map",
        "outcome_map_revision_prompt",
        "performance_journal_entry",
        "practice_journal_entry",
        "progress_marker",
        "project",
        "strategy",
        "strategy_journal_entry",
        "team_membership",
    ),
    "assessment": (
        "adaptation_decision",
        "adaptation_finding",
        "assessment",
        "complexity_rating",
        "consensus_rating",
        "decision",
        "decision_condition",
        "developmental_evaluation",
        "evidence_item",
        "finding",
        "finding_evidence",
        "framework",
        "learning_brief",
        "learning_log_entry",
        "learning_question",
        "learning_question_answer",
        "panel_member",
        "rating",
        "sensemaking_session",
        "sensemaking_session_entry",
        "theory_of_change_adaptation",
        "theory_of_change_version",
    ),
    "stakeholders": (
        "comparator_population",
        "consent_record",
        "contact_details",
        "data_subject_request",
        "engagement",
        "engagement_plan_item",
        "equality_response",
        "feedback_item",
        "gripp2_report",
        "involvement_role",
        "organisation",
        "participation",
        "project_link",
        "stakeholder",
        "stakeholder_assessment",
        "standards_self_assessment",
    ),
}

# Named actions (`set_action`) and domain events (`emit_event`), per producer.
NAMED_EVENTS: Final[dict[str, tuple[str, ...]]] = {
    "projects": (
        "journal.submitted",
        "outcome_map.agreed",
        "progress_marker.revised",
        "project.archived",
        "project.stage_changed",
        "team_membership.role_ended",
    ),
    "assessment": (
        "adaptation.implemented",
        "adaptation_decision.agreed",
        "adaptation_decision.implemented",
        "adaptation_decision.reviewed",
        "assessment.cancelled",
        "assessment.decided",
        "assessment.moderation_started",
        "assessment.opened",
        "assessment.score_frozen",
        "assessment.scored",
        "assessment.scoring_started",
        "decision.closed",
        "decision.marked_superseded",
        "decision.recorded",
        "decision.superseded",
        "decision_condition.breached",
        "decision_condition.met",
        "decision_condition.superseded",
        "decision_condition.waived",
        "developmental_evaluation.active",
        "developmental_evaluation.concluded",
        "finding.confirmed",
        "finding.refuted",
        "finding.tested",
        "framework.activated",
        "framework.first_used",
        "framework.piloting_started",
        "framework.retired",
        "learning_question.answered",
        "learning_question.reframed",
        "learning_question.retired",
        "panel_member.added",
        "panel_member.conflict_waived",
        "panel_member.declared",
        "panel_member.recused",
        "panel_member.submitted",
    ),
    "stakeholders": (
        "consent.withdrawn",
        "consent_record.withdrawn",
        "data_subject_request.completed",
        "data_subject_request.extended",
        "data_subject_request.identity_verified",
        "data_subject_request.in_progress",
        "data_subject_request.overdue",
        "data_subject_request.refused",
        "engagement.cancelled",
        "engagement.completed",
        "feedback.closed",
        "feedback_item.closed",
        "gripp2_report.finalised",
        "relationship.orphaned",
        "stakeholder.erased",
        "stakeholder.tombstoned",
    ),
}

TEST_EVENT: Final = "webhook.test"


def _producer_types(producer: str) -> tuple[str, ...]:
    rows = (f"{e}.{a}" for e in AUDITED_ENTITIES[producer] for a in _ROW_ACTIONS)
    return tuple(sorted({*rows, *NAMED_EVENTS[producer]}))


EVENT_TYPES_BY_PRODUCER: Final[dict[str, tuple[str, ...]]] = {
    producer: _producer_types(producer) for producer in AUDITED_ENTITIES
}
EVENT_TYPES: Final[frozenset[str]] = frozenset(
    t for types in EVENT_TYPES_BY_PRODUCER.values() for t in types
)
ENTITIES: Final[frozenset[str]] = frozenset(t.split(".", 1)[0] for t in EVENT_TYPES)


def unknown_patterns(patterns: Iterable[str]) -> list[str]:
    """The patterns that match no known type: `*`, `<entity>.*` or an exact `<entity>.<action>`."""
    return [
        p
        for p in patterns
        if not (p == "*" or (p.endswith(".*") and p[:-2] in ENTITIES) or p in EVENT_TYPES)
    ]


def matches(patterns: Iterable[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to `patterns` receives `event_type`."""
    entity = event_type.split(".", 1)[0]
    return any(p == "*" or p == event_type or p == f"{entity}.*" for p in patterns)
