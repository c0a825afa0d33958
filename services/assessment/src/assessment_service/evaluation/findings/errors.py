"""Problems of findings."""

from shared.problems import Conflict, NotFound


class FindingNotFound(NotFound):
    slug = "finding-not-found"
    title = "No such finding"


class FindingClosed(Conflict):
    slug = "finding-closed"
    title = "A confirmed or refuted finding is read-only"


class FindingNeedsEvidence(Conflict):
    slug = "finding-needs-evidence"
    title = "A finding needs at least one evidence entry to be tested or confirmed"
