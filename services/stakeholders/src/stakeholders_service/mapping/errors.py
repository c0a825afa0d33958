"""Mapping: the problem raised for an assessment dated in the future."""

from shared.problems import InvalidInput


class AssessedInFuture(InvalidInput):
    slug = "assessment-in-future"
    title = "An assessment cannot be dated in the future"
