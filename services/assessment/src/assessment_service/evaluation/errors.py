"""One problem type per rule of developmental evaluation."""

from shared.problems import Conflict, Forbidden, InvalidInput, NotFound


class EvaluationNotFound(NotFound):
    slug = "evaluation-not-found"
    title = "No such developmental evaluation"


class QuestionNotFound(NotFound):
    slug = "learning-question-not-found"
    title = "No such learning question"


class LogEntryNotFound(NotFound):
    slug = "log-entry-not-found"
    title = "No such learning log entry"


class SessionNotFound(NotFound):
    slug = "sensemaking-session-not-found"
    title = "No such sensemaking session"


class FindingNotFound(NotFound):
    slug = "finding-not-found"
    title = "No such finding"


class AdaptationNotFound(NotFound):
    slug = "adaptation-not-found"
    title = "No such adaptation decision"


class TheoryOfChangeNotFound(NotFound):
    slug = "theory-of-change-version-not-found"
    title = "No such theory-of-change version"


class BriefNotFound(NotFound):
    slug = "learning-brief-not-found"
    title = "No such learning brief"


class UnknownProject(InvalidInput):
    slug = "unknown-project"
    title = "The project does not exist"


class EvaluationExists(Conflict):
    slug = "evaluation-exists-for-project"
    title = "This project already has a developmental evaluation"


class IllegalEvaluationTransition(Conflict):
    slug = "illegal-evaluation-transition"
    title = "The evaluation cannot move to that status"


class EvaluationConcluded(Conflict):
    slug = "evaluation-concluded"
    title = "The evaluation is concluded and read-only"


class IllegalQuestionTransition(Conflict):
    slug = "illegal-question-transition"
    title = "Only an open learning question can be answered, reframed or retired"


class QuestionClosed(Conflict):
    slug = "learning-question-closed"
    title = "Only an open learning question can be edited"


class LogEntryReviewed(Conflict):
    slug = "log-entry-append-only"
    title = "The log entry has been reviewed; amend it with a linked correction"


class IllegalFindingTransition(Conflict):
    slug = "illegal-finding-transition"
    title = "The finding cannot move to that status"


class FindingClosed(Conflict):
    slug = "finding-closed"
    title = "A confirmed or refuted finding is read-only"


class FindingNeedsEvidence(Conflict):
    slug = "finding-needs-evidence"
    title = "A finding needs at least one evidence entry to be tested or confirmed"


class IllegalAdaptationTransition(Conflict):
    slug = "illegal-adaptation-transition"
    title = "Adaptations move proposed → agreed → implemented → reviewed, one step at a time"


class AdaptationLocked(Conflict):
    slug = "adaptation-locked"
    title = "Only a proposed adaptation can be edited"


class ObservedEffectRequired(InvalidInput):
    slug = "observed-effect-required"
    title = "Reviewing an adaptation needs the observed effect"


class TheoryOfChangeSuperseded(Conflict):
    slug = "theory-of-change-version-superseded"
    title = "A newer theory-of-change version exists; this one is read-only"


class NotAuthorisedForProject(Forbidden):
    slug = "not-a-team-member"
    title = "Only evaluators and the project's active team members write to its evaluation"


class CrossEvaluationReference(InvalidInput):
    slug = "reference-outside-evaluation"
    title = "A referenced record does not belong to this evaluation"
