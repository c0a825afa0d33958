"""Aggregates: the problems of a query that cannot be answered as asked."""

from shared.problems import InvalidInput


class AsOfInFuture(InvalidInput):
    slug = "as-of-in-future"
    title = "as_of cannot be in the future"


class InvalidPeriod(InvalidInput):
    slug = "invalid-period"
    title = "The period ends before it starts"
