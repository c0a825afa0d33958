"""Rules of findings: evidence from the same evaluation, tested and confirmed only with
evidence, confirmed and refuted ones read-only. Functions flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.findings import repository
from assessment_service.evaluation.findings.errors import (
    FindingClosed,
    FindingNeedsEvidence,
    FindingNotFound,
)
from assessment_service.evaluation.findings.schemas import (
    FindingCreate,
    FindingPatch,
    FindingRead,
    FindingTransition,
)
from assessment_service.evaluation.models import (
    Confidence,
    DevelopmentalEvaluation,
    Finding,
    FindingEvidence,
    FindingStatus,
    LearningLogEntry,
)
from assessment_service.evaluation.service import (
    Writer,
    load,
    moves,
    relink,
    same_evaluation,
    writable,
)
from assessment_service.lifecycle import audit_reason, with_transitions
from shared.auth import Principal
from shared.changes import set_action
from shared.db import utcnow
from shared.event_contract import row_actions, targets_of
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.transitions import check_transition

EDGES: dict[FindingStatus, tuple[FindingStatus, ...]] = {
    FindingStatus.emerging: (FindingStatus.tested, FindingStatus.refuted),
    FindingStatus.tested: (FindingStatus.confirmed, FindingStatus.refuted),
}
# `set_action(..., data.to.value)` below names each move after its target.
row_actions(Finding, *targets_of(EDGES))
NEEDS_EVIDENCE = frozenset({FindingStatus.tested, FindingStatus.confirmed})


def _evidence_link(log_entry_id: uuid.UUID) -> FindingEvidence:
    return FindingEvidence(log_entry_id=log_entry_id)


async def get_finding(session: AsyncSession, finding_id: uuid.UUID) -> Finding:
    found: Finding = await load(
        session, Finding, finding_id, FindingNotFound, *repository.FINDING_LOAD
    )
    return found


def finding_read(finding: Finding, principal: Principal) -> FindingRead:
    """The finding with the moves open to this caller now (its evaluation is loaded with it)."""
    allowed = [
        status
        for status in moves(
            EDGES, finding.status, principal=principal, evaluation=finding.evaluation
        )
        if finding.evidence_links or status not in NEEDS_EVIDENCE
    ]
    return with_transitions(FindingRead, finding, allowed)


async def list_findings(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    pagination: Pagination,
    principal: Principal,
    *,
    status: FindingStatus | None,
    confidence: Confidence | None,
) -> Page[FindingRead]:
    rows = await pagination.rows(
        session,
        repository.findings(evaluation.id, status=status, confidence=confidence),
        id_column=Finding.id,
        updated_column=Finding.updated_at,
    )
    return Page[FindingRead](
        items=[finding_read(finding, principal) for finding in rows.items],
        next_cursor=rows.next_cursor,
    )


async def create_finding(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: FindingCreate,
    writer: Writer,
) -> Finding:
    await writable(writer, evaluation)
    await same_evaluation(
        session, LearningLogEntry, evaluation.id, data.evidence_log_ids, "evidence_log_ids"
    )
    finding = Finding(
        evaluation_id=evaluation.id,
        statement=data.statement,
        confidence=data.confidence,
        first_seen_at=data.first_seen_at or utcnow(),
        implications=data.implications,
        recorded_by=writer.principal.subject,
        evidence_links=[_evidence_link(i) for i in data.evidence_log_ids],
    )
    finding.evaluation = evaluation
    session.add(finding)
    await session.flush()
    return finding


async def update_finding(
    session: AsyncSession,
    finding: Finding,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: FindingPatch,
    writer: Writer,
) -> Finding:
    await writable(writer, evaluation)
    if finding.status in (FindingStatus.confirmed, FindingStatus.refuted):
        raise FindingClosed(f"The finding is {finding.status.value}; record a new one.")
    changes = merge_patch_changes(
        patch,
        required=("statement", "confidence", "first_seen_at", "implications", "evidence_log_ids"),
    )
    evidence = changes.pop("evidence_log_ids", None)
    if evidence is not None:
        await same_evaluation(
            session, LearningLogEntry, evaluation.id, evidence, "evidence_log_ids"
        )
        if not evidence and finding.status is FindingStatus.tested:
            raise FindingNeedsEvidence("A tested finding keeps at least one evidence entry.")
        relink(finding, "evidence_links", evidence, "log_entry_id", _evidence_link)
    apply_changes(finding, changes)
    await session.flush()
    return finding


async def transition_finding(
    session: AsyncSession,
    finding: Finding,
    evaluation: DevelopmentalEvaluation,
    *,
    data: FindingTransition,
    writer: Writer,
) -> Finding:
    await writable(writer, evaluation)
    check_transition(EDGES, finding.status, data.to)
    before = finding.status
    if data.to in NEEDS_EVIDENCE and not finding.evidence_links:
        raise FindingNeedsEvidence("Link the log entries behind it first (evidence_log_ids).")
    finding.status = data.to
    if data.confidence is not None:
        finding.confidence = data.confidence
    set_action(finding, data.to.value)
    await session.flush()
    await audit_reason(
        session, finding, finding.id, before=before, after=data.to, reason=data.reason
    )
    return finding
