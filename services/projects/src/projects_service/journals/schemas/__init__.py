"""Journal bodies every kind shares: the period, contributors and lessons of a new entry or a
patch, evidence sources, the read model's lifecycle fields and the transition body. Each kind's
module (`outcome`, `strategy`, `performance`) adds only its own fields."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Self

from pydantic import (
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    computed_field,
    model_validator,
)

from projects_service.journals.models import JournalStatus
from projects_service.types import LongText
from shared.transitions import TransitionRequest
from shared.types import Date, InputModel, omittable

Contributor = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Contributors = Annotated[list[Contributor], Field(max_length=50)]


class EvidenceSource(InputModel):
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    uri: AnyUrl | None = None


class JournalEntryCreateBase(InputModel):
    """The fields every new journal entry has."""

    period_start: Date
    period_end: Date
    contributors: Contributors = Field(default_factory=list)
    lessons: LongText = ""
    amends_id: uuid.UUID | None = Field(
        None, description="The submitted or reviewed entry this corrects."
    )

    @model_validator(mode="after")
    def _period_in_order(self) -> Self:
        if self.period_end < self.period_start:
            raise ValueError("period_end must not be before period_start")
        return self


class JournalEntryPatchBase(InputModel):
    """The fields every draft can have edited (absent: unchanged; none can be cleared)."""

    period_start: Date = omittable()
    period_end: Date = omittable()
    contributors: Contributors = omittable()
    lessons: LongText = omittable()


class JournalEntryReadBase(BaseModel):
    """The fields every journal entry reads with (see `JournalEntryMixin`)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    outcome_map_id: uuid.UUID
    period_start: dt.date
    period_end: dt.date
    contributors: list[str]
    lessons: str
    status: JournalStatus
    submitted_at: dt.datetime | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    amends_id: uuid.UUID | None = Field(description="The entry this one corrects.")
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    # Not a column: the moves open to whoever asks, set by `for_caller` before the entry is
    # answered (an entry answered without it is a bug, and fails loudly).
    _allowed: list[JournalStatus] | None = PrivateAttr(None)

    @computed_field(  # type: ignore[prop-decorator]
        description="The states this caller may move the entry to now with "
        "`POST /{entry_id}/transitions` (none for a reader, or on an archived project; a "
        "contributor's moves also need active team membership)."
    )
    @property
    def allowed_transitions(self) -> list[JournalStatus]:
        assert self._allowed is not None, "answer entries through for_caller()"
        return self._allowed

    def for_caller(self, allowed: list[JournalStatus]) -> Self:
        self._allowed = allowed
        return self


class JournalTransition(TransitionRequest[JournalStatus]):
    """Move a journal entry: `submitted` (from draft; publishes `journal.submitted`, and the
    entry an amendment corrects becomes `amended`) or `reviewed` (from submitted; read-only from
    then on, the caller recorded as reviewer)."""
