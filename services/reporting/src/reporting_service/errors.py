"""The reporting service's problems: one `ProblemError` per rule (shared.problems)."""

from __future__ import annotations

from collections.abc import Sequence

from shared.problems import FieldError, Forbidden, InvalidInput, NotFound, ProblemError


class AsOfInFuture(InvalidInput):
    slug = "as-of-in-future"
    title = "`as_of` is in the future"


class InvalidPeriod(InvalidInput):
    slug = "invalid-period"
    title = "The period is not valid"


class InvalidFilter(InvalidInput):
    """A filter value an upstream refused (e.g. a directorate it does not know)."""

    slug = "invalid-filter"
    title = "A filter value is not known"


class ReportForbidden(Forbidden):
    slug = "report-forbidden"
    title = "This report is not available to this caller"


class DecisionNotFound(NotFound):
    slug = "decision-not-found"
    title = "No such decision"


class ProjectNotFound(NotFound):
    slug = "project-not-found"
    title = "No such project"


class ReportUpstreamUnavailable(ProblemError):
    """A service a report needs could not answer, and the caller did not ask for `partial`.

    The body names the service (`service`) and the sections it would have given (`sections`),
    so the caller knows whom to wait for, or to ask again with `?partial=true`."""

    slug = "upstream-unavailable"
    title = "A service this report needs is unavailable"
    status = 503

    def __init__(self, service: str, sections: Sequence[str], reason: str) -> None:
        super().__init__(
            f"The {service} service could not answer ({reason}); ask again later, or with "
            "`?partial=true` for a report that lists the sections it is missing.",
            headers={"Retry-After": "5"},
            extra={"service": service, "sections": list(sections)},
        )
        self.service = service


def query_error(parameter: str, detail: str) -> list[FieldError]:
    return [FieldError(pointer=f"/{parameter}", location="query", detail=detail)]
