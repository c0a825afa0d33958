"""From a report to its charts: each chart's figures read from the report's sections, and the
chart (or its "no data" figure, which says when the section is missing from a partial report).

The sections the upstreams pass through (an assessment, an engagement picture, attainment) are
read with small tolerant models: a field a chart needs that is absent leaves that chart empty
rather than failing the page.

The radar's assessor range is worked out here from the assessors' own ratings: each assessor's
domain score is the template-weighted mean of their ratings' positions (0-1) on the domain's
criteria, as the assessment service normalises a rating (integer scales by their range;
complexity and "met" scales by their category scores; a reverse-scored criterion, recognised
because its moderated score is one minus its consensus position, turned round). Numeric
criteria (scored by bands the pack does not carry) and unscored scales stay out of the range.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, ValidationError

from reporting_service.dossier.schemas import Dossier
from reporting_service.evidence.schemas import EvidencePack
from reporting_service.portfolio.schemas import PortfolioReport
from reporting_service.rendering import bars, grid, lines, radar
from reporting_service.rendering.labels import day, label
from reporting_service.rendering.svg import no_data
from reporting_service.scope import ReportEnvelope

Charts = dict[str, Markup]

INTEGER_SCALES = {
    "ordinal_0_4": (0, 4),
    "likert_1_5": (1, 5),
    "valence_m2_p2": (-2, 2),
    "evidence_level_1_5": (1, 5),
}
CATEGORY_SCALES = {
    "complexity_3": {"simple": 1.0, "complicated": 0.5, "complex": 0.0},
    "met_3": {"met": 1.0, "partly": 0.5, "not_met": 0.0},
}
LEVELS = ("expect_to_see", "like_to_see", "love_to_see")
MISSING = "this section is missing."


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Domain(_Tolerant):
    code: str
    label: str | None = None
    score: float | None = None


class _Rating(_Tolerant):
    assessor: str
    value: int | float | str | None = None
    unknown: bool = False


class _Criterion(_Tolerant):
    code: str
    domain: str
    scale: str
    weight: float = 1.0
    consensus: int | float | str | None = None
    normalised: float | None = None
    ratings: list[_Rating] = []


class _Assessment(_Tolerant):
    domains: list[_Domain] = []
    criteria: list[_Criterion] = []


class _Quadrant(_Tolerant):
    quadrant: str
    count: int | None = None


class _Stakeholders(_Tolerant):
    threshold: int | None = None
    mendelow: list[_Quadrant] = []


class _Engagement(_Tolerant):
    stakeholders: _Stakeholders | None = None


class _Period(_Tolerant):
    period_end: dt.date
    markers: int = 0
    attained: int = 0


class _Series(_Tolerant):
    level: str
    periods: list[_Period] = []


class _Attainment(_Tolerant):
    series: list[_Series] = []


def _read(model: type[_Tolerant], section: BaseModel | None) -> Any:
    if section is None:
        return None
    try:
        return model.model_validate(section.model_dump(mode="json"))
    except ValidationError:
        return None


def _absent(report: ReportEnvelope, section: str, name: str, title: str, default: str) -> Markup:
    """The empty figure of a chart: why it is empty (a missing section names its service)."""
    for missing in report.missing_sections:
        if missing.section == section or missing.section.startswith(f"{section}."):
            reason = f"this section is missing: the {missing.service} service did not answer."
            return no_data(name, title, reason)
    return no_data(name, title, default)


# --- the portfolio ---------------------------------------------------------------------------


def portfolio_charts(report: PortfolioReport) -> Charts:
    charts: Charts = {}
    if report.counts is None:
        charts["stages"] = _absent(report, "counts", "stages", "Projects by stage", MISSING)
    else:
        items = [(label(item.key), item.count) for item in report.counts.by_stage]
        charts["stages"] = bars.counts(
            "stages", "Projects by stage", f"Projects by stage as of {day(report.as_of)}.", items
        )
    if report.gate_funnel is None:
        charts["gate_funnel"] = _absent(
            report, "gate_funnel", "gate-funnel", "Gate funnel", MISSING
        )
    else:
        charts["gate_funnel"] = bars.gate_funnel(
            [
                bars.FunnelStep(f.gate, f.entered, f.decided, f.proceeded, f.conversion)
                for f in report.gate_funnel
            ]
        )
    if report.days_in_stage is None:
        charts["days_in_stage"] = _absent(
            report, "days_in_stage", "days-in-stage", "Days in stage", MISSING
        )
    else:
        charts["days_in_stage"] = bars.days_in_stage(
            [
                bars.StageDays(d.stage, d.median_days, d.p90_days, d.stays)
                for d in report.days_in_stage
            ]
        )
    return charts


# --- an assessment's radar -------------------------------------------------------------------


def _position(scale: str, value: int | float | str | None) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if scale in INTEGER_SCALES and isinstance(value, int | float):
        low, high = INTEGER_SCALES[scale]
        return (float(value) - low) / (high - low)
    if scale in CATEGORY_SCALES and isinstance(value, str):
        return CATEGORY_SCALES[scale].get(value)
    return None


def _reversed(criterion: _Criterion) -> bool:
    consensus = _position(criterion.scale, criterion.consensus)
    if consensus is None or criterion.normalised is None:
        return False
    return (
        abs(consensus - criterion.normalised) > 1e-6
        and abs(1 - consensus - criterion.normalised) <= 1e-6
    )


def assessor_ranges(assessment: _Assessment) -> dict[str, tuple[float, float]]:
    """Per domain: the lowest and highest assessor's own domain score (see the docstring)."""
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    for criterion in assessment.criteria:
        turned = _reversed(criterion)
        for rating in criterion.ratings:
            position = None if rating.unknown else _position(criterion.scale, rating.value)
            if position is None:
                continue
            score = 1 - position if turned else position
            total = sums[criterion.domain][rating.assessor]
            total[0] += criterion.weight * score
            total[1] += criterion.weight
    ranges = {}
    for domain, by_assessor in sums.items():
        scores = [weighted / weight for weighted, weight in by_assessor.values() if weight > 0]
        if scores:
            ranges[domain] = (min(scores), max(scores))
    return ranges


def radar_axes(assessment: _Assessment) -> list[radar.RadarAxis]:
    ranges = assessor_ranges(assessment)
    axes = []
    for domain in assessment.domains:
        low, high = ranges.get(domain.code, (None, None))
        axes.append(radar.RadarAxis(domain.label or label(domain.code), domain.score, low, high))
    return axes


def _power_interest(
    report: ReportEnvelope, engagement: BaseModel | None, section: str = "engagement"
) -> Markup:
    title = "Stakeholder power and interest"
    picture = _read(_Engagement, engagement)
    if picture is None or picture.stakeholders is None:
        return _absent(report, section, "power-interest", title, "no stakeholder picture.")
    counts = {q.quadrant: q.count for q in picture.stakeholders.mendelow}
    return grid.power_interest(counts, picture.stakeholders.threshold)


def evidence_charts(pack: EvidencePack) -> Charts:
    assessment = _read(_Assessment, pack.assessment)
    if assessment is None:
        chart = _absent(pack, "assessment", "domain-radar", "Domain scores", "no assessment.")
    else:
        chart = radar.radar(radar_axes(assessment))
    return {"radar": chart, "power_interest": _power_interest(pack, pack.engagement)}


# --- the dossier -----------------------------------------------------------------------------


def level_lines(document: _Attainment) -> list[lines.LevelLine]:
    """Per marker level and period: markers attained over markers, every partner together."""
    totals: dict[str, dict[dt.date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for series in document.series:
        for period in series.periods:
            total = totals[series.level][period.period_end]
            total[0] += period.attained
            total[1] += period.markers
    order = [level for level in LEVELS if level in totals] + sorted(set(totals) - set(LEVELS))
    return [
        lines.LevelLine(
            level,
            tuple(
                (end, attained / markers if markers else None)
                for end, (attained, markers) in sorted(totals[level].items())
            ),
        )
        for level in order
    ]


def dossier_charts(dossier: Dossier) -> Charts:
    document = _read(_Attainment, dossier.attainment)
    title = "Attainment by marker level"
    if document is None:
        chart = _absent(dossier, "attainment", "attainment", title, "no attainment read.")
    else:
        chart = lines.attainment(level_lines(document))
    return {"attainment": chart, "power_interest": _power_interest(dossier, dossier.engagement)}
