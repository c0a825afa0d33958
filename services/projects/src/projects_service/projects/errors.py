from shared.problems import Conflict, NotFound


class ProjectNotFound(NotFound):
    slug = "project-not-found"
    title = "No such project"


class ProjectArchived(Conflict):
    slug = "project-archived"
    title = "The project is archived and read-only"
