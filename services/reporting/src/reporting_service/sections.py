"""Composing a report from its upstream reads: the rule for a service that cannot answer.

A report runs its reads concurrently, each giving one or more named sections. A read that fails
because its service is down, slow or answering wrongly (`UpstreamFailure`) leaves its sections
empty; when the report is done, `finish()` answers 503 naming the service, unless the caller
asked for `?partial=true`: then the report carries `partial: true` and lists each missing
section with the service and the reason in `missing_sections`. Never a silent partial report.
Anything else a read raises (a 404, a 403, a 422) is the answer, whatever `partial` says.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TypeVar

from reporting_service.clients.base import UpstreamFailure
from reporting_service.errors import ReportUpstreamUnavailable
from reporting_service.scope import MissingSection, Scope

T = TypeVar("T")


class Composer:
    """Collects the sections a report could not get."""

    def __init__(self, scope: Scope) -> None:
        self.partial = scope.partial
        self.missing: list[MissingSection] = []
        self._failures: list[UpstreamFailure] = []

    async def run(self, sections: Sequence[str], call: Awaitable[T]) -> T | None:
        """`call`'s result, or None when its service could not answer (recorded)."""
        try:
            return await call
        except UpstreamFailure as exc:
            self.fail(sections, exc.service, exc.reason)
            self._failures.append(exc)
            return None

    def fail(self, sections: Sequence[str], service: str, reason: str) -> None:
        """Sections left out because `service` could not give what they need."""
        self.missing += [
            MissingSection(section=section, service=service, reason=reason) for section in sections
        ]

    def finish(self) -> None:
        """Raise the 503 a failed read means, unless the caller accepts a partial report."""
        if self.missing and not self.partial:
            first = self.missing[0]
            raise ReportUpstreamUnavailable(
                first.service, [m.section for m in self.missing], first.reason
            )
