"""Projects: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, FieldError, Forbidden, InvalidInput, NotFound


class ProjectNotFound(NotFound):
    slug = "project-not-found"
    title = "No such project"


class ProjectArchived(Conflict):
    slug = "project-archived"
    title = "The project is archived and read-only"


class TransitionNeedsGovernance(Forbidden):
    slug = "transition-needs-governance"
    title = "Stopping or closing a project is a governance decision"


class TooManyTeamProjects(InvalidInput):
    slug = "too-many-team-projects"
    title = "The subject is on too many teams to answer at once"

    def __init__(self, limit: int, *, ids_limit: int) -> None:
        super().__init__(
            f"More than {limit} projects; ask about at most {ids_limit} with `id`.",
            errors=[
                FieldError(pointer="/team_member", location="query", detail="On too many teams.")
            ],
        )
