"""Stakeholders: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, Forbidden, InvalidInput, NotFound


class StakeholderNotFound(NotFound):
    slug = "stakeholder-not-found"
    title = "No such stakeholder"


class LinkNotFound(NotFound):
    slug = "project-link-not-found"
    title = "No such project link"


class StakeholderErased(Conflict):
    slug = "stakeholder-erased"
    title = "The stakeholder was erased; only the tombstone remains"


class DuplicateLink(Conflict):
    slug = "duplicate-project-link"
    title = "The stakeholder already has this role in the project"


class UnknownOrganisation(InvalidInput):
    slug = "unknown-organisation"
    title = "The organisation does not exist"


class PersonalSearchNotAllowed(Forbidden):
    slug = "personal-search-not-allowed"
    title = "Searching by name needs access to personal data"


class PersonalDataNotAllowed(Forbidden):
    slug = "personal-data-not-allowed"
    title = "This caller may not receive this stakeholder's personal data"


class NoContactDetails(NotFound):
    slug = "no-contact-details"
    title = "No contact details are held for this stakeholder"


class ContactConsentMissing(Conflict):
    slug = "contact-consent-missing"
    title = "Contact details are not served without a current consent to contact"
