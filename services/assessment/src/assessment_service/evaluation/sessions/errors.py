"""Problems of sensemaking sessions."""

from shared.problems import NotFound


class SessionNotFound(NotFound):
    slug = "sensemaking-session-not-found"
    title = "No such sensemaking session"
