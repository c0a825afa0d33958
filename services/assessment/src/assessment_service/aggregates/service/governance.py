"""The governance figures of the portfolio (DOMAIN.md B9, issue #11 report 1): computed by the
repository in SQL, shaped here with their definitions. None counts people, so nothing is
suppressed and every caller allowed to read aggregates reads them in full."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.aggregates.repository import governance as repository
from assessment_service.aggregates.schemas import (
    AggregateQuery,
    ConditionFigures,
    EvaluationFigures,
    GateOverrideFigures,
    GovernanceAggregate,
    OutcomeCount,
)
from assessment_service.aggregates.service.window import resolve
from assessment_service.frameworks.definition import Gate, Outcome

DEFINITIONS: dict[str, str] = {
    "projects_decided": "Projects with at least one governance decision recorded at or before "
    "as_of.",
    "latest_outcome": "Projects counted once each by the outcome of their latest decision "
    "recorded at or before as_of, at any gate; a correction recorded by then replaces the "
    "decision it supersedes.",
    "decisions_in_period": "Decisions recorded in [from, to) and at or before as_of that no "
    "correction recorded by as_of had superseded.",
    "against_recommendation": "Of decisions_in_period, those whose outcome differs from the "
    "scoring engine's computed recommendation.",
    "override_rate": "against_recommendation divided by decisions_in_period (null when there "
    "are none), overall and per gate.",
    "conditions.open": "Conditions of decisions current as of as_of that had not been met, "
    "waived or breached by as_of.",
    "conditions.past_due": "Of the open conditions, those whose due date is before as_of's UTC "
    "date.",
    "evaluations.active": "Developmental evaluations moved to active before the period's end "
    "(and by as_of) and not concluded before its start (by as_of), from the audit entries of "
    "their transitions.",
    "evaluations.pivots": "Adaptation decisions of kind pivot decided in [from, to) and recorded "
    "by as_of.",
    "evaluations.pivots_implemented": "Of those pivots, the ones implemented at or before as_of.",
}


async def governance(session: AsyncSession, query: AggregateQuery) -> GovernanceAggregate:
    window = resolve(as_of=query.as_of, period_from=query.period_from, period_to=query.period_to)
    ids = query.project_ids
    outcomes: dict[Outcome, int] = dict(
        await repository.latest_outcomes(session, as_of=window.as_of, project_ids=ids)
    )
    gates = {
        gate: (decisions, int(against or 0))
        for gate, decisions, against in await repository.overrides_by_gate(
            session,
            as_of=window.as_of,
            period_from=window.period_from,
            period_to=window.period_to,
            project_ids=ids,
        )
    }
    counts = await repository.evaluation_counts(
        session,
        as_of=window.as_of,
        period_from=window.period_from,
        period_to=window.period_to,
        project_ids=ids,
    )
    decisions = sum(total for total, _ in gates.values())
    against = sum(overridden for _, overridden in gates.values())
    return GovernanceAggregate(
        as_of=window.as_of,
        period_from=window.period_from,
        period_to=window.period_to,
        projects_filtered=ids is not None,
        definitions=DEFINITIONS,
        projects_decided=sum(outcomes.values()),
        latest_outcome=[
            OutcomeCount(outcome=outcome, projects=outcomes.get(outcome, 0)) for outcome in Outcome
        ],
        decisions_in_period=decisions,
        against_recommendation=against,
        override_rate=_rate(against, decisions),
        by_gate=[
            GateOverrideFigures(
                gate=gate,
                decisions=gates.get(gate, (0, 0))[0],
                against_recommendation=gates.get(gate, (0, 0))[1],
                override_rate=_rate(gates.get(gate, (0, 0))[1], gates.get(gate, (0, 0))[0]),
            )
            for gate in Gate
        ],
        conditions=ConditionFigures(open=counts.open, past_due=int(counts.past_due)),
        evaluations=EvaluationFigures(
            active=counts.active, pivots=counts.pivots, pivots_implemented=int(counts.implemented)
        ),
    )


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None
