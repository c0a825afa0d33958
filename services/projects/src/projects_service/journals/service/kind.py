"""What one journal kind adds to the shared lifecycle, as hooks `lifecycle` calls: the columns
tying a new entry to its map (and partner), how its own fields are checked and stored, its
child rows, the scope its periods are exclusive in, and what `journal.submitted` says of it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.journals import repository
from projects_service.journals.errors import JournalNeedsAgreedMap, UnknownOutcomeMap
from projects_service.journals.models import JournalEntryMixin
from projects_service.journals.schemas import JournalEntryCreateBase
from projects_service.outcome_maps.models import MapStatus, OutcomeMap
from projects_service.projects.models import Project
from shared.problems import FieldError

E = TypeVar("E", bound=JournalEntryMixin)
C = TypeVar("C", bound=JournalEntryCreateBase)


def body_error(pointer: str, detail: str) -> list[FieldError]:
    return [FieldError(pointer=pointer, location="body", detail=detail)]


class Journal(Generic[E, C]):
    """One kind of journal. A subclass names its model and fields and overrides the hooks it
    needs; the defaults fit a journal without child rows whose periods are exclusive per
    project (its outcome map across versions)."""

    model: type[E]
    # The kind's own content columns, set from the create body or a patch as they are named
    # (after `content`); `clearable` ones a patch may set to null.
    fields: tuple[str, ...] = ()
    clearable: tuple[str, ...] = ()
    # The body field stored as child rows (replaced as a whole by a patch), and their model.
    children: str | None = None
    child_model: type[Any] | None = None
    # Live entries with the same value of this column must not overlap in time.
    scope_column: str = "project_id"
    scope_label: str = "The outcome map"

    async def anchor(self, session: AsyncSession, project: Project, data: C) -> dict[str, Any]:
        """The columns tying a new entry to what it is recorded against (422 unless agreed)."""
        raise NotImplementedError

    async def content(
        self, session: AsyncSession, entry: E, values: dict[str, Any]
    ) -> dict[str, Any]:
        """The kind's fields as stored: check or convert those that need it."""
        return values

    async def child_rows(self, session: AsyncSession, entry: E, items: Sequence[Any]) -> list[Any]:
        """The child rows for the body's `children` items (checked: 422 naming each bad one)."""
        return []

    async def check_period(self, session: AsyncSession, entry: E) -> None:
        """Check a draft's changed period against the child rows it keeps (none by default)."""

    def event_data(self, entry: E) -> dict[str, Any]:
        """What `journal.submitted` adds for this kind to the fields every journal shares."""
        return {}


async def agreed_map_of(session: AsyncSession, project: Project, map_id: uuid.UUID) -> OutcomeMap:
    """The outcome-map version an entry is recorded against: one of the project's versions that
    has been agreed (the current one, or a superseded one for a late entry about an earlier
    period)."""
    outcome_map = await repository.get_outcome_map(session, map_id)
    if outcome_map is None or outcome_map.project_id != project.id:
        raise UnknownOutcomeMap(
            f"No outcome map {map_id} on {project.reference}.",
            errors=body_error("/outcome_map_id", "Unknown outcome map."),
        )
    ensure_agreed(outcome_map, "/outcome_map_id", "A draft map.")
    return outcome_map


def ensure_agreed(outcome_map: OutcomeMap, pointer: str, detail: str) -> None:
    """Entries are recorded against an agreed (or superseded) version, never a draft."""
    if outcome_map.status is MapStatus.draft:
        raise JournalNeedsAgreedMap(
            "Agree the outcome map before journalling against it.",
            errors=body_error(pointer, detail),
        )


def plain_evidence(sources: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Evidence sources as stored in JSON documents (URLs as strings)."""
    return [
        {"text": source["text"], "uri": str(source["uri"]) if source.get("uri") else None}
        for source in sources or []
    ]
