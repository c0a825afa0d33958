from shared.problems import Conflict, NotFound


class FrameworkNotFound(NotFound):
    slug = "framework-not-found"
    title = "No such framework"


class FrameworkVersionExists(Conflict):
    slug = "framework-version-exists"
    title = "This framework name and version already exist"
