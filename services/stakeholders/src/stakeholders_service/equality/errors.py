"""Equality: the problem raised when consent to record answers is missing."""

from shared.problems import Conflict


class EqualityConsentMissing(Conflict):
    slug = "equality-consent-missing"
    title = "Equality answers are linked to a person only under a current consent"
