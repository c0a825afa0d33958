"""Organisations: request and response bodies."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

from shared.types import InputModel, NotBlank, omittable
from stakeholders_service.organisations.models import OrganisationType

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
# NHS Organisation Data Service codes: 3-6 upper-case letters and digits (e.g. `REM`, `RQ617`).
OdsCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z0-9]{3,6}$")
]


class OrganisationCreate(InputModel):
    name: Name
    type: OrganisationType
    ods_code: OdsCode | None = Field(None, description="NHS ODS code, e.g. `REM`.")
    parent_id: uuid.UUID | None = None
    website: AnyHttpUrl | None = None


class OrganisationPatch(InputModel):
    """JSON merge patch: absent fields are unchanged; `null` clears an optional field."""

    name: Name = omittable()
    type: OrganisationType = omittable()
    ods_code: OdsCode | None = None
    parent_id: uuid.UUID | None = None
    website: AnyHttpUrl | None = None


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    type: OrganisationType
    ods_code: str | None
    parent_id: uuid.UUID | None
    website: str | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
