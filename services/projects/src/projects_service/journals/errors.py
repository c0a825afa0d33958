"""One problem per journal rule. The lifecycle rules are shared by the outcome, strategy and
performance journals, so their problem types are too; a move the lifecycle does not allow is
the shared `illegal-transition` (`shared.transitions`)."""

from shared.problems import Conflict, InvalidInput, NotFound


class JournalEntryNotFound(NotFound):
    slug = "journal-entry-not-found"
    title = "No such journal entry on this project"


class JournalEntryReadOnly(Conflict):
    slug = "journal-entry-read-only"
    title = "Only draft journal entries can be edited; correct a submitted entry with an amendment"


class JournalEntryNotAmendable(Conflict):
    slug = "journal-entry-not-amendable"
    title = (
        "Only a submitted or reviewed entry of the same journal (and, for outcome journals, "
        "the same partner) can be amended, once"
    )


class UnknownBoundaryPartner(InvalidInput):
    slug = "unknown-boundary-partner"
    title = "The boundary partner is not part of this project's outcome maps"


class UnknownOutcomeMap(InvalidInput):
    slug = "unknown-outcome-map"
    title = "The outcome map is not a version of this project's outcome map"


class JournalNeedsAgreedMap(InvalidInput):
    slug = "journal-needs-agreed-map"
    title = "Journal entries are recorded against an agreed outcome map version"


class RatingMarkerNotInPartner(InvalidInput):
    slug = "rating-marker-not-in-partner"
    title = "Each rating must point at an active progress marker of the entry's partner and version"


class RatingOutsideMapVersion(InvalidInput):
    slug = "rating-outside-map-version"
    title = (
        "Ratings point at the outcome map version agreed during the entry's period (in force "
        "from its agreement until the next version is agreed)"
    )


class StrategyNotInMap(InvalidInput):
    slug = "strategy-not-in-map"
    title = "Each strategy of a strategy journal entry must belong to the entry's outcome map"


class PracticeEntryRepeated(InvalidInput):
    slug = "practice-entry-repeated"
    title = "A performance journal entry describes each organisational practice at most once"


class OverlappingJournalPeriod(InvalidInput):
    slug = "overlapping-journal-period"
    title = (
        "Journal periods must not overlap: per boundary partner in the outcome journal, per "
        "outcome map (across its versions) in the strategy and performance journals"
    )
