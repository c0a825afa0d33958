"""Projects: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, Forbidden, NotFound


class ProjectNotFound(NotFound):
    slug = "project-not-found"
    title = "No such project"


class ProjectArchived(Conflict):
    slug = "project-archived"
    title = "The project is archived and read-only"


class IllegalStageTransition(Conflict):
    """The stage machine (DOMAIN S1) does not allow this move; `rule` names the rule broken."""

    slug = "illegal-stage-transition"
    title = "This stage transition is not allowed"


class TransitionNeedsGovernance(Forbidden):
    slug = "transition-needs-governance"
    title = "Stopping or closing a project is a governance decision"
