"""Projects: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, Forbidden, NotFound


class ProjectNotFound(NotFound):
    slug = "project-not-found"
    title = "No such project"


class ProjectArchived(Conflict):
    slug = "project-archived"
    title = "The project is archived and read-only"


class TransitionNeedsGovernance(Forbidden):
    slug = "transition-needs-governance"
    title = "Stopping or closing a project is a governance decision"
