"""Equality: the request body of one person's monitoring answers."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from shared.types import InputModel, UtcDateTime
from stakeholders_service.equality.models import (
    AgeBand,
    EthnicCategory,
    ImdQuintile,
    MarriageCivilPartnership,
    PregnancyMaternity,
    Religion,
    Sex,
    SexualOrientation,
    YesNo,
)


class EqualityCreate(InputModel):
    """One person's equality monitoring answers. Every item defaults to `prefer_not_to_say`;
    an item the deployment has switched off accepts only that (422 otherwise).
    There is no postcode field: derive the IMD quintile at capture and discard the postcode
    (a `postcode` field is refused with 422)."""

    stakeholder_id: uuid.UUID | None = Field(
        None,
        description="Link to a person only under a current `equality_monitoring_linked` "
        "consent; anonymous otherwise.",
    )
    age_band: AgeBand = AgeBand.prefer_not_to_say
    sex: Sex = Sex.prefer_not_to_say
    gender_identity_same_as_at_birth: YesNo = YesNo.prefer_not_to_say
    ethnic_category: EthnicCategory = Field(
        EthnicCategory.prefer_not_to_say, description="NHS ethnic category code (A-S, Z, 99)."
    )
    disability: YesNo = YesNo.prefer_not_to_say
    religion_or_belief: Religion = Religion.prefer_not_to_say
    sexual_orientation: SexualOrientation = SexualOrientation.prefer_not_to_say
    carer: YesNo = YesNo.prefer_not_to_say
    imd_quintile: ImdQuintile = ImdQuintile.prefer_not_to_say
    marriage_civil_partnership: MarriageCivilPartnership = (
        MarriageCivilPartnership.prefer_not_to_say
    )
    pregnancy_maternity: PregnancyMaternity = Field(
        PregnancyMaternity.prefer_not_to_say,
        description="Pregnant now, or gave birth in the last 26 weeks.",
    )
    collected_at: UtcDateTime | None = None


class ComparisonRow(BaseModel):
    """One category: participants' share of all responses (null when its count is suppressed),
    the comparator's share (null for `prefer_not_to_say` and categories the file leaves out),
    and participants minus comparator."""

    characteristic: str
    category: str
    participants_share: float | None
    comparator_share: float | None
    difference: float | None
