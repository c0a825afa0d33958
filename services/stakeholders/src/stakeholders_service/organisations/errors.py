"""Organisations: the problems (RFC 9457) this domain raises."""

from shared.problems import Conflict, InvalidInput, NotFound


class OrganisationNotFound(NotFound):
    slug = "organisation-not-found"
    title = "No such organisation"


class OdsCodeTaken(Conflict):
    slug = "ods-code-taken"
    title = "Another organisation has this ODS code"


class InvalidParent(InvalidInput):
    slug = "invalid-organisation-parent"
    title = "The parent organisation is not valid"
