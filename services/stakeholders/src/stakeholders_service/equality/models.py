"""Equality monitoring responses: anonymous per engagement by default; linked to a person only
under an `equality_monitoring_linked` consent. A postcode is never stored (IMD quintile only)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from shared.changes import Audited
from shared.db import IdMixin, TimestampMixin, UTCDateTime, VersionedMixin, enum_column
from stakeholders_service.db import Base

PNTS = "prefer_not_to_say"


class AgeBand(StrEnum):
    under_18 = "under_18"
    age_18_24 = "18_24"
    age_25_34 = "25_34"
    age_35_44 = "35_44"
    age_45_54 = "45_54"
    age_55_64 = "55_64"
    age_65_74 = "65_74"
    age_75_plus = "75_plus"
    prefer_not_to_say = PNTS


class Sex(StrEnum):
    female = "female"
    male = "male"
    prefer_not_to_say = PNTS


class YesNo(StrEnum):
    yes = "yes"
    no = "no"
    prefer_not_to_say = PNTS


class EthnicCategory(StrEnum):
    """NHS Data Dictionary ETHNIC CATEGORY: 2001 census codes, Z not stated, 99 not known."""

    A = "A"  # White - British
    B = "B"  # White - Irish
    C = "C"  # White - Any other White background
    D = "D"  # Mixed - White and Black Caribbean
    E = "E"  # Mixed - White and Black African
    F = "F"  # Mixed - White and Asian
    G = "G"  # Mixed - Any other mixed background
    H = "H"  # Asian or Asian British - Indian
    J = "J"  # Asian or Asian British - Pakistani
    K = "K"  # Asian or Asian British - Bangladeshi
    L = "L"  # Asian or Asian British - Any other Asian background
    M = "M"  # Black or Black British - Caribbean
    N = "N"  # Black or Black British - African
    P = "P"  # Black or Black British - Any other Black background
    R = "R"  # Other Ethnic Groups - Chinese
    S = "S"  # Other Ethnic Groups - Any other ethnic group
    Z = "Z"  # Not stated (the person was asked and declined)
    not_known = "99"
    prefer_not_to_say = PNTS


class Religion(StrEnum):
    no_religion = "no_religion"
    buddhist = "buddhist"
    christian = "christian"
    hindu = "hindu"
    jewish = "jewish"
    muslim = "muslim"
    sikh = "sikh"
    other = "other"
    prefer_not_to_say = PNTS


class SexualOrientation(StrEnum):
    heterosexual = "heterosexual"
    gay_or_lesbian = "gay_or_lesbian"
    bisexual = "bisexual"
    other = "other"
    prefer_not_to_say = PNTS


class MarriageCivilPartnership(StrEnum):
    """Legal partnership status, in the census's categories (Equality Act: marriage and civil
    partnership)."""

    never_married_or_registered = "never_married_or_registered"
    married = "married"
    civil_partnership = "civil_partnership"
    separated = "separated"
    divorced_or_dissolved = "divorced_or_dissolved"
    widowed_or_surviving_partner = "widowed_or_surviving_partner"
    prefer_not_to_say = PNTS


class PregnancyMaternity(StrEnum):
    """Pregnant now, or gave birth in the last 26 weeks (Equality Act: pregnancy and maternity)."""

    yes = "yes"
    no = "no"
    prefer_not_to_say = PNTS


class ImdQuintile(StrEnum):
    """Index of Multiple Deprivation quintile, 1 = most deprived 20% (Core20)."""

    q1 = "1"
    q2 = "2"
    q3 = "3"
    q4 = "4"
    q5 = "5"
    prefer_not_to_say = PNTS


class EqualityResponse(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "equality_response"
    # Special-category data: the answers never appear in audit or events.
    __audit_redact__ = frozenset(
        {
            "age_band",
            "sex",
            "gender_identity_same_as_at_birth",
            "ethnic_category",
            "disability",
            "religion_or_belief",
            "sexual_orientation",
            "carer",
            "imd_quintile",
            "marriage_civil_partnership",
            "pregnancy_maternity",
        }
    )

    engagement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("engagement.id", ondelete="CASCADE"), index=True
    )
    # Set only with a consent; the consent is kept so withdrawal stops the processing.
    stakeholder_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("stakeholder.id", ondelete="CASCADE"), index=True
    )
    consent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("consent_record.id", ondelete="CASCADE")
    )
    age_band: Mapped[AgeBand] = mapped_column(enum_column(AgeBand, "age_band"))
    sex: Mapped[Sex] = mapped_column(enum_column(Sex, "sex"))
    gender_identity_same_as_at_birth: Mapped[YesNo] = mapped_column(
        enum_column(YesNo, "gender_same")
    )
    ethnic_category: Mapped[EthnicCategory] = mapped_column(
        enum_column(EthnicCategory, "ethnic_category")
    )
    disability: Mapped[YesNo] = mapped_column(enum_column(YesNo, "disability"))
    religion_or_belief: Mapped[Religion] = mapped_column(enum_column(Religion, "religion"))
    sexual_orientation: Mapped[SexualOrientation] = mapped_column(
        enum_column(SexualOrientation, "sexual_orientation")
    )
    carer: Mapped[YesNo] = mapped_column(enum_column(YesNo, "carer"))
    imd_quintile: Mapped[ImdQuintile] = mapped_column(enum_column(ImdQuintile, "imd_quintile"))
    # Added later (#14): answers recorded before then are `prefer_not_to_say` (never asked).
    marriage_civil_partnership: Mapped[MarriageCivilPartnership] = mapped_column(
        enum_column(MarriageCivilPartnership, "marriage_civil_partnership"),
        default=MarriageCivilPartnership.prefer_not_to_say,
        server_default=PNTS,
    )
    pregnancy_maternity: Mapped[PregnancyMaternity] = mapped_column(
        enum_column(PregnancyMaternity, "pregnancy_maternity"),
        default=PregnancyMaternity.prefer_not_to_say,
        server_default=PNTS,
    )
    collected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
