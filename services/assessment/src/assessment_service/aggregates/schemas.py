"""Aggregates: the request body every aggregate read takes and the governance figures it answers
(issue #11, the upstream aggregate contract in the reports brief)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from assessment_service.frameworks.definition import Gate, Outcome
from shared.types import InputModel, UtcDateTime

# The contract's bound on one request's project set (the reporting service asks about the
# projects a portfolio filter selected, at most this many).
# 20,000 ids are about 0.75 MB of JSON, inside the services' 1 MiB body limit.
MAX_PROJECT_IDS = 20_000


class AggregateQuery(InputModel):
    """What to aggregate: the data as it stood at `as_of`, figures "in the period" over
    [`from`, `to`), over the projects listed (null: every project)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    as_of: UtcDateTime | None = Field(
        None,
        description="The instant the figures are computed as of; default now. Not later "
        "than now (422 `as-of-in-future`).",
    )
    period_from: UtcDateTime | None = Field(
        None,
        alias="from",
        description="Start of the period (inclusive); default 90 days before `to`.",
    )
    period_to: UtcDateTime | None = Field(
        None,
        alias="to",
        description="End of the period (exclusive); default `as_of`. Not before `from` (422 "
        "`invalid-period`).",
    )
    project_ids: list[uuid.UUID] | None = Field(
        None,
        max_length=MAX_PROJECT_IDS,
        description="Only these projects (null: every project); at most 50,000.",
    )


class Aggregate(BaseModel):
    """What every aggregate response carries."""

    model_config = ConfigDict(populate_by_name=True)

    as_of: dt.datetime
    period_from: dt.datetime = Field(serialization_alias="from")
    period_to: dt.datetime = Field(serialization_alias="to")
    projects_filtered: bool = Field(description="True when the request listed `project_ids`.")
    definitions: dict[str, str] = Field(description="Each figure's one-sentence definition.")
    suppressed: list[str] = Field(
        default_factory=list,
        description="Figures withheld (null) because they count fewer than 5 people; none of "
        "the governance figures counts people, so it is empty here.",
    )


class OutcomeCount(BaseModel):
    outcome: Outcome
    projects: int


class GateOverrideFigures(BaseModel):
    gate: Gate
    decisions: int
    against_recommendation: int
    override_rate: float | None = Field(description="against / decisions; null with none.")


class ConditionFigures(BaseModel):
    open: int
    past_due: int


class EvaluationFigures(BaseModel):
    active: int
    pivots: int
    pivots_implemented: int


class GovernanceAggregate(Aggregate):
    """The assessment side of the portfolio (DOMAIN.md B9): latest decision per project,
    overrides per gate, open and overdue conditions, active developmental evaluations and
    pivots."""

    projects_decided: int = Field(description="Projects with a decision as of `as_of`.")
    latest_outcome: list[OutcomeCount] = Field(
        description="Projects by the outcome of their latest decision (every outcome listed)."
    )
    decisions_in_period: int
    against_recommendation: int
    override_rate: float | None
    by_gate: list[GateOverrideFigures] = Field(description="Every gate, in order.")
    conditions: ConditionFigures
    evaluations: EvaluationFigures
