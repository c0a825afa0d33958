"""The project stage machine (DOMAIN S1) as pure functions: what a move does, or which rule it
breaks. The service applies the result; nothing here touches the database.

Two kinds of edge: the moves a person asks for by naming the stage to go to (`pause`, `resume`,
`stop`, `close`, `end_pilot`: `moves_from`), and gate crossings, which only a recorded
governance decision makes (`plan_decision`; `gate_targets` lists where they lead)."""

from __future__ import annotations

from dataclasses import dataclass

from projects_service.projects.models import DecisionEffect, Stage, TransitionAction

TERMINAL = frozenset({Stage.closed, Stage.stopped})
BEFORE_SUSTAINED = frozenset(
    {
        Stage.idea,
        Stage.scoping,
        Stage.design,
        Stage.pilot,
        Stage.evaluation,
        Stage.scaling,
        Stage.embedding,
    }
)
PAUSABLE = BEFORE_SUSTAINED | {Stage.sustained}

# Which stage each gate decides on, and where `proceed` leads (None: no stage change).
GATE_FROM: dict[str, frozenset[Stage]] = {
    "g0_triage": frozenset({Stage.idea}),
    "g1_scoping": frozenset({Stage.scoping}),
    "g2_pilot_approval": frozenset({Stage.design}),
    "g3_post_pilot_review": frozenset({Stage.evaluation}),
    "g4_scale_or_adopt": frozenset({Stage.evaluation}),
    "g5_sustainability_review": frozenset({Stage.scaling, Stage.embedding}),
}
PROCEED = frozenset({"proceed", "proceed_with_conditions"})


# Where each named move leads when it is allowed (`resume` leads back to `paused_from`).
TARGETS: dict[TransitionAction, Stage] = {
    TransitionAction.pause: Stage.paused,
    TransitionAction.stop: Stage.stopped,
    TransitionAction.close: Stage.closed,
    TransitionAction.end_pilot: Stage.evaluation,
}
# The outcomes with which a gate moves a project along (pause and stop are moves of their own).
GATE_OUTCOMES = ("proceed", "proceed_with_conditions", "adapt", "scale", "adopt")


class RuleBroken(Exception):
    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


class GateCrossing(RuleBroken):
    """The stage asked for is where a gate leads: only a recorded decision moves it there."""


def plan_transition(stage: Stage, paused_from: Stage | None, action: TransitionAction) -> Stage:
    """The stage a non-gate action leads to, or `RuleBroken` naming the rule."""
    if stage in TERMINAL:
        raise RuleBroken(
            "stopped-and-closed-are-terminal",
            f"The project is {stage}; its stage no longer changes.",
        )
    if action is TransitionAction.pause:
        if stage is Stage.paused:
            raise RuleBroken("already-paused", "The project is already paused.")
        return Stage.paused
    if action is TransitionAction.resume:
        if stage is not Stage.paused or paused_from is None:
            raise RuleBroken(
                "resume-only-from-paused", f"Only a paused project resumes; this one is in {stage}."
            )
        return paused_from
    if action is TransitionAction.stop:
        effective = paused_from if stage is Stage.paused else stage
        if effective not in BEFORE_SUSTAINED:
            raise RuleBroken(
                "stop-only-before-sustained",
                "A project can be stopped only before it is sustained.",
            )
        return Stage.stopped
    if action is TransitionAction.close:
        if stage is not Stage.sustained:
            raise RuleBroken(
                "close-only-from-sustained",
                f"Only a sustained project closes; this one is in {stage}.",
            )
        return Stage.closed
    if stage is not Stage.pilot:
        raise RuleBroken(
            "end-pilot-only-from-pilot",
            f"Only a project in pilot ends its pilot; this one is in {stage}.",
        )
    return Stage.evaluation


def moves_from(stage: Stage, paused_from: Stage | None) -> dict[Stage, TransitionAction]:
    """The stages a person may move the project to from here, each with its named move, in
    the order of `TransitionAction`."""
    moves: dict[Stage, TransitionAction] = {}
    for action in TransitionAction:
        try:
            moves[plan_transition(stage, paused_from, action)] = action
        except RuleBroken:
            continue
    return moves


def gate_targets(stage: Stage) -> frozenset[Stage]:
    """The stages a gate decision can move a project in `stage` to."""
    return frozenset(
        plan.to_stage
        for gate in GATE_FROM
        for outcome in GATE_OUTCOMES
        if (plan := plan_decision(stage, None, gate, outcome)).to_stage is not None
    )


def plan_move(stage: Stage, paused_from: Stage | None, to: Stage) -> TransitionAction:
    """The named move that takes the project from `stage` to `to`; or `GateCrossing` when only
    a decision goes there, or `RuleBroken` naming the rule that forbids it."""
    moves = moves_from(stage, paused_from)
    if to in moves:
        return moves[to]
    if stage in TERMINAL:
        raise RuleBroken(
            "stopped-and-closed-are-terminal",
            f"The project is {stage}; its stage no longer changes.",
        )
    if to in gate_targets(stage):
        raise GateCrossing(
            "gates-move-by-decision",
            f"{stage} → {to} crosses a gate: it happens when the assessment service records "
            "the gate decision.",
        )
    for action, target in TARGETS.items():
        if target is to:
            plan_transition(stage, paused_from, action)  # raises the rule this move breaks
    if stage is Stage.paused:
        raise RuleBroken(
            "resume-to-paused-from",
            f"A paused project resumes to the stage it was paused in ({paused_from}).",
        )
    raise RuleBroken("no-such-transition", f"No transition leads from {stage} to {to}.")


@dataclass(frozen=True)
class DecisionPlan:
    effect: DecisionEffect
    to_stage: Stage | None
    note: str


def _rejected(note: str) -> DecisionPlan:
    return DecisionPlan(DecisionEffect.rejected, None, note)


def plan_decision(stage: Stage, paused_from: Stage | None, gate: str, outcome: str) -> DecisionPlan:
    """What a recorded governance decision does to a project in `stage` (never raises: a
    decision that does not fit is recorded as rejected with the reason)."""
    if gate not in GATE_FROM:
        return _rejected(f"Unknown gate {gate!r}.")
    if stage in TERMINAL:
        return _rejected(f"The project is {stage}; decisions no longer move it.")
    if outcome == "pause":
        if stage is Stage.paused:
            return DecisionPlan(DecisionEffect.no_change, None, "Already paused.")
        return DecisionPlan(DecisionEffect.applied, Stage.paused, f"Paused by the {gate} decision.")
    if outcome == "stop":
        effective = paused_from if stage is Stage.paused else stage
        if effective not in BEFORE_SUSTAINED:
            return _rejected(
                "stop-only-before-sustained: a sustained project is closed, not stopped."
            )
        return DecisionPlan(
            DecisionEffect.applied, Stage.stopped, f"Stopped by the {gate} decision."
        )
    if stage is Stage.paused:
        return _rejected(f"The project is paused; resume it before a {gate} decision can move it.")
    if stage not in GATE_FROM[gate]:
        expected = " or ".join(sorted(GATE_FROM[gate]))
        return _rejected(f"{gate} decides on projects in {expected}; this project is in {stage}.")
    return _gate_outcome(stage, gate, outcome)


def _gate_outcome(stage: Stage, gate: str, outcome: str) -> DecisionPlan:
    applied = DecisionEffect.applied
    if gate in ("g0_triage", "g1_scoping", "g2_pilot_approval"):
        following = {
            Stage.idea: Stage.scoping,
            Stage.scoping: Stage.design,
            Stage.design: Stage.pilot,
        }[stage]
        if outcome in PROCEED:
            return DecisionPlan(applied, following, f"{gate}: {outcome}.")
        if outcome == "adapt":
            return DecisionPlan(
                DecisionEffect.no_change, None, f"{gate}: adapt; revise and return to the gate."
            )
    elif gate == "g3_post_pilot_review":
        if outcome == "adapt":
            return DecisionPlan(applied, Stage.design, "g3: adapt; back to design to re-pilot.")
        if outcome in PROCEED:
            return DecisionPlan(
                DecisionEffect.no_change, None, "g3: proceed; stays in evaluation awaiting G4."
            )
    elif gate == "g4_scale_or_adopt":
        if outcome == "scale":
            return DecisionPlan(applied, Stage.scaling, "g4: scale.")
        if outcome == "adopt":
            return DecisionPlan(applied, Stage.embedding, "g4: adopt.")
        if outcome == "adapt":
            return DecisionPlan(DecisionEffect.no_change, None, "g4: adapt; stays in evaluation.")
        return _rejected("g4 decides scale or adopt (or adapt, pause, stop).")
    elif outcome in PROCEED | {"scale", "adopt"}:
        return DecisionPlan(applied, Stage.sustained, f"g5: {outcome}; sustained.")
    elif outcome == "adapt":
        return DecisionPlan(DecisionEffect.no_change, None, f"g5: adapt; stays in {stage}.")
    return _rejected(f"{outcome!r} is not an outcome {gate} can apply.")


def plan_correction(
    stage: Stage,
    paused_from: Stage | None,
    *,
    gate: str,
    outcome: str,
    corrected_outcome: str,
    decided_on: Stage | None,
    left_at: Stage | None,
) -> DecisionPlan:
    """What a decision that corrects (supersedes) an already-received, non-rejected decision
    does. `decided_on` is the stage the corrected decision was taken on, `left_at` the stage
    it left the project in.

    - Same outcome as the corrected decision: nothing changes.
    - The project still stands where the corrected decision left it: the gate is decided again
      from `decided_on` with the new outcome, and the project moves to where that leads (which
      may undo the corrected move, e.g. G4 `scale` corrected to `adopt` moves scaling →
      embedding, G0 `proceed` corrected to `adapt` moves scoping back to idea). If the new
      outcome does not fit that stage, the correction is rejected.
    - The project has moved since (a later gate or transition): the new outcome is applied
      like a fresh decision from the current stage when that is legal, else rejected.
    Never raises; every outcome carries a note for the decisions read."""
    if outcome == corrected_outcome:
        return DecisionPlan(
            DecisionEffect.no_change, None, f"Correction keeps {outcome}; nothing to change."
        )
    if decided_on is None or stage is not left_at:
        plan = plan_decision(stage, paused_from, gate, outcome)
        return DecisionPlan(
            plan.effect,
            plan.to_stage,
            f"Correction {corrected_outcome} → {outcome} after the project moved on "
            f"(now {stage}): {plan.note}",
        )
    if decided_on is Stage.paused:
        return _rejected(
            "The corrected decision was taken while the project was paused; correct the stage "
            "with a transition."
        )
    redone = plan_decision(decided_on, None, gate, outcome)
    if redone.effect is DecisionEffect.rejected:
        return _rejected(f"Correction {corrected_outcome} → {outcome} rejected: {redone.note}")
    target = redone.to_stage or decided_on
    if target is stage:
        return DecisionPlan(
            DecisionEffect.no_change,
            None,
            f"Correction {corrected_outcome} → {outcome}: the project is already in {stage}.",
        )
    return DecisionPlan(
        DecisionEffect.applied,
        target,
        f"Correction {corrected_outcome} → {outcome}: {gate} decided again from {decided_on}; "
        f"{stage} → {target}.",
    )
