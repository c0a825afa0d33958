"""Privacy: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, FieldError, InvalidInput, NotFound


class ConsentNotFound(NotFound):
    slug = "consent-not-found"
    title = "No such consent record"


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


class RequestClosed(Conflict):
    slug = "data-subject-request-closed"
    title = "A completed or refused data subject request can no longer be extended"


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


class OutcomeRequired(InvalidInput):
    slug = "outcome-required"
    title = "Completing a request needs its outcome"

    def __init__(self) -> None:
        super().__init__(
            "Say whether the request was actioned, partially actioned or refused.",
            errors=[FieldError(pointer="/outcome", location="body", detail="Required.")],
        )


class FieldNotForThisTransition(InvalidInput):
    slug = "field-not-for-this-transition"
    title = "This field belongs to another transition"

    def __init__(self, field: str, to: str) -> None:
        super().__init__(
            f"`{field}` is not part of a move to `{to}`.",
            errors=[FieldError(pointer=f"/{field}", location="body", detail="Not for this move.")],
        )


class RequestMismatch(InvalidInput):
    slug = "erasure-request-mismatch"
    title = "The request is not an open erasure request of this stakeholder"
