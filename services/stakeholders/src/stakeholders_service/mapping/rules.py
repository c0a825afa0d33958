"""Pure functions of stakeholder mapping: Mendelow's grid, the salience model, the IAP2 gap.

No I/O here, so every rule is tested table-driven (DOMAIN.md A3.1, reference facts 1, 7, 8).
"""

from __future__ import annotations

from enum import StrEnum

from stakeholders_service.vocabulary import Iap2Level


class MendelowQuadrant(StrEnum):
    manage_closely = "manage_closely"  # high power, high interest (key players)
    keep_satisfied = "keep_satisfied"  # high power, low interest
    keep_informed = "keep_informed"  # low power, high interest
    monitor = "monitor"  # low power, low interest (minimal effort)


class SalienceClass(StrEnum):
    non_stakeholder = "non_stakeholder"
    dormant = "dormant"  # power only
    discretionary = "discretionary"  # legitimacy only
    demanding = "demanding"  # urgency only
    dominant = "dominant"  # power + legitimacy
    dangerous = "dangerous"  # power + urgency
    dependent = "dependent"  # legitimacy + urgency
    definitive = "definitive"  # all three


def mendelow_quadrant(*, power: int, interest: int, threshold: int) -> MendelowQuadrant:
    """`high` means at or above `threshold` on the 1-5 scale."""
    high_power, high_interest = power >= threshold, interest >= threshold
    if high_power:
        return MendelowQuadrant.manage_closely if high_interest else MendelowQuadrant.keep_satisfied
    return MendelowQuadrant.keep_informed if high_interest else MendelowQuadrant.monitor


_SALIENCE: dict[tuple[bool, bool, bool], SalienceClass] = {
    (False, False, False): SalienceClass.non_stakeholder,
    (True, False, False): SalienceClass.dormant,
    (False, True, False): SalienceClass.discretionary,
    (False, False, True): SalienceClass.demanding,
    (True, True, False): SalienceClass.dominant,
    (True, False, True): SalienceClass.dangerous,
    (False, True, True): SalienceClass.dependent,
    (True, True, True): SalienceClass.definitive,
}


def salience_class(*, power: int, legitimacy: bool, urgency: bool, threshold: int) -> SalienceClass:
    """Mitchell, Agle & Wood (1997): power counts when at or above `threshold`."""
    return _SALIENCE[(power >= threshold, legitimacy, urgency)]


def engagement_gap(current: Iap2Level, target: Iap2Level) -> int:
    """How many IAP2 levels the current engagement is below target (0 when at or above)."""
    return max(0, target.rank - current.rank)
