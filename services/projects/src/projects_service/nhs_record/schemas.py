"""NHS innovation records: the answer to an import (the record itself is `record.py`)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from projects_service.milestones.models import MilestoneStatus
from projects_service.projects.schemas import ProjectRead


class MilestoneOutcome(StrEnum):
    created = "created"  # newly tracked from the record's answer
    advanced = "advanced"  # tracked already and moved on (planned → in progress → done)
    unchanged = "unchanged"  # tracked already, as far or further (or closed)
    not_applicable = "not_applicable"  # the catalogue milestone does not apply to this project


class MilestoneImport(BaseModel):
    adoption_code: str = Field(examples=["dtac_passed"])
    status: MilestoneStatus = Field(description="The milestone's status after the import.")
    outcome: MilestoneOutcome
    pointer: str = Field(
        description="Where in the record the answer is.",
        examples=["/REGULATIONS_AND_STANDARDS/standards/0/hasMet"],
    )


class NhsRecordImportRead(BaseModel):
    innovation_id: uuid.UUID = Field(
        description="The innovation's id in the NHS Innovation Service."
    )
    created: bool = Field(description="A new project (201), or an update of the one linked (200).")
    record_version: str = Field(examples=["202304"])
    imports: int = Field(description="How many times this innovation has been imported.")
    imported_at: dt.datetime
    mapped: dict[str, str] = Field(
        description="Each project field this record set, with the record pointer it came from."
    )
    milestones: list[MilestoneImport]
    project: ProjectRead
