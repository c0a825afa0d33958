from shared.problems import Conflict, InvalidInput, NotFound


class JournalEntryNotFound(NotFound):
    slug = "journal-entry-not-found"
    title = "No such journal entry on this project"


class JournalEntryReadOnly(Conflict):
    slug = "journal-entry-read-only"
    title = "Only draft journal entries can be edited; correct a submitted entry with an amendment"


class IllegalJournalTransition(Conflict):
    slug = "illegal-journal-transition"
    title = "Journal entries go draft → submitted → reviewed"


class JournalEntryNotAmendable(Conflict):
    slug = "journal-entry-not-amendable"
    title = "Only a submitted or reviewed entry of the same partner can be amended"


class UnknownBoundaryPartner(InvalidInput):
    slug = "unknown-boundary-partner"
    title = "The boundary partner is not part of this project's outcome maps"


class JournalNeedsAgreedMap(InvalidInput):
    slug = "journal-needs-agreed-map"
    title = "Journal entries are recorded against a partner of an agreed outcome map version"


class RatingMarkerNotInPartner(InvalidInput):
    slug = "rating-marker-not-in-partner"
    title = "Each rating must point at an active progress marker of the entry's partner and version"


class OverlappingJournalPeriod(InvalidInput):
    slug = "overlapping-journal-period"
    title = "Journal periods for one boundary partner must not overlap"
