"""Equality: the monitored characteristics, which are the Equality Act 2010's nine, and which
a deployment has switched on (`STAKEHOLDERS_EQUALITY_CHARACTERISTICS`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

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


@dataclass(frozen=True)
class Characteristic:
    name: str
    values: type[StrEnum]
    # The Equality Act 2010 protected characteristic it monitors; None for the two extra
    # items (carer, IMD quintile) that inclusion reporting also asks for.
    protected: str | None


ALL: dict[str, Characteristic] = {
    c.name: c
    for c in (
        Characteristic("age_band", AgeBand, "age"),
        Characteristic("sex", Sex, "sex"),
        Characteristic("gender_identity_same_as_at_birth", YesNo, "gender reassignment"),
        Characteristic("ethnic_category", EthnicCategory, "race"),
        Characteristic("disability", YesNo, "disability"),
        Characteristic("religion_or_belief", Religion, "religion or belief"),
        Characteristic("sexual_orientation", SexualOrientation, "sexual orientation"),
        Characteristic(
            "marriage_civil_partnership", MarriageCivilPartnership, "marriage and civil partnership"
        ),
        Characteristic("pregnancy_maternity", PregnancyMaternity, "pregnancy and maternity"),
        Characteristic("carer", YesNo, None),
        Characteristic("imd_quintile", ImdQuintile, None),
    )
}


def enabled(names: Iterable[str] | None) -> list[Characteristic]:
    """The switched-on characteristics in their fixed order; None means all of them."""
    wanted = set(ALL) if names is None else set(names)
    return [c for name, c in ALL.items() if name in wanted]
