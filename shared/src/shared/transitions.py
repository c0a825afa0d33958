"""One convention for every state machine: `POST /{id}/transitions {"to", "reason"}`.

A resource with a lifecycle publishes its `state` (or `stage`) and `allowed_transitions`, the
states reachable from here by this caller, so a frontend draws its buttons from data. A move is
asked for by naming the state to go to; the route answers 200 with the resource as it now is (and
its new ETag), and the move is kept in a history readable at `GET /{id}/transitions` where the
machine records one. A move the machine does not allow is a 409 `illegal-transition`; a move
that only a recorded decision may make (a stage gate) is a 409 `gate-requires-decision`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Generic, TypeVar

from pydantic import Field, StringConstraints

from shared.problems import Conflict
from shared.types import InputModel, NotBlank

StateT = TypeVar("StateT", bound=StrEnum)

Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), NotBlank()
]


class TransitionRequest(InputModel, Generic[StateT]):
    """The body of `POST /{id}/transitions`. Machines that need more (a decision's rationale, an
    engagement's outcome) subclass it and add their own fields."""

    to: StateT = Field(
        description="The state to move to; see the resource's `allowed_transitions`."
    )
    reason: Reason | None = Field(None, description="Why, kept in the history and the audit trail.")


class IllegalTransition(Conflict):
    """The machine has no edge from the current state to the one asked for."""

    slug = "illegal-transition"
    title = "This state change is not allowed from the current state"


class GateRequiresDecision(Conflict):
    """A stage gate is crossed only by a recorded governance decision, never asked for directly."""

    slug = "gate-requires-decision"
    title = "Gates move only by recorded decisions"


def allowed_from(edges: Mapping[StateT, Iterable[StateT]], current: StateT) -> list[StateT]:
    """The states reachable from `current`, in the machine's declared order."""
    return list(edges.get(current, ()))


def check_transition(edges: Mapping[StateT, Iterable[StateT]], current: StateT, to: StateT) -> None:
    """Raise `IllegalTransition` unless `edges` holds current → to."""
    if to not in set(edges.get(current, ())):
        allowed = ", ".join(f"`{state}`" for state in allowed_from(edges, current)) or "none"
        raise IllegalTransition(
            f"Cannot move from `{current}` to `{to}`; allowed from here: {allowed}."
        )
