"""What the three typed clients share: one request, its answer read into a pydantic model, and
the upstream's failures turned into what a report needs to know.

Token rule (decided once, for every client): a call made on behalf of a request forwards the
caller's token (shared.http does it from the request context), so each upstream applies its own
rules for this caller: what a reporter or viewer sees (suppressed counts, no personal fields) is
decided where the data lives. Only background work would act as the service (`as_service`);
the reports have none.

Answers:
- 200: the body as the model (a body that does not fit is an `UpstreamFailure`, the service
  answered incorrectly);
- 404: None (the caller turns it into its own 404, e.g. `decision-not-found`);
- 403: `UpstreamRefused`, a 403 for this caller (the upstream does not let them read it);
- 422: `UpstreamRejected`, a 422 carrying the upstream's field errors as query errors (the
  report passes its query on, so the pointers name the caller's parameters);
- a 5xx, no connection, a timeout, any other status: `UpstreamFailure`, naming the service, which
  a report answers with a 503 (or a partial report when asked for one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reporting_service.errors import InvalidFilter, ReportForbidden, ReportUpstreamUnavailable
from shared.http import ServiceClient
from shared.problems import FieldError, ProblemError

M = TypeVar("M", bound=BaseModel)


class UpstreamFailure(ReportUpstreamUnavailable):
    """A service could not give its part of a report. A report's `Composer` records it per
    section; one that escapes (a check before any section, such as a dossier's team check) is
    the 503 problem naming the service."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(service, [], reason)
        self.reason = reason


class UpstreamRefused(ReportForbidden):
    """The upstream refused this caller (403)."""


class UpstreamRejected(InvalidFilter):
    """The upstream refused the query (422)."""


def _field_errors(body: Any) -> list[FieldError]:
    errors = body.get("errors") if isinstance(body, dict) else None
    found = []
    for error in errors or []:
        try:
            item = FieldError.model_validate(error)
        except ValidationError:
            continue
        # A POST body's field is the report's query parameter of the same name.
        found.append(FieldError(pointer=item.pointer, location="query", detail=item.detail))
    return found


class Upstream:
    """One upstream, as the typed clients call it."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    @property
    def name(self) -> str:
        return self.client.name

    async def call(
        self,
        method: str,
        url: str,
        model: type[M],
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> M | None:
        try:
            response = await self.client.request(method, url, params=params, json=json)
        except ProblemError as exc:  # shared.http: refused, timed out, cut off
            raise UpstreamFailure(self.name, exc.title.lower()) from exc
        status = response.status_code
        if status == 404:
            return None
        if status == 403:
            raise UpstreamRefused(f"The {self.name} service does not let this caller read it.")
        if status == 422:
            try:
                body = response.json()
            except ValueError:
                body = None
            detail = body.get("detail") if isinstance(body, dict) else None
            raise UpstreamRejected(
                f"The {self.name} service refused the query: {detail or 'invalid input'}",
                errors=_field_errors(body),
            )
        if status != 200:
            raise UpstreamFailure(self.name, f"it answered {status}")
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise UpstreamFailure(self.name, "its answer did not match its contract") from exc

    async def read(
        self, url: str, model: type[M], *, params: Mapping[str, Any] | None = None
    ) -> M | None:
        return await self.call("GET", url, model, params=params)

    async def need(self, url: str, model: type[M], *, params: Mapping[str, Any] | None = None) -> M:
        """A read that must find something (a collection, an aggregate): 404 is a failure."""
        found = await self.read(url, model, params=params)
        if found is None:
            raise UpstreamFailure(self.name, f"it does not serve {url}")
        return found

    async def post(self, url: str, model: type[M], body: Any) -> M:
        """A safe read sent as POST (an aggregate over a project set)."""
        found = await self.call("POST", url, model, json=body)
        if found is None:
            raise UpstreamFailure(self.name, f"it does not serve {url}")
        return found


class UpstreamModel(BaseModel):
    """A typed upstream answer: the fields a report reads; fields added upstream are ignored
    until a report needs them (the upstream's OpenAPI is the full contract)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, serialize_by_alias=True)


class PassThrough(BaseModel):
    """An upstream read a report repeats as it is (a dossier's strategy coverage, say): the
    fields it names are typed, every other field is kept and passed on unchanged."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, serialize_by_alias=True)


class CountItem(UpstreamModel):
    key: str | None = Field(description="The category (null: not recorded).")
    count: int | None = Field(description="Null where suppressed for this caller.")
