"""Outcome maps: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, InvalidInput, NotFound


class OutcomeMapNotFound(NotFound):
    slug = "outcome-map-not-found"
    title = "No such outcome map version on this project"


class OutcomeMapElementNotFound(NotFound):
    slug = "outcome-map-element-not-found"
    title = "No such element in this outcome map version"


class OutcomeMapReadOnly(Conflict):
    slug = "outcome-map-read-only"
    title = "Only a draft outcome map can be edited; PATCH the agreed map to start a new version"


class DraftAlreadyExists(Conflict):
    slug = "outcome-map-draft-exists"
    title = "The project already has a draft outcome map version"


class OutcomeMapIncomplete(InvalidInput):
    slug = "outcome-map-incomplete"
    title = "The outcome map is not complete enough to agree"


class AgreedMarkerNeedsRevision(Conflict):
    slug = "agreed-marker-needs-revision"
    title = "The wording of a marker that was agreed changes only by revision, with a rationale"


class MarkerNotActive(Conflict):
    slug = "progress-marker-not-active"
    title = "The progress marker was already revised or retired"


class RevisionRationaleRequired(InvalidInput):
    slug = "revision-rationale-required"
    title = "Revising or retiring an agreed progress marker needs a rationale category and a note"


class UnknownStakeholder(InvalidInput):
    slug = "unknown-stakeholder"
    title = "A referenced stakeholder does not exist in the stakeholders service"


class InvalidMonitoringPriority(InvalidInput):
    slug = "invalid-monitoring-priority"
    title = "The monitoring priority does not name an element of this outcome map"


class UnknownRevisedMarker(InvalidInput):
    slug = "unknown-revised-marker"
    title = "`revises_id` does not name a progress marker of this boundary partner in this version"
