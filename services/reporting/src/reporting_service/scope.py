"""What every report takes and repeats: `as_of`, the period (`from`/`to`), the four portfolio
filters and `partial`; and the envelope every report answers with (when it was generated, for
which moment, with which filters, the definitions of its figures, the sections it is missing).

`ScopeDep` reads and checks the query once per request: `as_of` defaults to now and may not be
in the future (422 `as-of-in-future`); `to` defaults to `as_of` and `from` to `to` minus
`default_period_days` (a quarter); `from` after `to`, or `to` after `as_of`, is a 422
`invalid-period`. The period
is resolved here, so every upstream is asked about the same one and the report says which."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from reporting_service.errors import AsOfInFuture, InvalidPeriod, query_error
from reporting_service.settings import SettingsDep
from reporting_service.vocabulary import InnovationType, Pillar, Stage
from shared.db import utcnow
from shared.types import QueryBool, UtcDateTime

# Problems every report may answer with, for the routes' OpenAPI responses.
SCOPE_PROBLEMS = (AsOfInFuture, InvalidPeriod)


class Filters(BaseModel):
    """The portfolio filters applied (null: not filtered on)."""

    directorate: str | None = None
    pillar: Pillar | None = None
    stage: Stage | None = None
    innovation_type: InnovationType | None = None

    @property
    def any(self) -> bool:
        return any(value is not None for value in self.model_dump().values())


class Period(BaseModel):
    """The period the "in the period" figures count over: `from` inclusive, `to` inclusive."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    from_: dt.datetime = Field(alias="from")
    to: dt.datetime


class Scope(BaseModel):
    """A report's resolved query."""

    as_of: dt.datetime
    period: Period
    filters: Filters
    partial: bool = False
    generated_at: dt.datetime
    # The `from` the caller gave, for a report whose period defaults differ (an evidence
    # pack's period ends at its decision).
    requested_from: dt.datetime | None = None


class MissingSection(BaseModel):
    """A section a partial report lacks, and why."""

    section: str
    service: str = Field(description="The service that could not answer.")
    reason: str


class ReportEnvelope(BaseModel):
    """What every report carries besides its sections."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    generated_at: dt.datetime = Field(description="When this report was composed.")
    as_of: dt.datetime = Field(description="The moment the figures describe.")
    period: Period
    filters: Filters
    definitions: dict[str, str] = Field(
        description="Each figure's definition, as the service that computed it gives it."
    )
    partial: bool = Field(
        False, description="True when sections are missing (asked for with `?partial=true`)."
    )
    missing_sections: list[MissingSection] = Field(default_factory=list)


def _check(
    now: dt.datetime,
    as_of: dt.datetime | None,
    from_: dt.datetime | None,
    to: dt.datetime | None,
    default_days: int,
) -> tuple[dt.datetime, Period]:
    if as_of is not None and as_of > now:
        raise AsOfInFuture(
            "A report describes the past: `as_of` must not be after now.",
            errors=query_error("as_of", "After now."),
        )
    moment = as_of or now
    if to is not None and to > moment:
        raise InvalidPeriod(
            "The period cannot end after `as_of` (default: now).",
            errors=query_error("to", "After `as_of`."),
        )
    end = to or moment
    start = from_ or end - dt.timedelta(days=default_days)
    if start > end:
        raise InvalidPeriod(
            "`from` must not be after `to`.", errors=query_error("from", "After `to`.")
        )
    return moment, Period(from_=start, to=end)


async def report_scope(
    settings: SettingsDep,
    as_of: Annotated[
        UtcDateTime | None, Query(description="The moment the report describes (default: now).")
    ] = None,
    from_: Annotated[
        UtcDateTime | None,
        Query(alias="from", description="Start of the period (default: `to` minus a quarter)."),
    ] = None,
    to: Annotated[
        UtcDateTime | None, Query(description="End of the period (default: `as_of`).")
    ] = None,
    directorate: Annotated[str | None, Query(max_length=120)] = None,
    pillar: Pillar | None = None,
    stage: Stage | None = None,
    innovation_type: InnovationType | None = None,
    partial: Annotated[
        QueryBool,
        Query(description="`true`: answer without the sections a failing service would give."),
    ] = False,
) -> Scope:
    now = utcnow()
    moment, period = _check(now, as_of, from_, to, settings.default_period_days)
    return Scope(
        as_of=moment,
        period=period,
        filters=Filters(
            directorate=directorate, pillar=pillar, stage=stage, innovation_type=innovation_type
        ),
        partial=partial,
        generated_at=now,
        requested_from=from_,
    )


ScopeDep = Annotated[Scope, Depends(report_scope)]
