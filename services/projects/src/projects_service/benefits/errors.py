"""Benefits: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import InvalidInput, NotFound


class BenefitNotFound(NotFound):
    slug = "benefit-not-found"
    title = "No such benefit on this project"


class ValidatorRequired(InvalidInput):
    slug = "validator-required"
    title = "A validated value names who validated it"


class UnknownProgressMarker(InvalidInput):
    slug = "unknown-progress-marker"
    title = "A benefit rests only on progress markers of this project's outcome maps"
