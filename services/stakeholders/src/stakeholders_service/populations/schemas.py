"""Comparator populations: the load body (the documented JSON form of the CSV file) and reads."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

from shared.types import Date, Float, InputModel

CharacteristicName = Literal[
    "age_band",
    "sex",
    "gender_identity_same_as_at_birth",
    "ethnic_category",
    "disability",
    "religion_or_belief",
    "sexual_orientation",
    "marriage_civil_partnership",
    "pregnancy_maternity",
    "carer",
    "imd_quintile",
]


class ShareRow(InputModel):
    """One line of the comparator file: `characteristic,category,share`."""

    characteristic: CharacteristicName
    category: str = Field(min_length=1, max_length=40, examples=["female"])
    share: Float = Field(ge=0, le=1, description="Proportion of the population, 0 to 1.")


class PopulationCreate(InputModel):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$", examples=["catchment"])
    label: str = Field(min_length=1, max_length=200)
    source: str = Field(
        min_length=1, max_length=500, description="Where the figures come from (publication)."
    )
    as_of: Date = Field(description="The date the figures describe (e.g. census day).")
    rows: list[ShareRow] = Field(min_length=1, max_length=500)


class PopulationRead(BaseModel):
    id: uuid.UUID
    key: str
    version: int = Field(description="The population's version: 1 for the first load of a key.")
    label: str
    source: str
    as_of: dt.date
    shares: dict[str, dict[str, float]]
    created_by: str | None
    created_at: dt.datetime


class ComparatorRef(BaseModel):
    """Which comparator a report used."""

    key: str
    version: int
    label: str
    source: str
    as_of: dt.date
