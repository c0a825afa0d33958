"""Aggregates: the problems their query parameters can raise (422, with the pointer)."""

from __future__ import annotations

from shared.problems import FieldError, InvalidInput


class AsOfInFuture(InvalidInput):
    slug = "as-of-in-future"
    title = "as_of is in the future"

    def __init__(self, location: str = "query") -> None:
        super().__init__(
            "A report can only be rebuilt as it stood at a past instant.",
            errors=[FieldError(pointer="/as_of", location=location, detail="In the future.")],
        )


class InvalidPeriod(InvalidInput):
    slug = "invalid-period"
    title = "The period starts after it ends"

    def __init__(self, detail: str = "`from` must be at or before `to`.") -> None:
        super().__init__(
            detail,
            errors=[FieldError(pointer="/from", location="query", detail="After `to`.")],
        )


class ProjectScopeTooLarge(InvalidInput):
    slug = "project-scope-too-large"
    title = "The filters select too many projects"

    def __init__(self, limit: int, fields: list[str]) -> None:
        detail = f"More than {limit} projects match; narrow the filter."
        super().__init__(
            detail,
            errors=[
                FieldError(pointer=f"/{name}", location="body", detail="Matches too many projects.")
                for name in fields or ["directorate"]
            ],
        )
