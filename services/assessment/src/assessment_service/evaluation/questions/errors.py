"""Problems of learning questions."""

from shared.problems import Conflict, InvalidInput, NotFound


class QuestionNotFound(NotFound):
    slug = "learning-question-not-found"
    title = "No such learning question"


class QuestionClosed(Conflict):
    slug = "learning-question-closed"
    title = "Only an open learning question can be edited"


class QuestionMoveFields(InvalidInput):
    slug = "question-move-fields"
    title = "Answering needs finding_ids and reframing needs text; no other move takes either"
