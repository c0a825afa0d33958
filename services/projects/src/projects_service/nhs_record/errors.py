"""NHS innovation records: the problems (RFC 9457) an import raises beyond the projects' own."""

from shared.problems import Conflict, InvalidInput


class InconsistentInnovationRecord(InvalidInput):
    """The record is well formed but says contradictory things (`errors` point into it)."""

    slug = "inconsistent-innovation-record"
    title = "The innovation record contradicts itself"


class InnovationImportRace(Conflict):
    """Two imports of an innovation seen for the first time ran at once; one created it."""

    slug = "innovation-import-race"
    title = "Another request imported this innovation just now"
