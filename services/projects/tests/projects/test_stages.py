"""The stage machine itself (DOMAIN S1), table-driven."""

from __future__ import annotations

import pytest

from projects_service.projects.models import DecisionEffect, Stage, TransitionAction
from projects_service.projects.stages import (
    GateCrossing,
    RuleBroken,
    gate_targets,
    moves_from,
    plan_correction,
    plan_decision,
    plan_move,
    plan_transition,
)

S = Stage
A = TransitionAction


@pytest.mark.parametrize(
    ("stage", "paused_from", "action", "expected"),
    [
        (S.design, None, A.pause, S.paused),
        (S.sustained, None, A.pause, S.paused),
        (S.paused, S.pilot, A.resume, S.pilot),
        (S.scaling, None, A.stop, S.stopped),
        (S.paused, S.design, A.stop, S.stopped),
        (S.sustained, None, A.close, S.closed),
        (S.pilot, None, A.end_pilot, S.evaluation),
    ],
)
def test_legal_moves(
    stage: Stage, paused_from: Stage | None, action: TransitionAction, expected: Stage
) -> None:
    assert plan_transition(stage, paused_from, action) is expected


@pytest.mark.parametrize(
    ("stage", "paused_from", "action", "rule"),
    [
        (S.closed, None, A.pause, "stopped-and-closed-are-terminal"),
        (S.stopped, None, A.resume, "stopped-and-closed-are-terminal"),
        (S.paused, S.pilot, A.pause, "already-paused"),
        (S.design, None, A.resume, "resume-only-from-paused"),
        (S.sustained, None, A.stop, "stop-only-before-sustained"),
        (S.paused, S.sustained, A.stop, "stop-only-before-sustained"),
        (S.embedding, None, A.close, "close-only-from-sustained"),
        (S.design, None, A.end_pilot, "end-pilot-only-from-pilot"),
    ],
)
def test_illegal_moves_name_their_rule(
    stage: Stage, paused_from: Stage | None, action: TransitionAction, rule: str
) -> None:
    with pytest.raises(RuleBroken) as broken:
        plan_transition(stage, paused_from, action)
    assert broken.value.rule == rule


@pytest.mark.parametrize(
    ("stage", "paused_from", "moves"),
    [
        (S.idea, None, {S.paused: A.pause, S.stopped: A.stop}),
        (S.pilot, None, {S.paused: A.pause, S.stopped: A.stop, S.evaluation: A.end_pilot}),
        (S.paused, S.design, {S.design: A.resume, S.stopped: A.stop}),
        (S.paused, S.sustained, {S.sustained: A.resume}),
        (S.sustained, None, {S.paused: A.pause, S.closed: A.close}),
        (S.closed, None, {}),
        (S.stopped, None, {}),
    ],
)
def test_moves_from(
    stage: Stage, paused_from: Stage | None, moves: dict[Stage, TransitionAction]
) -> None:
    assert moves_from(stage, paused_from) == moves


@pytest.mark.parametrize(
    ("stage", "targets"),
    [
        (S.idea, {S.scoping}),
        (S.scoping, {S.design}),
        (S.design, {S.pilot}),
        (S.pilot, set()),
        (S.evaluation, {S.design, S.scaling, S.embedding}),
        (S.scaling, {S.sustained}),
        (S.embedding, {S.sustained}),
        (S.paused, set()),
        (S.closed, set()),
    ],
)
def test_gate_targets(stage: Stage, targets: set[Stage]) -> None:
    assert gate_targets(stage) == targets


@pytest.mark.parametrize(
    ("stage", "paused_from", "to", "rule"),
    [
        (S.idea, None, S.scoping, "gates-move-by-decision"),
        (S.evaluation, None, S.scaling, "gates-move-by-decision"),
        (S.evaluation, None, S.design, "gates-move-by-decision"),
        (S.idea, None, S.pilot, "no-such-transition"),
        (S.idea, None, S.idea, "no-such-transition"),
        (S.design, None, S.evaluation, "end-pilot-only-from-pilot"),
        (S.embedding, None, S.closed, "close-only-from-sustained"),
        (S.sustained, None, S.stopped, "stop-only-before-sustained"),
        (S.paused, S.pilot, S.paused, "already-paused"),
        (S.paused, S.pilot, S.design, "resume-to-paused-from"),
        (S.closed, None, S.paused, "stopped-and-closed-are-terminal"),
        (S.stopped, None, S.scoping, "stopped-and-closed-are-terminal"),
    ],
)
def test_plan_move_names_the_rule(
    stage: Stage, paused_from: Stage | None, to: Stage, rule: str
) -> None:
    with pytest.raises(RuleBroken) as broken:
        plan_move(stage, paused_from, to)
    assert broken.value.rule == rule
    assert isinstance(broken.value, GateCrossing) is (rule == "gates-move-by-decision")


def test_plan_move_names_the_move() -> None:
    assert plan_move(S.paused, S.pilot, S.pilot) is A.resume
    assert plan_move(S.pilot, None, S.evaluation) is A.end_pilot


@pytest.mark.parametrize(
    ("stage", "gate", "outcome", "effect", "to_stage"),
    [
        (S.idea, "g0_triage", "proceed", DecisionEffect.applied, S.scoping),
        (S.scoping, "g1_scoping", "proceed_with_conditions", DecisionEffect.applied, S.design),
        (S.design, "g2_pilot_approval", "proceed", DecisionEffect.applied, S.pilot),
        (S.design, "g2_pilot_approval", "adapt", DecisionEffect.no_change, None),
        (S.evaluation, "g3_post_pilot_review", "adapt", DecisionEffect.applied, S.design),
        (S.evaluation, "g3_post_pilot_review", "proceed", DecisionEffect.no_change, None),
        (S.evaluation, "g3_post_pilot_review", "stop", DecisionEffect.applied, S.stopped),
        (S.evaluation, "g4_scale_or_adopt", "scale", DecisionEffect.applied, S.scaling),
        (S.evaluation, "g4_scale_or_adopt", "adopt", DecisionEffect.applied, S.embedding),
        (S.evaluation, "g4_scale_or_adopt", "proceed", DecisionEffect.rejected, None),
        (S.scaling, "g5_sustainability_review", "proceed", DecisionEffect.applied, S.sustained),
        (S.embedding, "g5_sustainability_review", "adopt", DecisionEffect.applied, S.sustained),
        (S.pilot, "g1_scoping", "pause", DecisionEffect.applied, S.paused),
        (S.idea, "g2_pilot_approval", "proceed", DecisionEffect.rejected, None),
        (S.paused, "g0_triage", "proceed", DecisionEffect.rejected, None),
        (S.sustained, "g5_sustainability_review", "stop", DecisionEffect.rejected, None),
        (S.closed, "g0_triage", "pause", DecisionEffect.rejected, None),
        (S.idea, "g9_unknown", "proceed", DecisionEffect.rejected, None),
    ],
)
def test_decision_mapping(
    stage: Stage, gate: str, outcome: str, effect: DecisionEffect, to_stage: Stage | None
) -> None:
    plan = plan_decision(stage, S.design if stage is S.paused else None, gate, outcome)
    assert (plan.effect, plan.to_stage) == (effect, to_stage)
    assert plan.note


@pytest.mark.parametrize(
    ("stage", "corrected", "outcome", "decided_on", "left_at", "effect", "to_stage"),
    [
        # Still where the corrected decision left it: the gate is decided again from there.
        (S.scaling, "scale", "adopt", S.evaluation, S.scaling, DecisionEffect.applied, S.embedding),
        (S.stopped, "stop", "proceed", S.idea, S.stopped, DecisionEffect.applied, S.scoping),
        (S.paused, "pause", "adapt", S.idea, S.paused, DecisionEffect.applied, S.idea),
        (S.scoping, "proceed", "proceed", S.idea, S.scoping, DecisionEffect.no_change, None),
        (S.scoping, "proceed", "scale", S.idea, S.scoping, DecisionEffect.rejected, None),
        (S.paused, "pause", "stop", S.paused, S.paused, DecisionEffect.rejected, None),
        # Moved on since: a fresh decision from the current stage, if legal.
        (S.design, "proceed", "stop", S.idea, S.scoping, DecisionEffect.applied, S.stopped),
        (S.design, "proceed", "adapt", S.idea, S.scoping, DecisionEffect.rejected, None),
    ],
)
def test_plan_correction(
    stage: Stage,
    corrected: str,
    outcome: str,
    decided_on: Stage,
    left_at: Stage,
    effect: DecisionEffect,
    to_stage: Stage | None,
) -> None:
    gate = "g4_scale_or_adopt" if corrected == "scale" else "g0_triage"
    plan = plan_correction(
        stage,
        None,
        gate=gate,
        outcome=outcome,
        corrected_outcome=corrected,
        decided_on=decided_on,
        left_at=left_at,
    )
    assert (plan.effect, plan.to_stage) == (effect, to_stage), plan.note
    assert plan.note
