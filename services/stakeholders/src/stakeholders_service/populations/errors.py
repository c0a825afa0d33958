"""Comparator populations: the problems a load or a report that names one can raise."""

from shared.problems import InvalidInput, NotFound


class UnknownComparator(NotFound):
    slug = "unknown-comparator"
    title = "No comparator population with that key (and version)"


class InvalidComparator(InvalidInput):
    slug = "invalid-comparator"
    title = "The comparator population's rows are not valid"
