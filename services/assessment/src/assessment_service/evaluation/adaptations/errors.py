"""Problems of adaptation decisions."""

from shared.problems import Conflict, InvalidInput, NotFound


class AdaptationNotFound(NotFound):
    slug = "adaptation-not-found"
    title = "No such adaptation decision"


class AdaptationLocked(Conflict):
    slug = "adaptation-locked"
    title = "Only a proposed adaptation can be edited"


class ObservedEffectRequired(InvalidInput):
    slug = "observed-effect-required"
    title = "Reviewing an adaptation needs the observed effect"
