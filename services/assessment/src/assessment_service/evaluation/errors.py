"""Problems shared by every evaluation sub-resource; each sub-package adds its own rules'."""

from shared.problems import Conflict, Forbidden, InvalidInput, NotFound


class EvaluationNotFound(NotFound):
    slug = "evaluation-not-found"
    title = "No such developmental evaluation"


class EvaluationConcluded(Conflict):
    slug = "evaluation-concluded"
    title = "The evaluation is concluded and read-only"


class NotAuthorisedForProject(Forbidden):
    slug = "not-a-team-member"
    title = "Only evaluators and the project's active team members write to its evaluation"


class CrossEvaluationReference(InvalidInput):
    slug = "reference-outside-evaluation"
    title = "A referenced record does not belong to this evaluation"
