"""Assessments: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, Forbidden, InvalidInput, NotFound, ProblemError


class AssessmentNotFound(NotFound):
    slug = "assessment-not-found"
    title = "No such assessment"


class ProjectNotFoundUpstream(InvalidInput):
    slug = "project-not-found"
    title = "The projects service does not know this project"


class ProjectNotAssessable(Conflict):
    slug = "project-not-assessable"
    title = "The project is archived, stopped or closed and cannot be assessed"


class GateNotOpenForStage(Conflict):
    slug = "gate-not-open-for-stage"
    title = "The project's stage does not lead to this gate"


class TemplateNotUsable(Conflict):
    slug = "template-not-usable"
    title = "Only piloting and active template versions can be used"


class TemplateNotApplicable(InvalidInput):
    slug = "template-not-applicable"
    title = "The template does not apply to this gate or project"


class NoActiveTemplate(InvalidInput):
    slug = "no-active-template"
    title = "No active version of the named template"


class OpenAssessmentExists(Conflict):
    slug = "open-assessment-exists"
    title = "The project already has an open assessment at this gate"


class PanelIncomplete(Conflict):
    slug = "panel-incomplete"
    title = "The panel cannot be opened as it stands"


class NoRatingsYet(Conflict):
    slug = "no-ratings-yet"
    title = "Scoring starts with the first rating"


class NotEnoughSubmissions(Conflict):
    slug = "not-enough-submissions"
    title = "Too few eligible assessors have submitted their ratings"


class ConsensusIncomplete(Conflict):
    slug = "consensus-incomplete"
    title = "Every applicable criterion needs a consensus rating"


class AssessmentNotScored(Conflict):
    slug = "assessment-not-scored"
    title = "The assessment has no frozen score yet"


class WrongAssessmentStatus(Conflict):
    slug = "wrong-assessment-status"
    title = "Not possible while the assessment is in this status"


class NotOnPanel(Forbidden):
    slug = "not-on-panel"
    title = "Only the assessment's named assessors may do this"


class NotPanelChair(Forbidden):
    slug = "not-panel-chair"
    title = "Only the panel chair may do this"


class ConflictOfInterestUnresolved(Forbidden):
    slug = "conflict-of-interest"
    title = "Declare conflicts of interest first; a declared conflict needs the chair's waiver"


class RatingsSubmitted(Conflict):
    slug = "ratings-submitted"
    title = "The assessor has submitted; their ratings are final"


class RequiredCriteriaUnrated(Conflict):
    slug = "required-criteria-unrated"
    title = "Rate, or mark unknown, every required criterion before submitting"


class UnknownCriterion(NotFound):
    slug = "criterion-not-found"
    title = "The assessment's template has no such criterion"


class CriterionNotApplicable(Conflict):
    slug = "criterion-not-applicable"
    title = "The criterion does not apply to this assessment"


class ScoreOutOfScale(ProblemError):
    slug = "score-out-of-scale"
    title = "The value is not on the criterion's scale"
    status = 422


class InvalidRating(InvalidInput):
    slug = "invalid-rating"
    title = "The rating is not complete or consistent"


class RatingStarted(Conflict):
    slug = "panel-rating-started"
    title = "Rating has started: assessors can recuse, no longer be added or replaced"


class AlreadyOnPanel(Conflict):
    slug = "already-on-panel"
    title = "This subject is already on the panel"


class PanelFull(Conflict):
    slug = "panel-full"
    title = "A panel has at most 20 assessors"


class Recused(Conflict):
    slug = "assessor-recused"
    title = "The assessor has recused themselves from this assessment"
