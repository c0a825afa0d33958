"""Aggregates: the problems (RFC 9457) these reads raise, one class per rule."""

from shared.problems import InvalidInput


class AsOfInFuture(InvalidInput):
    slug = "as-of-in-future"
    title = "`as_of` is later than now: the data cannot be read as it will stand"


class InvalidPeriod(InvalidInput):
    slug = "invalid-period"
    title = "The period's `from` is after its `to`"
