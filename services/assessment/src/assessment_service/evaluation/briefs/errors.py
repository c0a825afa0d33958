"""Problems of learning briefs."""

from shared.problems import NotFound


class BriefNotFound(NotFound):
    slug = "learning-brief-not-found"
    title = "No such learning brief"
