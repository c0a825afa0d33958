"""The mapping between an innovation record (202304) and our registry, both ways, as pure
functions (docs/domain/nhs_innovation_record.md has the table).

Import: the fields a record carries set the project fields they map to; fields it leaves out
leave ours alone. Export: the stored record, with each mapped field overlaid from our registry
only where ours no longer says what the record says, so importing a record and exporting it
gives the same record back, and a later change in our registry shows in the export."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from projects_service.milestones.models import MilestoneStatus
from projects_service.nhs_record.record import RECORD_VERSION, NhsInnovationRecord
from projects_service.projects.models import Core20Plus5, InnovationType

Json = dict[str, Any]

# mainCategory → innovation type; a category we have no type for is `other`.
CATEGORY_TYPE: dict[str, InnovationType] = {
    "MEDICAL_DEVICE": InnovationType.medical_device,
    "IN_VITRO_DIAGNOSTIC": InnovationType.medical_device,
    "DIGITAL": InnovationType.digital_technology,
    "AI": InnovationType.digital_technology,
    "DATA_MONITORING": InnovationType.digital_technology,
    "MODELS_CARE": InnovationType.service_or_pathway_redesign,
    "EDUCATION": InnovationType.workforce_or_role,
}
# Our type → the mainCategory an export writes when ours was changed after the import.
TYPE_CATEGORY: dict[InnovationType, str] = {
    InnovationType.medical_device: "MEDICAL_DEVICE",
    InnovationType.digital_technology: "DIGITAL",
    InnovationType.service_or_pathway_redesign: "MODELS_CARE",
    InnovationType.workforce_or_role: "EDUCATION",
    InnovationType.organisational_or_management: "OTHER",
    InnovationType.other: "OTHER",
}
DIGITAL_CATEGORIES = ("DIGITAL", "AI", "DATA_MONITORING")
NET_ZERO_AREA = "NET_ZERO_GREENER_INNOVATION"
# Core20PLUS5's five adult clinical areas, as the record spells them.
INEQUALITY_TAG: dict[str, Core20Plus5] = {
    "MATERNITY": Core20Plus5.maternity,
    "SEVER_MENTAL_ILLNESS": Core20Plus5.severe_mental_illness,
    "CHRONIC_RESPIRATORY_DISEASE": Core20Plus5.chronic_respiratory_disease,
    "EARLY_CANCER_DIAGNOSIS": Core20Plus5.early_cancer_diagnosis,
    "HYPERTENSION_CASE_FINDING": Core20Plus5.hypertension_case_finding,
}
TAG_INEQUALITY = {tag: name for name, tag in INEQUALITY_TAG.items()}
# Regulations and standards → adoption milestone codes (the catalogue's).
STANDARD_MILESTONE: dict[str, str] = {
    "DTAC": "dtac_passed",
    "CE_UKCA_CLASS_I": "ukca_ce_marking",
    "CE_UKCA_CLASS_II_A": "ukca_ce_marking",
    "CE_UKCA_CLASS_II_B": "ukca_ce_marking",
    "CE_UKCA_CLASS_III": "ukca_ce_marking",
    "IVD_GENERAL": "ukca_ce_marking",
    "IVD_SELF_TEST": "ukca_ce_marking",
    "IVD_ANNEX_LIST_A": "ukca_ce_marking",
    "IVD_ANNEX_LIST_B": "ukca_ce_marking",
}
CARBON = "carbon_reduction_plan"
REAL_WORLD = "real_world_evidence"
MILESTONE_CODES = ("dtac_passed", "ukca_ce_marking", CARBON, REAL_WORLD)
FUNDING_SOURCE_MAX = 200
TITLE_MAX, DESCRIPTION_MAX, PROBLEM_MAX = 100, 500, 1500

# How far an answer says a milestone got: None (not started: not tracked), in progress, done.
_RANK = {None: 0, MilestoneStatus.in_progress: 1, MilestoneStatus.done: 2}
_HAS_MET = {"YES": MilestoneStatus.done, "IN_PROGRESS": MilestoneStatus.in_progress}
_CARBON_PLAN = {"YES": MilestoneStatus.done, "WORKING_ON": MilestoneStatus.in_progress}


@dataclass(frozen=True)
class MilestonePlan:
    code: str
    status: MilestoneStatus
    evidence_note: str
    pointer: str  # where in the record the answer is


@dataclass
class ImportPlan:
    """What one record sets: project fields (only those the record carries) and milestones."""

    fields: Json = field(default_factory=dict)
    pointers: dict[str, str] = field(default_factory=dict)  # our field → record pointer
    clinical_areas: list[Core20Plus5] | None = None  # the five areas, when the record says
    milestones: list[MilestonePlan] = field(default_factory=list)


def innovation_type(main_category: str | None) -> InnovationType:
    return CATEGORY_TYPE.get(main_category or "", InnovationType.other)


def is_digital(description: Json) -> bool:
    named = [*(description.get("categories") or []), description.get("mainCategory")]
    return any(category in DIGITAL_CATEGORIES for category in named)


def plan_import(record: NhsInnovationRecord) -> ImportPlan:
    plan = ImportPlan()
    doc = record.document()
    description: Json = doc["INNOVATION_DESCRIPTION"]
    needs: Json = doc.get("UNDERSTANDING_OF_NEEDS") or {}
    revenue: Json = doc.get("REVENUE_MODEL") or {}

    def take(ours: str, value: Any, pointer: str) -> None:
        plan.fields[ours] = value
        plan.pointers[ours] = pointer

    take("title", description["name"], "/INNOVATION_DESCRIPTION/name")
    if "description" in description:
        take("summary", description["description"] or "", "/INNOVATION_DESCRIPTION/description")
    if "mainCategory" in description:
        take(
            "innovation_type",
            innovation_type(description["mainCategory"]),
            "/INNOVATION_DESCRIPTION/mainCategory",
        )
    if "categories" in description or "mainCategory" in description:
        take("is_digital", is_digital(description), "/INNOVATION_DESCRIPTION/categories")
    if "areas" in description:
        areas = description["areas"] or []
        take("net_zero_relevant", NET_ZERO_AREA in areas, "/INNOVATION_DESCRIPTION/areas")
    if "problemsTackled" in needs:
        take(
            "problem_statement",
            needs["problemsTackled"] or "",
            "/UNDERSTANDING_OF_NEEDS/problemsTackled",
        )
    if "keyHealthInequalities" in needs:
        named = needs["keyHealthInequalities"] or []
        plan.clinical_areas = sorted({INEQUALITY_TAG[n] for n in named if n in INEQUALITY_TAG})
        plan.pointers["core20plus5_tags"] = "/UNDERSTANDING_OF_NEEDS/keyHealthInequalities"
    funding = revenue.get("fundingDescription")
    # Longer descriptions stay in the record only: our field names a source, not a story.
    if funding and len(funding) <= FUNDING_SOURCE_MAX:
        take("funding_source", funding, "/REVENUE_MODEL/fundingDescription")
    plan.milestones = _milestone_plans(doc)
    return plan


def _milestone_plans(doc: Json) -> list[MilestonePlan]:
    plans: list[MilestonePlan] = []
    for code, (status, pointer, note) in _standard_answers(doc).items():
        if status is not None:
            plans.append(MilestonePlan(code, status, note, pointer))
    needs: Json = doc.get("UNDERSTANDING_OF_NEEDS") or {}
    carbon = _CARBON_PLAN.get(needs.get("carbonReductionPlan") or "")
    if carbon is not None:
        plans.append(
            MilestonePlan(
                CARBON,
                carbon,
                "Declared in the NHS Innovation Service record "
                "(UNDERSTANDING_OF_NEEDS.carbonReductionPlan).",
                "/UNDERSTANDING_OF_NEEDS/carbonReductionPlan",
            )
        )
    for index, evidence in enumerate(doc.get("evidences") or []):
        if evidence["evidenceSubmitType"] == "REAL_WORLD":
            note = evidence.get("summary") or "Real-world evidence in the NHS Innovation Service."
            plans.append(
                MilestonePlan(REAL_WORLD, MilestoneStatus.done, note, f"/evidences/{index}")
            )
            break
    return plans


def _standard_answers(doc: Json) -> dict[str, tuple[MilestoneStatus | None, str, str]]:
    """Per milestone code: how far the record's standards say it got (several markings for one
    code: the least advanced, as marking is done only when every marking is), and where."""
    standards = (doc.get("REGULATIONS_AND_STANDARDS") or {}).get("standards") or []
    answers: dict[str, tuple[MilestoneStatus | None, str, str]] = {}
    for index, standard in enumerate(standards):
        code = STANDARD_MILESTONE.get(standard["type"])
        if code is None:
            continue
        status = _HAS_MET.get(standard.get("hasMet") or "")
        pointer = f"/REGULATIONS_AND_STANDARDS/standards/{index}/hasMet"
        note = (
            "Declared met in the NHS Innovation Service record "
            f"(REGULATIONS_AND_STANDARDS: {standard['type']})."
        )
        if code not in answers or _RANK[status] < _RANK[answers[code][0]]:
            answers[code] = (status, pointer, note)
    return answers


def merged_tags(current: Iterable[str], clinical_areas: Iterable[Core20Plus5]) -> list[str]:
    """Our Core20PLUS5 tags with the five clinical areas replaced by the record's."""
    kept = {tag for tag in current if tag not in TAG_INEQUALITY}
    return sorted(kept | {str(tag) for tag in clinical_areas})


# Export.


@dataclass(frozen=True)
class RegistryView:
    """What an export reads from our side."""

    title: str
    summary: str
    problem_statement: str
    innovation_type: InnovationType
    is_digital: bool
    net_zero_relevant: bool
    core20plus5_tags: list[str]
    funding_source: str | None
    milestones: dict[str, MilestoneStatus]  # adoption code → status, the tracked ones


def _reached(status: MilestoneStatus) -> MilestoneStatus | None:
    """A tracked milestone as the record would say it: planned or missed is "not yet"."""
    return status if status in _RANK else None


def export_record(stored: Json | None, ours: RegistryView) -> Json:
    doc: Json = copy.deepcopy(stored) if stored else {"version": RECORD_VERSION}
    description: Json = doc.setdefault("INNOVATION_DESCRIPTION", {})
    description["name"] = (
        ours.title if description.get("name") == ours.title else ours.title[:TITLE_MAX].strip()
    )
    _overlay_text(description, "description", ours.summary, DESCRIPTION_MAX)
    if innovation_type(description.get("mainCategory")) is not ours.innovation_type:
        description["mainCategory"] = TYPE_CATEGORY[ours.innovation_type]
    if is_digital(description) is not ours.is_digital:
        _set_digital(description, ours)
    areas = list(description.get("areas") or [])
    if (NET_ZERO_AREA in areas) is not ours.net_zero_relevant:
        areas = (
            [*areas, NET_ZERO_AREA]
            if ours.net_zero_relevant
            else [area for area in areas if area != NET_ZERO_AREA]
        )
        _set_list(description, "areas", areas)
    _overlay_needs(doc, ours)
    if ours.funding_source and ours.funding_source != (doc.get("REVENUE_MODEL") or {}).get(
        "fundingDescription"
    ):
        doc.setdefault("REVENUE_MODEL", {})["fundingDescription"] = ours.funding_source
    _overlay_standards(doc, ours.milestones)
    return doc


def _overlay_text(section: Json, key: str, value: str, limit: int) -> None:
    if (section.get(key) or "") == value:
        return
    if value:
        section[key] = value[:limit]
    else:
        section.pop(key, None)


def _set_list(section: Json, key: str, values: list[str]) -> None:
    # The record's lists hold at least one item: an emptied list leaves the record.
    if values:
        section[key] = values
    else:
        section.pop(key, None)


def _set_digital(description: Json, ours: RegistryView) -> None:
    categories = list(description.get("categories") or [])
    if ours.is_digital:
        _set_list(description, "categories", [*categories, "DIGITAL"])
        return
    _set_list(description, "categories", [c for c in categories if c not in DIGITAL_CATEGORIES])
    if description.get("mainCategory") in DIGITAL_CATEGORIES:
        description["mainCategory"] = "OTHER"


def _overlay_needs(doc: Json, ours: RegistryView) -> None:
    needs: Json = doc.get("UNDERSTANDING_OF_NEEDS") or {}
    _overlay_text(needs, "problemsTackled", ours.problem_statement, PROBLEM_MAX)
    named = needs.get("keyHealthInequalities") or []
    theirs = {INEQUALITY_TAG[n] for n in named if n in INEQUALITY_TAG}
    wanted = {Core20Plus5(tag) for tag in ours.core20plus5_tags if tag in TAG_INEQUALITY}
    if theirs != wanted:
        if wanted:
            needs["keyHealthInequalities"] = [TAG_INEQUALITY[tag] for tag in sorted(wanted)]
        elif named:
            needs["keyHealthInequalities"] = ["NONE"]
    carbon = ours.milestones.get(CARBON)
    if carbon is not None and carbon is not MilestoneStatus.cancelled:
        answer = {MilestoneStatus.done: "YES", MilestoneStatus.in_progress: "WORKING_ON"}
        said = _CARBON_PLAN.get(needs.get("carbonReductionPlan") or "")
        if said is not _reached(carbon):
            needs["carbonReductionPlan"] = answer.get(carbon, "NO")
    if needs:
        doc["UNDERSTANDING_OF_NEEDS"] = needs


def _overlay_standards(doc: Json, milestones: dict[str, MilestoneStatus]) -> None:
    answers = _standard_answers(doc)
    has_met = {MilestoneStatus.done: "YES", MilestoneStatus.in_progress: "IN_PROGRESS"}
    for code in ("dtac_passed", "ukca_ce_marking"):
        status = milestones.get(code)
        if status is None or status is MilestoneStatus.cancelled:
            continue
        reached = _reached(status)
        if code in answers:
            if answers[code][0] is reached:
                continue
            for standard in doc["REGULATIONS_AND_STANDARDS"]["standards"]:
                if STANDARD_MILESTONE.get(standard["type"]) == code:
                    standard["hasMet"] = has_met.get(status, "NOT_YET")
        elif code == "dtac_passed":
            # A DTAC we track and the record never listed; a marking's class we cannot know.
            section = doc.setdefault("REGULATIONS_AND_STANDARDS", {})
            standards = section.setdefault("standards", [])
            standards.append({"type": "DTAC", "hasMet": has_met.get(status, "NOT_YET")})
