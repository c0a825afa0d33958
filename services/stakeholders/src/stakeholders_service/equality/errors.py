"""Equality: the problems (consent to link answers missing, a switched-off item answered)."""

from shared.problems import Conflict, InvalidInput


class EqualityConsentMissing(Conflict):
    slug = "equality-consent-missing"
    title = "Equality answers are linked to a person only under a current consent"


class EqualityCharacteristicOff(InvalidInput):
    slug = "equality-characteristic-off"
    title = "This deployment does not ask that equality monitoring item"
