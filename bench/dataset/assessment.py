"""The assessment service's rows: the shipped templates, assessments with their panels,
independent ratings, consensus and frozen scores (computed by the service's own scoring
engine), and the decisions behind every gate crossing, with audit entries and feed events."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from assessment_service.assessments.models import (
    Assessment,
    ConsensusMethod,
    ConsensusRating,
    PanelMember,
    Rating,
)
from assessment_service.assessments.schemas import AssessmentResult, TemplateRef
from assessment_service.db import Base, platform
from assessment_service.decisions.models import (
    ConditionStatus,
    Decision,
    DecisionCondition,
    DecisionStatus,
)
from assessment_service.frameworks.defaults import DEFAULT_TEMPLATES, IIAF_NAME
from assessment_service.frameworks.definition import (
    AssessmentContext,
    Criterion,
    EsfTier,
    Gate,
    TemplateDefinition,
)
from assessment_service.frameworks.models import Framework, FrameworkStatus
from assessment_service.frameworks.scales import SCALES, RatingValue, check_value
from assessment_service.frameworks.schemas import FrameworkDocument
from assessment_service.scoring import engine
from bench.dataset.common import START, uuid7_at
from bench.dataset.events import EventLog
from bench.dataset.plan import AssessmentPlan, World
from bench.dataset.store import Target, ensure_empty, insert_rows, table_of

SEED_ACTOR = "system:seed-templates"
_ORDER = ("created", "opened", "scoring", "moderation", "scored", "decided")
_ACTIONS = {
    "opened": ("open", "opened"),
    "scoring": ("scoring", "scoring_started"),
    "moderation": ("moderation", "moderation_started"),
    "scored": ("scored", "score_frozen"),
    "cancelled": ("cancelled", "cancelled"),
}
_CONDITIONS = (
    "Complete the DPIA before go-live",
    "Agree the evaluation plan with the Trust's evaluation lead",
    "Report the first three months of routine data to the board",
    "Confirm recurrent funding with the ICB",
    "Involve patient representatives in the next design iteration",
)


class Templates:
    """The shipped templates as framework rows, and the IIAF definition assessments pin."""

    def __init__(self, rng: random.Random, first_used: dt.datetime) -> None:
        self.rows: list[dict[str, Any]] = []
        self.definitions: dict[str, TemplateDefinition] = {}
        activated = START - dt.timedelta(days=30)
        for raw in DEFAULT_TEMPLATES:
            document = FrameworkDocument.model_validate(raw)
            definition = TemplateDefinition.model_validate(
                document.model_dump(include=set(TemplateDefinition.model_fields))
            )
            dumped = definition.model_dump(mode="json")
            used = first_used if document.name == IIAF_NAME else None
            self.rows.append(
                {
                    "id": uuid7_at(activated, rng),
                    "created_at": activated,
                    "updated_at": used or activated,
                    "version": 3 if used else 2,
                    "name": document.name,
                    "semver": document.semver,
                    "description": document.description,
                    "status": FrameworkStatus.active,
                    "applies_to": dumped["applies_to"],
                    "gates_used": dumped["gates_used"],
                    "scoring_policy": dumped["scoring_policy"],
                    "domains": dumped["domains"],
                    "active_name": document.name,
                    "cloned_from_id": None,
                    "first_used_at": used,
                    "activated_at": activated,
                    "retired_at": None,
                    "created_by": SEED_ACTOR,
                }
            )
            self.definitions[document.name] = definition
        self.iiaf = next(row for row in self.rows if row["name"] == IIAF_NAME)

    def log(self, log: EventLog) -> None:
        for row in self.rows:
            created = {
                **row,
                "status": FrameworkStatus.draft,
                "active_name": None,
                "activated_at": None,
                "first_used_at": None,
                "version": 1,
            }
            log.created("framework", created, at=row["created_at"], actor=SEED_ACTOR)
            activated = {**created, "status": FrameworkStatus.active, "version": 2}
            activated |= {"active_name": row["name"], "activated_at": row["activated_at"]}
            log.updated(
                "framework",
                activated,
                {
                    "status": (FrameworkStatus.draft, FrameworkStatus.active),
                    "active_name": (None, row["name"]),
                    "activated_at": (None, row["activated_at"]),
                },
                at=row["created_at"],
                actor=SEED_ACTOR,
                action="activated",
            )
            if row["first_used_at"] is not None:
                log.updated(
                    "framework",
                    row,
                    {"first_used_at": (None, row["first_used_at"])},
                    at=row["first_used_at"],
                    actor=SEED_ACTOR,
                )


def _value(criterion: Criterion, rng: random.Random, quality: float) -> RatingValue:
    """A valid value on the criterion's scale, better the higher `quality` (0-1)."""
    scale = SCALES[criterion.scale]
    q = min(1.0, max(0.0, quality + rng.uniform(-0.25, 0.25)))
    if criterion.reverse_scored:
        q = 1.0 - q
    value: RatingValue
    if scale.is_integer:
        assert scale.low is not None
        assert scale.high is not None
        value = scale.low + round(q * (scale.high - scale.low))
    elif scale.categories:
        if criterion.scale == "pass_fail":
            value = "pass" if rng.random() < 0.93 else "fail"
        elif criterion.scale == "esf_tier":
            value = rng.choice(scale.categories)
        else:  # best first
            value = scale.categories[round((1.0 - q) * (len(scale.categories) - 1))]
    else:
        band = min(criterion.bands, key=lambda b: abs(b.score - q), default=None)
        if band is None:
            value = round(q * 100, 1)
        elif band.min is not None and band.max is not None:
            value = round(rng.uniform(band.min, band.max - 1e-6), 3)
            value = min(max(value, band.min), band.max - 1e-3)
        elif band.min is not None:
            value = round(band.min + abs(band.min) * rng.random() + rng.random(), 3)
        elif band.max is not None:
            value = round(band.max - abs(band.max) * rng.random() - 1.0, 3)
        else:
            value = 0.0
    return check_value(criterion.scale, value, bands=criterion.numeric_bands())


def _reached(plan: AssessmentPlan, step: str) -> bool:
    return step in plan.times


class _Writer:
    def __init__(self, world: World, rng: random.Random, templates: Templates) -> None:
        self.world, self.rng, self.log = world, rng, EventLog(rng, Base)
        self.templates = templates
        self.definition = templates.definitions[IIAF_NAME]
        self.assessments: list[dict[str, Any]] = []
        self.panel: list[dict[str, Any]] = []
        self.ratings: list[dict[str, Any]] = []
        self.consensus: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.conditions: list[dict[str, Any]] = []

    def assessment(self, plan: AssessmentPlan) -> None:
        project, times, rng = plan.project, plan.times, self.rng
        created = times["created"]
        context = AssessmentContext(
            gate=Gate(plan.gate),
            is_digital=project.is_digital,
            esf_tier=EsfTier(plan.esf_tier) if plan.esf_tier else None,
        )
        row: dict[str, Any] = {
            "id": plan.id,
            "created_at": created,
            "updated_at": created,
            "version": 1,
            "project_id": project.id,
            "project_reference": project.reference,
            "template_id": self.templates.iiaf["id"],
            "gate": plan.gate,
            "status": "draft",
            "open_key": f"{project.id}:{plan.gate}",
            "panel_chair": plan.chair,
            "context_snapshot": {
                "stage": str(plan.stage),
                "is_digital": project.is_digital,
                "innovation_type": str(project.innovation_type),
                "esf_tier": plan.esf_tier,
                "project_title": project.title,
                "captured_at": created.isoformat().replace("+00:00", "Z"),
            },
            "esf_tier": plan.esf_tier,
            "uses_piloting_template": False,
            "previous_assessment_id": plan.previous_id,
            "due_at": created + dt.timedelta(days=42),
            "opened_at": None,
            "scored_at": None,
            "decided_at": None,
            "cancelled_at": None,
            "cancel_reason": None,
            "result": None,
            "overall_score": None,
            "confidence": None,
            "recommendation": None,
            "created_by": plan.chair,
        }
        request = self.log.request()
        self.log.created("assessment", row, at=created, actor=plan.chair, request_id=request)
        members = []
        for subject in plan.assessors:
            member = {
                "id": uuid7_at(created, rng),
                "created_at": created,
                "updated_at": created,
                "assessment_id": plan.id,
                "subject": subject,
                "declared_at": None,
                "has_conflict": None,
                "conflict_description": None,
                "waiver_reason": None,
                "waived_by": None,
                "waived_at": None,
                "submitted_at": None,
            }
            self.log.created(
                "panel_member", member, at=created, actor=plan.chair, request_id=request
            )
            members.append(member)
        quality = rng.betavariate(5, 2.2)
        applicable = [c for _, c in self.definition.criteria() if c.applies(context)]
        ratings: list[engine.RatingInput] = []
        consensus: list[engine.ConsensusInput] = []
        for step in _ORDER[1:]:
            if not _reached(plan, step):
                continue
            at = times[step]
            if step == "opened":
                for member in members:  # each assessor declares: no conflict
                    declared = at + dt.timedelta(hours=rng.randint(1, 72))
                    declared = min(declared, times.get("scoring", declared))
                    member |= {"declared_at": declared, "has_conflict": False}
                    member["updated_at"] = declared
                    self.log.updated(
                        "panel_member",
                        member,
                        {"declared_at": (None, declared), "has_conflict": (None, False)},
                        at=declared,
                        actor=str(member["subject"]),
                        action="declared",
                    )
            if step == "scoring":
                ratings = self._rate(plan, applicable, members, quality, times["opened"], at)
            if step == "moderation":
                for member in members:
                    submitted = at - dt.timedelta(hours=rng.randint(1, 48))
                    submitted = max(submitted, times["scoring"])
                    member |= {"submitted_at": submitted, "updated_at": submitted}
                    self.log.updated(
                        "panel_member",
                        member,
                        {"submitted_at": (None, submitted)},
                        at=submitted,
                        actor=str(member["subject"]),
                        action="submitted",
                    )
            if step == "scored":
                consensus = self._agree(plan, applicable, ratings, at)
                self._score(plan, row, context, ratings, consensus, at)
            if step == "decided":
                self._decide(plan, row, at)
                continue
            status, action = _ACTIONS[step]
            before = {k: row[k] for k in ("status", "opened_at", "scored_at", "result")}
            row |= {"status": status, "updated_at": at, "version": row["version"] + 1}
            if step == "opened":
                row["opened_at"] = at
            changed = {k: (v, row[k]) for k, v in before.items() if v != row[k]}
            request = self.log.request()
            self.log.updated(
                "assessment",
                row,
                changed,
                at=at,
                actor=plan.chair,
                action=action,
                request_id=request,
            )
            if step == "scored":
                self.log.domain(
                    "assessment.scored",
                    entity_type="assessment",
                    entity_id=plan.id,
                    data={
                        "assessment_id": plan.id,
                        "project_id": project.id,
                        "gate": plan.gate,
                        "template_id": row["template_id"],
                        "template_name": IIAF_NAME,
                        "template_semver": self.templates.iiaf["semver"],
                        "overall": row["overall_score"],
                        "confidence": row["confidence"],
                        "recommendation": row["recommendation"],
                        "failed_gates": [
                            g["criterion"] for g in row["result"]["score"]["failed_gates"]
                        ],
                        "scored_at": at,
                    },
                    at=at,
                    actor=plan.chair,
                    request_id=request,
                )
        if plan.status == "cancelled":
            at = times["cancelled"]
            row |= {
                "status": "cancelled",
                "cancelled_at": at,
                "cancel_reason": "Superseded by a revised proposal.",
                "open_key": None,
                "updated_at": at,
                "version": row["version"] + 1,
            }
            self.log.updated(
                "assessment",
                row,
                {
                    "status": ("draft", "cancelled"),
                    "cancelled_at": (None, at),
                    "open_key": (f"{project.id}:{plan.gate}", None),
                },
                at=at,
                actor=plan.chair,
                action="cancelled",
            )
        self.assessments.append(row)
        self.panel.extend(members)

    def _rate(
        self,
        plan: AssessmentPlan,
        applicable: list[Criterion],
        members: list[dict[str, Any]],
        quality: float,
        start: dt.datetime,
        end: dt.datetime,
    ) -> list[engine.RatingInput]:
        inputs = []
        for member in members:
            lean = self.rng.uniform(-0.1, 0.1)  # each assessor's own leaning
            at = member["declared_at"] + (end - member["declared_at"]) * self.rng.uniform(0.1, 0.9)
            at = max(at, start)
            request = self.log.request()
            for criterion in applicable:
                unknown = not criterion.required and self.rng.random() < 0.04
                value = None if unknown else _value(criterion, self.rng, quality + lean)
                evidence = self.rng.randint(max(1, criterion.min_evidence_level or 1), 5)
                row = {
                    "id": uuid7_at(at, self.rng),
                    "created_at": at,
                    "updated_at": at,
                    "assessment_id": plan.id,
                    "criterion_code": criterion.code,
                    "assessor": member["subject"],
                    "value": value,
                    "unknown": unknown,
                    "unknown_reason": "No evidence yet." if unknown else None,
                    "rationale": "" if unknown else f"Rated on the evidence pack for {plan.gate}.",
                    "evidence_ids": [],
                    "evidence_level": None if unknown else evidence,
                }
                self.log.created(
                    "rating",
                    row,
                    at=at,
                    actor=member["subject"],
                    request_id=request,
                )
                self.ratings.append(row)
                inputs.append(
                    engine.RatingInput(
                        assessor=row["assessor"],
                        criterion=criterion.code,
                        value=value,
                        unknown=unknown,
                        evidence_level=row["evidence_level"],
                    )
                )
        return inputs

    def _agree(
        self,
        plan: AssessmentPlan,
        applicable: list[Criterion],
        ratings: list[engine.RatingInput],
        at: dt.datetime,
    ) -> list[engine.ConsensusInput]:
        agreed = []
        request = self.log.request()
        for criterion in applicable:
            mine = [r for r in ratings if r.criterion == criterion.code and not r.unknown]
            values = [r.value for r in mine if r.value is not None]
            value = engine.median_of(criterion, values)
            levels = sorted(r.evidence_level for r in mine if r.evidence_level is not None)
            evidence = levels[(len(levels) - 1) // 2] if levels else None
            row = {
                "id": uuid7_at(at, self.rng),
                "created_at": at,
                "updated_at": at,
                "assessment_id": plan.id,
                "criterion_code": criterion.code,
                "value": value,
                "unknown": value is None,
                "evidence_level": evidence,
                "method": ConsensusMethod.median,
                "dissent_note": "",
                "recorded_by": plan.chair,
            }
            self.log.created("consensus_rating", row, at=at, actor=plan.chair, request_id=request)
            self.consensus.append(row)
            agreed.append(
                engine.ConsensusInput(
                    criterion=criterion.code,
                    value=value,
                    unknown=value is None,
                    evidence_level=evidence,
                )
            )
        return agreed

    def _score(
        self,
        plan: AssessmentPlan,
        row: dict[str, Any],
        context: AssessmentContext,
        ratings: list[engine.RatingInput],
        consensus: list[engine.ConsensusInput],
        at: dt.datetime,
    ) -> None:
        score = engine.score(self.definition, context, ratings=ratings, consensus=consensus)
        template = self.templates.iiaf
        result = AssessmentResult(
            assessment_id=plan.id,
            project_id=plan.project.id,
            gate=Gate(plan.gate),
            template=TemplateRef(
                id=template["id"],
                name=template["name"],
                semver=template["semver"],
                status_when_scored=str(template["status"]),
            ),
            context=row["context_snapshot"],
            scored_at=at,
            assessors=sorted(plan.assessors),
            score=score,
        )
        row |= {
            "result": result.model_dump(mode="json"),
            "scored_at": at,
            "overall_score": score.overall,
            "confidence": str(score.confidence.level),
            "recommendation": score.recommendation,
        }

    def _decide(self, plan: AssessmentPlan, row: dict[str, Any], at: dt.datetime) -> None:
        decision = plan.decision
        assert decision is not None
        rng, project = self.rng, plan.project
        count = rng.randint(1, 2) if decision.outcome == "proceed_with_conditions" else 0
        recommendation = row["recommendation"]
        overridden = decision.outcome != recommendation
        decision_row = {
            "id": decision.id,
            "created_at": at,
            "updated_at": at,
            "version": 1,
            "assessment_id": plan.id,
            "project_id": project.id,
            "gate": decision.gate,
            "outcome": decision.outcome,
            "computed_recommendation": recommendation,
            "overridden": overridden,
            "rationale": (
                "The board weighed the score against local priorities and chose "
                f"{decision.outcome}."
                if overridden
                else "Agreed with the panel's recommendation."
            ),
            "forum": "Innovation Governance Board",
            "minutes_ref": f"IGB-{at:%Y-%m}-{rng.randint(1, 40):02d}",
            "dissent": [],
            "review_by": (at + dt.timedelta(days=180)).date() if count else None,
            "decided_by": decision.decided_by,
            "decided_at": at,
            "status": DecisionStatus.conditions_open if count else DecisionStatus.recorded,
            "supersedes_id": None,
            "superseded_by_id": None,
        }
        request = self.log.request()
        actor = decision.decided_by
        self.log.created("decision", decision_row, at=at, actor=actor, request_id=request)
        for text in rng.sample(_CONDITIONS, count):
            condition = {
                "id": uuid7_at(at, rng),
                "created_at": at,
                "updated_at": at,
                "version": 1,
                "decision_id": decision.id,
                "project_id": project.id,
                "text": text,
                "owner": project.created_by,
                "due_date": (at + dt.timedelta(days=rng.randint(30, 180))).date(),
                "status": ConditionStatus.open,
                "status_note": "",
                "closed_at": None,
            }
            self.log.created(
                "decision_condition", condition, at=at, actor=actor, request_id=request
            )
            self.conditions.append(condition)
        before = {"status": row["status"], "decided_at": None, "open_key": row["open_key"]}
        row |= {
            "status": "decided",
            "decided_at": at,
            "open_key": None,
            "updated_at": at,
            "version": row["version"] + 1,
        }
        self.log.updated(
            "assessment",
            row,
            {k: (v, row[k]) for k, v in before.items()},
            at=at,
            actor=actor,
            action="decided",
            request_id=request,
        )
        self.log.domain(
            "decision.recorded",
            entity_type="decision",
            entity_id=decision.id,
            data={
                "decision_id": decision.id,
                "assessment_id": plan.id,
                "project_id": project.id,
                "gate": decision.gate,
                "outcome": decision.outcome,
                "computed_recommendation": recommendation,
                "decided_at": at,
                "supersedes_id": None,
            },
            at=at,
            actor=actor,
            request_id=request,
        )
        self.decisions.append(decision_row)


def write(world: World, target: Target) -> tuple[int, dict[str, uuid.UUID]]:
    """Write everything; returns the feed's length and each decision.recorded event's id."""
    ensure_empty(target, table_of(Assessment))
    rng = random.Random(f"assessment:{world.scale.seed}")
    plans = sorted(world.assessments, key=lambda a: a.times["created"])
    first_used = plans[0].times["created"] if plans else START
    templates = Templates(rng, first_used)
    writer = _Writer(world, rng, templates)
    templates.log(writer.log)
    for plan in plans:
        writer.assessment(plan)
    insert_rows(target, table_of(Framework), templates.rows)
    for model, rows in (
        (Assessment, writer.assessments),
        (PanelMember, writer.panel),
        (Rating, writer.ratings),
        (ConsensusRating, writer.consensus),
        (Decision, writer.decisions),
        (DecisionCondition, writer.conditions),
    ):
        insert_rows(target, table_of(model), rows)
    writer.log.sort()
    insert_rows(target, platform.audit, writer.log.audit_rows())
    insert_rows(target, platform.outbox, writer.log.outbox_rows())
    return len(writer.log), writer.log.events_of("decision.recorded")


__all__ = ["Base", "write"]
