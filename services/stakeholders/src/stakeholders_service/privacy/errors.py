"""Privacy: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, FieldError, InvalidInput, NotFound


class ConsentNotFound(NotFound):
    slug = "consent-not-found"
    title = "No such consent record"


class ConsentAlreadyWithdrawn(Conflict):
    slug = "consent-already-withdrawn"
    title = "The consent was already withdrawn (withdrawal is terminal)"


class Article9ConditionRequired(InvalidInput):
    slug = "article9-condition-required"
    title = "This purpose processes special-category data and needs an Article 9 condition"

    def __init__(self) -> None:
        super().__init__(
            "Name the Article 9(2) / DPA 2018 Schedule 1 condition relied on.",
            errors=[FieldError(pointer="/article9_condition", location="body", detail="Required.")],
        )


class RequestNotFound(NotFound):
    slug = "data-subject-request-not-found"
    title = "No such data subject request"


class IllegalRequestTransition(Conflict):
    slug = "illegal-request-transition"
    title = "The data subject request cannot make this transition from its status"


class ExtensionAlreadyUsed(Conflict):
    slug = "request-extension-already-used"
    title = "A data subject request can be extended once only"


class ExemptionRequired(InvalidInput):
    slug = "exemption-required"
    title = "Refusing or partially actioning a request needs the exemption relied on"

    def __init__(self) -> None:
        super().__init__(
            "Name the exemption relied on.",
            errors=[FieldError(pointer="/exemption", location="body", detail="Required.")],
        )


class RequestMismatch(InvalidInput):
    slug = "erasure-request-mismatch"
    title = "The request is not an open erasure request of this stakeholder"
