from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from assessment_service.frameworks.models import FrameworkStatus

SemVer = Annotated[str, StringConstraints(pattern=r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$", max_length=32)]


class FrameworkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    semver: SemVer = Field(description="Semantic version, e.g. `1.0.0`.")
    description: str = Field("", max_length=5000)


class FrameworkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    semver: str
    description: str
    status: FrameworkStatus
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
