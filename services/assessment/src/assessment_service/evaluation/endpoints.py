"""What every evaluation route shares: its router, the problems any write may answer, a list's
sort parameters and where a created record lives."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from assessment_service.clients.projects import UPSTREAM_PROBLEMS
from assessment_service.evaluation.errors import EvaluationConcluded, NotAuthorisedForProject
from shared.etag import mark_created
from shared.pagination import pagination_dependency
from shared.problems import Forbidden

PREFIX = "/v1/evaluation"

# Problems every write may answer: the role gate, the team check (which asks the projects
# service, so its problems too), a concluded evaluation.
WRITE = (Forbidden, NotAuthorisedForProject, *UPSTREAM_PROBLEMS, EvaluationConcluded)


def new_router() -> APIRouter:
    """A sub-resource's router; `evaluation.routes` includes them all."""
    return APIRouter(prefix=PREFIX, tags=["evaluation"])


def sorted_by(**fields: Any) -> Any:
    """The pagination dependency of a list sortable by these (NOT NULL) columns."""
    return Depends(pagination_dependency(fields))


def created(response: Response, path: str, version: int) -> None:
    """The headers of a 201 for the record at `{PREFIX}/{path}`."""
    mark_created(response, f"{PREFIX}/{path}", version)
