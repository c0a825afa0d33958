"""The time window of an aggregate read: `as_of` (default now, never later) and the period
[`from`, `to`) (default: the 90 days up to `as_of`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assessment_service.aggregates.errors import AsOfInFuture, InvalidPeriod
from shared.db import utcnow
from shared.problems import FieldError

# A quarter, roughly: the "this quarter" of the portfolio summary when no period is given.
DEFAULT_PERIOD = dt.timedelta(days=90)


@dataclass(frozen=True)
class Window:
    as_of: dt.datetime
    period_from: dt.datetime
    period_to: dt.datetime


def resolve(
    *,
    as_of: dt.datetime | None,
    period_from: dt.datetime | None,
    period_to: dt.datetime | None,
    location: str = "body",
) -> Window:
    now = utcnow()
    if as_of is not None and as_of > now:
        raise AsOfInFuture(
            "The data can be read as it stood, not as it will stand.",
            errors=[FieldError(pointer="/as_of", location=location, detail="Later than now.")],
        )
    as_of = as_of or now
    if period_from is not None and period_to is not None and period_from > period_to:
        raise InvalidPeriod(
            "`from` must not be after `to`.",
            errors=[FieldError(pointer="/from", location=location, detail="After `to`.")],
        )
    period_to = period_to or max(as_of, period_from or as_of)
    period_from = period_from or period_to - DEFAULT_PERIOD
    return Window(as_of=as_of, period_from=period_from, period_to=period_to)
