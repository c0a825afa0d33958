"""Problems of theory-of-change versions."""

from shared.problems import Conflict, NotFound


class TheoryOfChangeNotFound(NotFound):
    slug = "theory-of-change-version-not-found"
    title = "No such theory-of-change version"


class TheoryOfChangeSuperseded(Conflict):
    slug = "theory-of-change-version-superseded"
    title = "A newer theory-of-change version exists; this one is read-only"
