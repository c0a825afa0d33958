"""Team: the problems (RFC 9457) this domain raises."""

from shared.problems import Conflict, NotFound
from shared.project_access import NotATeamMember

__all__ = ["DuplicateMembership", "MembershipNotFound", "NotATeamMember"]


class MembershipNotFound(NotFound):
    slug = "team-membership-not-found"
    title = "No such team membership on this project"


class DuplicateMembership(Conflict):
    slug = "duplicate-team-membership"
    title = "This person already holds this role on the project"
