"""ETags from the entity's version counter: conditional GET (304) and writes (412/428)."""

from __future__ import annotations

from fastapi import Request, Response
from starlette.exceptions import HTTPException

from shared.problems import ProblemError


class PreconditionFailed(ProblemError):
    slug = "precondition-failed"
    title = "The resource has changed since you read it"
    status = 412


class PreconditionRequired(ProblemError):
    slug = "precondition-required"
    title = "This write needs If-Match"
    status = 428


def etag_for(version: int) -> str:
    return f'"v{version}"'


def mark_version(response: Response, version: int) -> None:
    """The ending of every route that returns one versioned resource: its ETag, so the caller's
    next write can send it back as If-Match. Routes call this (or `mark_created` or
    `conditional_get`) instead of setting the header themselves."""
    response.headers["ETag"] = etag_for(version)


def mark_created(response: Response, location: str, version: int) -> None:
    """The headers of a 201: where the new resource lives and its first ETag."""
    response.headers["Location"] = location
    mark_version(response, version)


def _matches(header: str, etag: str) -> bool:
    candidates = [part.strip() for part in header.split(",")]
    weakless = etag.removeprefix("W/")
    return "*" in candidates or any(c.removeprefix("W/") == weakless for c in candidates)


def conditional_get(request: Request, response: Response, version: int) -> None:
    """Set the ETag; answer 304 when the caller already holds this version."""
    etag = etag_for(version)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and _matches(if_none_match, etag):
        raise HTTPException(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag


def check_if_match(request: Request, version: int, *, required: bool = False) -> None:
    """Refuse a write made against a stale representation (412), or one without If-Match where
    the resource requires it (428)."""
    if_match = request.headers.get("if-match")
    if if_match is None:
        if required:
            raise PreconditionRequired("Send If-Match with the ETag you last read.")
        return
    if not _matches(if_match, etag_for(version)):
        raise PreconditionFailed(
            f"The current ETag is {etag_for(version)}; read the resource again."
        )
