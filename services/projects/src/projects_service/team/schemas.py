"""Team: request and response bodies for memberships."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from projects_service.team.models import Affiliation, TeamRole
from projects_service.types import JsonDecimal
from shared.types import Date, InputModel, NotBlank, NumberOnly, omittable

Subject = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
Fte = Annotated[decimal.Decimal, Field(ge=0, le=1, max_digits=4, decimal_places=2), NumberOnly()]


class MembershipCreate(InputModel):
    subject: Subject = Field(description="The person's token subject (`sub`).")
    display_name: str = Field(min_length=1, max_length=200)
    affiliation: Affiliation
    role: TeamRole
    fte: Fte | None = None
    start_date: Date | None = None
    end_date: Date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> MembershipCreate:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class MembershipPatch(InputModel):
    display_name: str = omittable(min_length=1, max_length=200)
    affiliation: Affiliation = omittable()
    role: TeamRole = omittable()
    fte: Fte | None = None
    start_date: Date | None = None
    end_date: Date | None = None


class MembershipRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    subject: str
    display_name: str | None = Field(
        description="The person's name; null for a reporter (staff names are personal data)."
    )
    affiliation: Affiliation
    role: TeamRole
    fte: JsonDecimal | None
    start_date: dt.date | None
    end_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
