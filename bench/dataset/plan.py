"""The cross-service plan: projects, their teams and stage journeys, and the assessments and
decisions behind every gate crossing, decided once so the three databases agree.

Stage journeys run through the projects service's own stage machine (`plan_decision`,
`plan_transition`): a gate crossing is always a recorded decision of a decided assessment, and
the other moves are the transitions the machine allows (pause/resume, end of pilot, stop,
close). Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import decimal
import random
import uuid
from dataclasses import dataclass, field

from bench.dataset.common import (
    AREAS,
    AS_OF,
    DIRECTORATES,
    FUNDERS,
    PLACES,
    SERVICES,
    SITES,
    START,
    between,
    person_name,
    poisson,
    uuid7_at,
    weighted,
)
from projects_service.projects.models import (
    DecisionEffect,
    InnovationType,
    LeadPartner,
    Pillar,
    Stage,
)
from projects_service.projects.schemas import TransitionAction
from projects_service.projects.stages import (
    BEFORE_SUSTAINED,
    PAUSABLE,
    TERMINAL,
    plan_decision,
    plan_transition,
)
from projects_service.team.models import Affiliation, TeamRole


@dataclass(frozen=True)
class Scale:
    """How many of everything, per project (the issues' figures at 10,000 projects)."""

    projects: int
    stage_changes: float = 4.0
    team_members: float = 2.3
    assessments: float = 0.3
    decisions: float = 0.2
    stakeholders: float = 2.0
    engagements: float = 10.0
    stakeholder_assessments: float = 4.6
    # Change-feed events across the three services (each an audit entry too, bar domain
    # events); what the entities produce falls short, registry edits of projects top it up.
    events: float = 100.0
    seed: int = 1


@dataclass(frozen=True)
class Staff:
    subject: str
    display_name: str
    affiliation: Affiliation


@dataclass
class Member:
    id: uuid.UUID
    staff: Staff
    role: TeamRole
    fte: decimal.Decimal | None
    start_date: dt.date
    end_date: dt.date | None
    created_at: dt.datetime
    ended_at: dt.datetime | None


@dataclass
class StageStep:
    id: uuid.UUID
    at: dt.datetime
    from_stage: Stage
    to_stage: Stage
    kind: str  # "transition" or "decision", the StageChangeKind values
    action: str
    reason: str
    actor: str | None
    decision_id: uuid.UUID | None = None
    gate: str | None = None


@dataclass
class GateDecision:
    id: uuid.UUID
    gate: str
    outcome: str
    decided_at: dt.datetime
    decided_by: str
    effect: DecisionEffect
    note: str
    stage_before: Stage
    stage_after: Stage


@dataclass
class AssessmentPlan:
    id: uuid.UUID
    project: ProjectPlan
    gate: str
    status: str  # an AssessmentStatus value
    stage: Stage  # the project's stage when it was created
    times: dict[str, dt.datetime]  # created, opened, scoring, moderation, scored, decided, ...
    chair: str
    assessors: list[str]
    esf_tier: str | None
    previous_id: uuid.UUID | None
    decision: GateDecision | None = None


@dataclass
class ProjectPlan:
    id: uuid.UUID
    index: int
    reference: str
    created_at: dt.datetime
    title: str
    summary: str
    problem_statement: str
    pillar: Pillar
    innovation_type: InnovationType
    directorate: str
    site_code: str
    lead_partner: LeadPartner
    is_digital: bool
    funding_source: str | None
    budget_gbp: decimal.Decimal | None
    core20plus5_tags: list[str]
    net_zero_relevant: bool
    tags: list[str]
    start_date: dt.date
    planned_end_date: dt.date
    team: list[Member] = field(default_factory=list)
    steps: list[StageStep] = field(default_factory=list)
    assessments: list[AssessmentPlan] = field(default_factory=list)
    stage: Stage = Stage.idea
    paused_from: Stage | None = None
    archived_at: dt.datetime | None = None

    @property
    def created_by(self) -> str:
        return self.team[0].staff.subject

    @property
    def stage_changed_at(self) -> dt.datetime:
        return self.steps[-1].at if self.steps else self.created_at

    @property
    def last_activity(self) -> dt.datetime:
        return max([self.stage_changed_at, *(max(a.times.values()) for a in self.assessments)])

    def members_at(self, at: dt.datetime) -> list[Member]:
        return [m for m in self.team if m.created_at <= at and (m.ended_at or AS_OF) >= at]


@dataclass
class World:
    scale: Scale
    staff: list[Staff]
    governance: list[str]
    projects: list[ProjectPlan]

    @property
    def assessments(self) -> list[AssessmentPlan]:
        return [a for p in self.projects for a in p.assessments]


# -- staff and projects -------------------------------------------------------------------------

_CORE20 = (
    "maternity",
    "severe_mental_illness",
    "chronic_respiratory_disease",
    "early_cancer_diagnosis",
    "hypertension_case_finding",
    "core20_deprivation",
    "plus_group",
    "cyp_asthma",
    "cyp_diabetes",
)
_TAGS = ("ai", "co-design", "prevention", "workforce", "inequalities", "net-zero", "pathway")
_OTHER_ROLES = (
    (TeamRole.clinical_lead, 3.0),
    (TeamRole.project_manager, 2.0),
    (TeamRole.executive_sponsor, 1.5),
    (TeamRole.analyst, 1.5),
    (TeamRole.evaluator, 1.0),
    (TeamRole.developmental_evaluator, 0.5),
    (TeamRole.academic_lead, 1.0),
    (TeamRole.member, 2.0),
)


def _staff(rng: random.Random, count: int) -> list[Staff]:
    return [
        Staff(
            subject=f"staff-{number:05d}",
            display_name=person_name(rng),
            affiliation=weighted(
                rng,
                (
                    (Affiliation.trust, 0.75),
                    (Affiliation.university, 0.2),
                    (Affiliation.other, 0.05),
                ),
            ),
        )
        for number in range(1, count + 1)
    ]


def _project(rng: random.Random, index: int, created_at: dt.datetime) -> ProjectPlan:
    service, area, place = rng.choice(SERVICES), rng.choice(AREAS), rng.choice(PLACES)
    innovation = weighted(
        rng,
        (
            (InnovationType.service_or_pathway_redesign, 4),
            (InnovationType.digital_technology, 3),
            (InnovationType.workforce_or_role, 1.5),
            (InnovationType.organisational_or_management, 1),
            (InnovationType.medical_device, 0.8),
            (InnovationType.other, 0.3),
        ),
    )
    digital = innovation is InnovationType.digital_technology or rng.random() < 0.1
    start = (created_at + dt.timedelta(days=rng.randint(0, 90))).date()
    funded = rng.random() < 0.7
    return ProjectPlan(
        id=uuid7_at(created_at, rng),
        index=index,
        reference="",
        created_at=created_at,
        title=f"{service.capitalize()} for {area} in {place}"[:200],
        summary=f"Introduce {service} for people with {area} in {place}, and evaluate it.",
        problem_statement=f"People with {area} in {place} wait too long and are admitted "
        f"more often than they need to be; {service} could change that.",
        pillar=Pillar.project_innovation if rng.random() < 0.85 else Pillar.innovation_governance,
        innovation_type=innovation,
        directorate=rng.choice(DIRECTORATES),
        site_code=rng.choice(SITES),
        lead_partner=weighted(
            rng, ((LeadPartner.trust, 0.7), (LeadPartner.university, 0.1), (LeadPartner.joint, 0.2))
        ),
        is_digital=digital,
        funding_source=rng.choice(FUNDERS) if funded else None,
        budget_gbp=decimal.Decimal(rng.randint(5, 900) * 1000) if funded else None,
        core20plus5_tags=sorted(set(rng.sample(_CORE20, rng.randint(0, 2)))),
        net_zero_relevant=rng.random() < 0.2,
        tags=sorted(set(rng.sample(_TAGS, rng.randint(0, 3)))),
        start_date=start,
        planned_end_date=start + dt.timedelta(days=rng.randint(180, 1095)),
    )


def _team(rng: random.Random, project: ProjectPlan, staff: list[Staff], mean: float) -> None:
    people = rng.sample(staff, min(len(staff), 1 + poisson(rng, max(mean - 1.0, 0.0))))
    for position, person in enumerate(people):
        role = TeamRole.project_lead if position == 0 else weighted(rng, _OTHER_ROLES)
        joined = (
            project.created_at
            if position == 0
            else between(rng, project.created_at, project.created_at + dt.timedelta(days=60))
        )
        ended = None
        if position > 0 and rng.random() < 0.12:
            ended = between(rng, joined + dt.timedelta(days=30), AS_OF)
        project.team.append(
            Member(
                id=uuid7_at(joined, rng),
                staff=person,
                role=role,
                fte=decimal.Decimal(rng.choice((10, 20, 40, 50, 60, 100))) / 100,
                start_date=joined.date(),
                end_date=ended.date() if ended else None,
                created_at=joined,
                ended_at=ended,
            )
        )


# -- stage journeys -----------------------------------------------------------------------------

_GATE_OF: dict[Stage, str] = {
    Stage.idea: "g0_triage",
    Stage.scoping: "g1_scoping",
    Stage.design: "g2_pilot_approval",
    Stage.scaling: "g5_sustainability_review",
    Stage.embedding: "g5_sustainability_review",
}
_CHAIN_LENGTHS = ((1, 0.35), (2, 0.25), (3, 0.15), (4, 0.1), (5, 0.08), (6, 0.07))


@dataclass
class _Move:
    """A step before it has a time: a transition action or a gate decision."""

    action: TransitionAction | None = None
    gate: str | None = None
    outcome: str | None = None


def _gate_for(stage: Stage, had_g3: bool) -> str | None:
    if stage is Stage.evaluation:
        return "g4_scale_or_adopt" if had_g3 else "g3_post_pilot_review"
    return _GATE_OF.get(stage)


def _proceed_outcome(rng: random.Random, gate: str) -> str:
    if gate == "g4_scale_or_adopt":
        return rng.choice(("scale", "adopt"))
    return "proceed_with_conditions" if rng.random() < 0.3 else "proceed"


def _gate_moves(rng: random.Random, budget: int) -> list[_Move]:
    """Up to `budget` gate decisions along the main path (and the end of pilot between them)."""
    moves: list[_Move] = []
    stage, had_g3 = Stage.idea, False
    while stage not in (Stage.sustained, *TERMINAL):
        if stage is Stage.pilot:
            if budget == 0 and rng.random() < 0.5:
                break
            moves.append(_Move(action=TransitionAction.end_pilot))
            stage = Stage.evaluation
            continue
        gate = _gate_for(stage, had_g3)
        if budget == 0 or gate is None:
            break
        if budget >= 2 and gate != "g3_post_pilot_review" and rng.random() < 0.12:
            moves.append(_Move(gate=gate, outcome="adapt"))  # revise and return to the gate
            budget -= 1
        moves.append(_Move(gate=gate, outcome=_proceed_outcome(rng, gate)))
        budget -= 1
        plan = plan_decision(stage, None, gate, moves[-1].outcome or "")
        had_g3 = had_g3 or gate == "g3_post_pilot_review"
        stage = plan.to_stage or stage
    return moves


def _stage_after(moves: list[_Move]) -> Stage:
    stage: Stage = Stage.idea
    paused_from: Stage | None = None
    for move in moves:
        to: Stage | None
        if move.action is not None:
            to = plan_transition(stage, paused_from, move.action)
        else:
            to = plan_decision(stage, paused_from, move.gate or "", move.outcome or "").to_stage
        if to is not None:
            paused_from = stage if to is Stage.paused else None
            stage = to
    return stage


def _with_pauses(rng: random.Random, moves: list[_Move], pairs: int) -> list[_Move]:
    out = list(moves)
    for _ in range(pairs):
        at = rng.randint(0, len(out))
        if at > 0 and out[at - 1].action is TransitionAction.pause:
            at += 1  # never split another pause from its resume
        out[at:at] = [_Move(action=TransitionAction.pause), _Move(action=TransitionAction.resume)]
    return out


def _walk(
    rng: random.Random, project: ProjectPlan, moves: list[_Move], governance: list[str]
) -> list[tuple[_Move, GateDecision | None, dt.datetime]]:
    """Timestamp the moves and apply them with the stage machine; every step must be legal."""
    times = sorted(
        between(rng, project.created_at + dt.timedelta(days=14), AS_OF - dt.timedelta(days=2))
        for _ in moves
    )
    stage, paused_from = Stage.idea, None
    done: list[tuple[_Move, GateDecision | None, dt.datetime]] = []
    for move, at in zip(moves, times, strict=True):
        lead = project.members_at(at) or project.team[:1]
        actor: str | None = lead[0].staff.subject
        decision: GateDecision | None = None
        if move.action is not None:
            to: Stage | None = plan_transition(stage, paused_from, move.action)
            kind, action, reason, gate, decision_id = "transition", str(move.action), "", None, None
            reason = {
                TransitionAction.pause: "Paused while funding is confirmed.",
                TransitionAction.resume: "Funding confirmed; work resumes.",
                TransitionAction.stop: "Stopped: the benefits case no longer holds.",
                TransitionAction.close: "Closed: the change is business as usual.",
                TransitionAction.end_pilot: "Pilot period complete.",
            }[move.action]
            if move.action in (TransitionAction.stop, TransitionAction.close):
                actor = rng.choice(governance)  # governance-only transitions
        else:
            gate, outcome = move.gate or "", move.outcome or ""
            plan = plan_decision(stage, paused_from, gate, outcome)
            assert plan.effect is not DecisionEffect.rejected, plan.note
            to, kind, action, reason = (
                plan.to_stage,
                "decision",
                f"decision:{gate}:{outcome}",
                plan.note,
            )
            decision = GateDecision(
                id=uuid7_at(at, rng),
                gate=gate,
                outcome=outcome,
                decided_at=at,
                decided_by=rng.choice(governance),
                effect=plan.effect,
                note=plan.note,
                stage_before=stage,
                stage_after=to or stage,
            )
            decision_id = decision.id
            actor = None  # applied by the decision consumer
        if to is not None:
            project.steps.append(
                StageStep(
                    id=uuid7_at(at, rng),
                    at=at,
                    from_stage=stage,
                    to_stage=to,
                    kind=kind,
                    action=action,
                    reason=reason,
                    actor=actor,
                    decision_id=decision_id,
                    gate=gate,
                )
            )
            paused_from = (
                stage if to is Stage.paused else (None if stage is Stage.paused else paused_from)
            )
            stage = to
        done.append((move, decision, at))
    project.stage, project.paused_from = stage, paused_from
    return done


# -- assessments --------------------------------------------------------------------------------

_STATUS_TIMES = ("created", "opened", "scoring", "moderation", "scored")
_LAST_TIME = {
    "draft": "created",
    "open": "opened",
    "scoring": "scoring",
    "moderation": "moderation",
    "scored": "scored",
}
_UNDECIDED = (
    ("draft", 0.15),
    ("open", 0.25),
    ("scoring", 0.2),
    ("moderation", 0.1),
    ("scored", 0.15),
    ("cancelled", 0.15),
)


def _assessment(
    rng: random.Random,
    project: ProjectPlan,
    staff: list[Staff],
    *,
    gate: str,
    status: str,
    stage: Stage,
    start: dt.datetime,
    end: dt.datetime,
) -> AssessmentPlan:
    """An assessment run between `start` and `end`: each status reached at a later instant."""
    reached = (
        _STATUS_TIMES
        if status in ("decided", "cancelled")
        else _STATUS_TIMES[: _STATUS_TIMES.index(_LAST_TIME[status]) + 1]
    )
    span = end - start
    times = {
        name: start + span * ((position + 1) / (len(_STATUS_TIMES) + 1))
        for position, name in enumerate(reached)
    }
    if status == "cancelled":
        times = {"created": times["created"], "cancelled": times["opened"]}
    if status == "decided":
        times["decided"] = end
    panel = rng.sample(staff, 4)
    previous = [a for a in project.assessments if a.gate == gate]
    return AssessmentPlan(
        id=uuid7_at(times["created"], rng),
        project=project,
        gate=gate,
        status=status,
        stage=stage,
        times=times,
        chair=panel[0].subject,
        assessors=sorted(p.subject for p in panel[1:]),
        esf_tier=rng.choice("abc") if project.is_digital else None,
        previous_id=previous[-1].id if previous else None,
    )


def _open_assessment(
    rng: random.Random, project: ProjectPlan, staff: list[Staff]
) -> AssessmentPlan | None:
    """An assessment still under way (or cancelled) at the project's current gate."""
    if project.archived_at is not None or project.stage in TERMINAL | {Stage.paused}:
        return None
    had_g3 = any(a.gate == "g3_post_pilot_review" for a in project.assessments)
    gate = (
        "g3_post_pilot_review" if project.stage is Stage.pilot else _gate_for(project.stage, had_g3)
    )
    if gate is None:
        return None
    start = project.last_activity + dt.timedelta(days=1)
    if start >= AS_OF - dt.timedelta(days=7):
        return None
    status = weighted(rng, _UNDECIDED)
    return _assessment(
        rng, project, staff, gate=gate, status=status, stage=project.stage, start=start, end=AS_OF
    )


# -- the world ----------------------------------------------------------------------------------


def build_world(scale: Scale) -> World:
    rng = random.Random(f"cmdi-bench:{scale.seed}")
    count = scale.projects
    staff = _staff(rng, max(12, count // 4))
    governance = [f"gov-{number:03d}" for number in range(1, max(3, count // 500) + 2)]
    created = sorted(between(rng, START, AS_OF - dt.timedelta(days=45)) for _ in range(count))
    projects = [_project(rng, index, at) for index, at in enumerate(created)]
    counters: dict[int, int] = {}
    for project in projects:
        year = project.created_at.year
        counters[year] = counters.get(year, 0) + 1
        project.reference = f"CMDI-{year}-{counters[year]:03d}"
        _team(rng, project, staff, scale.team_members)

    # Gate decisions: chains along the main path until the decisions budget is spent.
    budgets = [0] * count
    remaining = round(scale.decisions * count)
    order = list(range(count))
    rng.shuffle(order)
    for index in order:
        if remaining <= 0:
            break
        budgets[index] = min(remaining, weighted(rng, _CHAIN_LENGTHS))
        remaining -= budgets[index]
    journeys = [_gate_moves(rng, budget) for budget in budgets]

    # Endings, then pause/resume pairs until the stage-change target is reached.
    for moves in journeys:
        stage, roll = _stage_after(moves), rng.random()
        if stage is Stage.sustained and roll < 0.4:
            moves.append(_Move(action=TransitionAction.close))
        elif stage in BEFORE_SUSTAINED and roll < 0.06:
            moves.append(_Move(action=TransitionAction.stop))
        elif stage in PAUSABLE and roll < 0.1:
            moves.append(_Move(action=TransitionAction.pause))
    changes = sum(1 for moves in journeys for m in moves if m.outcome != "adapt")
    pairs = [0] * count
    for _ in range(max(0, round(scale.stage_changes * count) - changes) // 2):
        pairs[rng.randrange(count)] += 1
    for index, project in enumerate(projects):
        moves = journeys[index]
        ending = moves[-1:] if moves and moves[-1].action in _ENDINGS else []
        body = moves[: len(moves) - len(ending)]
        walked = _walk(rng, project, _with_pauses(rng, body, pairs[index]) + ending, governance)
        previous_at = project.created_at
        for _, decision, at in walked:
            if decision is not None:
                assessment = _assessment(
                    rng,
                    project,
                    staff,
                    gate=decision.gate,
                    status="decided",
                    stage=decision.stage_before,
                    start=previous_at,
                    end=decision.decided_at,
                )
                assessment.decision = decision
                project.assessments.append(assessment)
            previous_at = at
        if project.stage in TERMINAL and rng.random() < 0.5:
            project.archived_at = between(rng, project.stage_changed_at, AS_OF)

    # Assessments still under way, until the assessments target is reached.
    extra = round(scale.assessments * count) - sum(len(p.assessments) for p in projects)
    rng.shuffle(order)
    for index in order:
        if extra <= 0:
            break
        found = _open_assessment(rng, projects[index], staff)
        if found is not None:
            projects[index].assessments.append(found)
            extra -= 1
    return World(scale=scale, staff=staff, governance=governance, projects=projects)


_ENDINGS = frozenset({TransitionAction.close, TransitionAction.stop, TransitionAction.pause})
