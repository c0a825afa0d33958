"""Problems of creating an evaluation."""

from shared.problems import Conflict, InvalidInput


class UnknownProject(InvalidInput):
    slug = "unknown-project"
    title = "The project does not exist"


class EvaluationExists(Conflict):
    slug = "evaluation-exists-for-project"
    title = "This project already has a developmental evaluation"
