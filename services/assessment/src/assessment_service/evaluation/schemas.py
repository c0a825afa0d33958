"""Field types shared by the bodies of every evaluation sub-resource."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from shared.types import NotBlank

Short = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000), NotBlank()
]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), NotBlank()
]
Subject = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]


def _unique(values: list[uuid.UUID]) -> list[uuid.UUID]:
    if len(set(values)) != len(values):
        raise ValueError("ids must not repeat")
    return values


IdList = Annotated[list[uuid.UUID], AfterValidator(_unique), Field(max_length=200)]


def dates_in_order(start: dt.date | None, end: dt.date | None, end_name: str) -> None:
    """For a body's `model_validator`: the end of a period is not before its start."""
    if start is not None and end is not None and end < start:
        raise ValueError(f"{end_name} must not be before the start")
