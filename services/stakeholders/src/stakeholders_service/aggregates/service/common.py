"""Aggregates: the rules every aggregate shares (who sees what, the period, rounding).

Governance, admin and the service identity get every figure; everyone else admitted (reporter,
viewer, and a team member for their project's picture) gets the suppressed view: no subject,
counts of people below 5 null and listed in `suppressed`, with secondary suppression
(`shared.suppression.suppress`) wherever a total minus the shown counts would reveal a hidden
one.
"""

from __future__ import annotations

import datetime as dt
import uuid

from shared.auth import Principal, Role
from shared.db import utcnow
from shared.problems import FieldError
from shared.project_access import NotATeamMember, ProjectTeams
from stakeholders_service.aggregates.errors import AsOfInFuture, InvalidPeriod
from stakeholders_service.aggregates.schemas import LevelCounts
from stakeholders_service.vocabulary import Iap2Level

# The portfolio readers (admin besides); a team member reads their own project's picture.
READERS = (Role.governance, Role.reporter, Role.viewer, Role.service)


def full_view(principal: Principal) -> bool:
    """Who sees subjects and small counts of people."""
    return principal.is_admin or principal.has_any(Role.governance, Role.service)


def resolve_as_of(as_of: dt.datetime | None) -> dt.datetime:
    """`as_of`, defaulting to now; 422 `as-of-in-future` after now (no leeway: a moment not yet
    passed could still gain records, and an answer at `as_of` must never change)."""
    now = utcnow()
    if as_of is None:
        return now
    if as_of > now:
        raise AsOfInFuture(
            "The figures can be taken at now or earlier.",
            errors=[FieldError(pointer="/as_of", location="body", detail="In the future.")],
        )
    return as_of


def period_end(
    as_of: dt.datetime, start: dt.datetime | None, to: dt.datetime | None
) -> dt.datetime:
    """The period's end (never after `as_of`); 422 `invalid-period` when it starts after it."""
    if start is not None and to is not None and start > to:
        raise InvalidPeriod(
            "`from` is after `to`.",
            errors=[FieldError(pointer="/from", location="body", detail="After `to`.")],
        )
    end = as_of if to is None else min(to, as_of)
    if start is not None and start > end:
        raise InvalidPeriod(
            "The period starts after `as_of`.",
            errors=[FieldError(pointer="/from", location="body", detail="After `as_of`.")],
        )
    return end


def level_counts(counts: dict[Iap2Level, int]) -> LevelCounts:
    return LevelCounts(**{level.value: counts.get(level, 0) for level in Iap2Level})


def share(part: int, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


async def require_project_reader(
    principal: Principal, teams: ProjectTeams, project_id: uuid.UUID
) -> None:
    """A portfolio reader reads any project; a contributor or evaluator only one whose team
    they are active on today (403 `not-a-project-team-member`; one projects call)."""
    if principal.is_admin or principal.has_any(*READERS):
        return
    if project_id not in await teams.active_projects(principal.subject, [project_id]):
        raise NotATeamMember("Only the project's team and the portfolio readers may read this.")
