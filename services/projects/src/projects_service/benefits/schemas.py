"""Benefits: request and response bodies (benefits, values, the portfolio summary)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from projects_service.benefits.models import BenefitKind, BenefitStatus, Confidence, ValueType
from projects_service.types import JsonDecimal, LongText, ShortText
from shared.types import Date, InputModel, NotBlank, NumberOnly, omittable

Unit = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), NotBlank()
]
# The column holds 16 digits; a JSON float keeps 15 exactly, so the API takes 15 (NumberOnly).
Amount = Annotated[decimal.Decimal, Field(max_digits=15, decimal_places=2), NumberOnly()]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class BenefitCreate(InputModel):
    kind: BenefitKind
    title: ShortText
    description: LongText = ""
    unit: Unit = Field(examples=["GBP", "hours", "bed_days", "tCO2e", "patients"])
    confidence: Confidence
    progress_marker_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    evidence_refs: list[Ref] = Field(default_factory=list, max_length=50)


class BenefitPatch(InputModel):
    title: ShortText = omittable()
    description: LongText = omittable()
    unit: Unit = omittable()
    confidence: Confidence = omittable()
    status: BenefitStatus = omittable()
    progress_marker_ids: list[uuid.UUID] = omittable(max_length=50)
    evidence_refs: list[Ref] = omittable(max_length=50)


class BenefitValueCreate(InputModel):
    value_type: ValueType
    amount: Amount
    as_at: Date
    period_start: Date | None = None
    period_end: Date | None = None
    validated_by: str | None = Field(
        None, max_length=200, description="Required for `validated` values."
    )
    note: LongText = ""

    @model_validator(mode="after")
    def _period_in_order(self) -> BenefitValueCreate:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end must not be before period_start")
        return self


class BenefitValueRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    benefit_id: uuid.UUID
    value_type: ValueType
    amount: JsonDecimal
    as_at: dt.date
    period_start: dt.date | None
    period_end: dt.date | None
    validated_by: str | None = Field(description="A staff name: null for a reporter.")
    note: str
    recorded_by: str | None
    created_at: dt.datetime


class BenefitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    kind: BenefitKind
    title: str
    description: str
    unit: str
    confidence: Confidence
    status: BenefitStatus
    progress_marker_ids: list[uuid.UUID]
    evidence_refs: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class BenefitTotal(BaseModel):
    kind: BenefitKind
    unit: str
    confidence: Confidence
    value_type: ValueType
    total: JsonDecimal = Field(description="Sum of each benefit's latest value of this type.")
    benefits: int


class BenefitsSummary(BaseModel):
    as_of: dt.date
    totals: list[BenefitTotal]
