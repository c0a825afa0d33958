from shared.problems import Conflict, Forbidden, NotFound


class NotATeamMember(Forbidden):
    slug = "not-a-project-team-member"
    title = "Contributors write only to projects they are active team members of"


class MembershipNotFound(NotFound):
    slug = "team-membership-not-found"
    title = "No such team membership on this project"


class DuplicateMembership(Conflict):
    slug = "duplicate-team-membership"
    title = "This person already holds this role on the project"
