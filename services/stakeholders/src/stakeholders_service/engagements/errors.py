"""Engagements: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, FieldError, InvalidInput, NotFound


class EngagementNotFound(NotFound):
    slug = "engagement-not-found"
    title = "No such engagement"


class FeedbackNotFound(NotFound):
    slug = "feedback-not-found"
    title = "No such feedback item"


class IllegalEngagementTransition(Conflict):
    slug = "illegal-engagement-transition"
    title = "Only a planned engagement can be completed or cancelled"


class EngagementNotCompleted(Conflict):
    slug = "engagement-not-completed"
    title = "Participation, feedback and equality monitoring are recorded once it is completed"


class IllegalFeedbackTransition(Conflict):
    slug = "illegal-feedback-transition"
    title = "The feedback item cannot move to this status from its current one"


class ClosureRequiresResponse(Conflict):
    slug = "feedback-closure-requires-response"
    title = 'Feedback is closed only once a response ("we did") is recorded'


class DuplicateParticipation(Conflict):
    slug = "duplicate-participation"
    title = "The stakeholder is already recorded at this engagement"


class UnknownStakeholder(InvalidInput):
    slug = "unknown-stakeholder"
    title = "The stakeholder does not exist or was erased"

    def __init__(self, pointer: str) -> None:
        super().__init__(
            "No active stakeholder with that id.",
            errors=[FieldError(pointer=pointer, location="body", detail="No such stakeholder.")],
        )


class PlanTargetRequired(InvalidInput):
    slug = "plan-target-required"
    title = "A plan item names either a stakeholder or a segment, not both or neither"
