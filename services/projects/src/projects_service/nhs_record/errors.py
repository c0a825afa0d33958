"""NHS innovation records: the problems (RFC 9457) an import raises beyond the projects' own."""

from shared.problems import InvalidInput


class InconsistentInnovationRecord(InvalidInput):
    """The record is well formed but says contradictory things (`errors` point into it)."""

    slug = "inconsistent-innovation-record"
    title = "The innovation record contradicts itself"
