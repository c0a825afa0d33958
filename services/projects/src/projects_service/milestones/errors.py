"""Milestones: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, InvalidInput, NotFound


class MilestoneNotFound(NotFound):
    slug = "milestone-not-found"
    title = "No such milestone on this project"


class UnknownAdoptionMilestone(InvalidInput):
    slug = "unknown-adoption-milestone"
    title = "No such milestone in the NHS adoption milestone catalogue"


class AdoptionMilestoneNotApplicable(InvalidInput):
    slug = "adoption-milestone-not-applicable"
    title = "This adoption milestone does not apply to the project (digital-only or device-only)"


class AdoptionMilestoneAlreadyTracked(Conflict):
    slug = "adoption-milestone-already-tracked"
    title = "The project already tracks this adoption milestone"


class AdoptionEvidenceRequired(InvalidInput):
    slug = "adoption-evidence-required"
    title = "An adoption milestone is done only with evidence (a URI or a note)"


class IllegalMilestoneTransition(Conflict):
    slug = "illegal-milestone-transition"
    title = "Done and cancelled milestones are closed"
