"""Involvement: the problems of saved GRIPP2 reports."""

from shared.problems import Conflict, InvalidInput, NotFound


class Gripp2ReportNotFound(NotFound):
    slug = "gripp2-report-not-found"
    title = "GRIPP2 report not found"


class Gripp2ReportFinal(Conflict):
    slug = "gripp2-report-final"
    title = "The GRIPP2 report is final"


class UnknownGripp2Item(InvalidInput):
    slug = "unknown-gripp2-item"
    title = "No such item in this report's GRIPP2 form"
