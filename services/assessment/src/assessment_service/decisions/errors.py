"""Decisions: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, InvalidInput, NotFound


class DecisionNotFound(NotFound):
    slug = "decision-not-found"
    title = "No such decision"


class ConditionNotFound(NotFound):
    slug = "condition-not-found"
    title = "No such condition on this decision"


class AssessmentNotReadyForDecision(Conflict):
    slug = "assessment-not-ready-for-decision"
    title = "A decision needs a scored assessment"


class DecisionAlreadyRecorded(Conflict):
    slug = "decision-already-recorded"
    title = "The assessment has a decision; record a correction that supersedes it"


class DecisionAlreadySuperseded(Conflict):
    slug = "decision-already-superseded"
    title = "That decision has already been superseded"


class OverrideRationaleRequired(InvalidInput):
    slug = "override-rationale-required"
    title = "An outcome other than the computed recommendation needs a rationale"


class ConditionsRequired(InvalidInput):
    slug = "conditions-required"
    title = "Proceeding with conditions needs at least one condition"


class OutcomeNotValidForGate(InvalidInput):
    slug = "outcome-not-valid-for-gate"
    title = "This outcome cannot be decided at this gate"


class InvalidSupersession(InvalidInput):
    slug = "invalid-supersession"
    title = "A correction supersedes a decision on the same assessment"


class CitedItemNotFound(InvalidInput):
    slug = "cited-item-not-found"
    title = "A cited developmental-evaluation item does not exist for this project"
