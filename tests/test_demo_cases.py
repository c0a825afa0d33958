"""The demo's gate cases say what they claim, checked against the services' own rules without a
platform: the panel ratings `scripts.demo_ratings` makes for each case lead the scoring engine to
the recommendation the case names (so an override is one), and the stage each history leaves a
project in is where the projects service's stage machine would put it."""

from __future__ import annotations

import pytest

from assessment_service.frameworks.defaults import IIAF, NASSS
from assessment_service.frameworks.definition import AssessmentContext, EsfTier, Gate
from assessment_service.frameworks.schemas import FrameworkDocument
from assessment_service.scoring import engine
from projects_service.projects.models import Stage, TransitionAction
from projects_service.projects.stages import plan_correction, plan_decision, plan_move
from scripts import demo, demo_portfolio
from scripts.demo_gate_cases import CHAINS, Gate as Case, Move
from scripts.demo_gates import GATES, final_stages
from scripts.demo_ratings import panel_ratings

TEMPLATES = {"iiaf": IIAF, "nasss": NASSS}
DIGITAL = {p.slug: p.is_digital for p in demo.PROJECTS} | {
    p.slug: p.is_digital for p in demo_portfolio.PROJECTS
}
CASES = [
    (slug, number, step)
    for slug, steps in CHAINS.items()
    for number, step in enumerate(steps)
    if isinstance(step, Case)
]


def recommendation(step: Case, digital: bool) -> str:
    """What the engine recommends on the case's ratings, with the panel medians as consensus
    (what `POST .../consensus/medians` adopts)."""
    document = FrameworkDocument.model_validate(TEMPLATES[step.template])
    minimum = document.scoring_policy.min_assessors
    gate = GATES[step.gate]
    esf = "b" if digital and step.template == "iiaf" else None
    panel = panel_ratings(
        document.model_dump(mode="json"),
        gate=gate,
        is_digital=digital,
        esf_tier=esf,
        outcome=step.rated_as,
        assessors=step.assessors or minimum,
        gates_pass=step.gates_pass,
    )
    context = AssessmentContext(
        gate=Gate(gate), is_digital=digital, esf_tier=EsfTier(esf) if esf else None
    )
    ratings = [
        engine.RatingInput(
            assessor=f"assessor-{i}",
            criterion=code,
            value=body["value"],
            unknown=False,
            evidence_level=body["evidence_level"],
        )
        for i, bodies in enumerate(panel)
        for code, body in bodies.items()
    ]
    consensus = []
    for _, criterion in document.criteria():
        if not criterion.applies(context):
            continue
        mine = [r for r in ratings if r.criterion == criterion.code]
        value = engine.median_of(criterion, [r.value for r in mine if r.value is not None])
        levels = sorted(r.evidence_level for r in mine if r.evidence_level is not None)
        consensus.append(
            engine.ConsensusInput(
                criterion=criterion.code,
                value=value,
                unknown=value is None,
                evidence_level=levels[(len(levels) - 1) // 2] if levels else None,
            )
        )
    return str(engine.score(document, context, ratings=ratings, consensus=consensus).recommendation)


@pytest.mark.parametrize(("slug", "number", "step"), CASES, ids=lambda v: str(v))
def test_the_ratings_lead_to_the_recommendation_the_case_names(
    slug: str, number: int, step: Case
) -> None:
    expected = step.rated_as
    if expected == "proceed":
        expected = {"g4": "scale", "g5": "adopt"}.get(step.gate, "proceed")
    assert recommendation(step, DIGITAL[slug]) == expected


def test_overrides_conditions_supersession_and_waiting_cases_are_all_there() -> None:
    decided = [step for _, _, step in CASES if step.outcome is not None]
    assert sum(step.rated_as != step.outcome for step in decided if step.recommended) >= 5
    assert sum(bool(step.conditions) for step in decided) >= 4
    assert {c.close for step in decided for c in step.conditions} == {
        None,
        "met",
        "waived",
        "breached",
    }
    assert sum(step.corrected_to is not None for step in decided) == 1
    assert {step.until for _, _, step in CASES if step.outcome is None} == {
        "scoring",
        "moderation",
        "scored",
    }
    assert {step.gate for step in decided} == {"g0", "g1", "g2", "g3", "g4", "g5"}


def test_each_history_ends_where_the_projects_stage_machine_puts_it() -> None:
    for slug, steps in CHAINS.items():
        stage, paused_from = Stage.idea, None
        for step in steps:
            if isinstance(step, Move):
                to = Stage(step.to)
                action = plan_move(stage, paused_from, to)
                paused_from = stage if action is TransitionAction.pause else None
                stage = to
                continue
            if step.outcome is None:
                continue
            plan = plan_decision(stage, paused_from, GATES[step.gate], step.outcome)
            assert plan.effect != "rejected", (slug, step, plan.note)
            decided_on, stage = stage, plan.to_stage or stage
            if step.corrected_to:
                plan = plan_correction(
                    stage,
                    paused_from,
                    gate=GATES[step.gate],
                    outcome=step.corrected_to,
                    corrected_outcome=step.outcome,
                    decided_on=decided_on,
                    left_at=stage,
                )
                assert plan.effect != "rejected", (slug, step, plan.note)
                stage = plan.to_stage or stage
        assert final_stages()[slug] == stage, slug
    every_stage = set(final_stages().values()) | {"idea"}
    assert every_stage == {str(s) for s in Stage}
