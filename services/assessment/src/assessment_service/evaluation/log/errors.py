"""Problems of the learning log."""

from shared.problems import Conflict, NotFound


class LogEntryNotFound(NotFound):
    slug = "log-entry-not-found"
    title = "No such learning log entry"


class LogEntryReviewed(Conflict):
    slug = "log-entry-append-only"
    title = "The log entry has been reviewed; amend it with a linked correction"
