"""Frameworks: the problems (RFC 9457) this domain raises, one class per failure."""

from shared.problems import Conflict, InvalidInput, NotFound


class FrameworkNotFound(NotFound):
    slug = "framework-not-found"
    title = "No such framework"


class FrameworkSourceNotFound(NotFound):
    slug = "framework-source-not-found"
    title = "No such framework source"


class FrameworkVersionExists(Conflict):
    slug = "framework-version-exists"
    title = "This framework name and version already exist"


class FrameworkInUse(Conflict):
    slug = "framework-in-use"
    title = "An assessment has used this version; clone it to change it"


class FrameworkNotEditable(Conflict):
    slug = "framework-not-editable"
    title = "Only draft and piloting versions can be edited"


class FrameworkIncomplete(Conflict):
    slug = "framework-incomplete"
    title = "The template is not complete enough to be used"


class ActiveVersionConflict(Conflict):
    slug = "active-version-conflict"
    title = "Another version of this template became active at the same time"


class InvalidFrameworkDefinition(InvalidInput):
    slug = "invalid-framework-definition"
    title = "The template definition breaks a rule"
