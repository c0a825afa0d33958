"""Pydantic types shared by this service's schemas."""

from __future__ import annotations

import decimal
from typing import Annotated

from pydantic import PlainSerializer, StringConstraints

from shared.types import NotBlank

# Money and quantities are exact decimals in the database and plain JSON numbers on the wire.
JsonDecimal = Annotated[
    decimal.Decimal, PlainSerializer(float, return_type=float, when_used="json")
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), NotBlank()
]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
