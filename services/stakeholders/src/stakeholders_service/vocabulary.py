"""Closed vocabularies used by more than one domain of this service (DOMAIN.md A3.4)."""

from __future__ import annotations

from enum import StrEnum


class Iap2Level(StrEnum):
    """The IAP2 spectrum, in increasing order of public influence (declaration order matters)."""

    inform = "inform"
    consult = "consult"
    involve = "involve"
    collaborate = "collaborate"
    empower = "empower"

    @property
    def rank(self) -> int:
        return list(Iap2Level).index(self)

    def below(self, other: Iap2Level) -> bool:
        return self.rank < other.rank
