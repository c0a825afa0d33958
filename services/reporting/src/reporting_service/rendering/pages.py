"""The four reports as printable HTML pages: Jinja2 templates (shipped in this package's
`templates/`, autoescaped, strict about undefined names) filled with the report as data and its
charts as inline SVG (`views`). The page runs no script and fetches nothing: its styles are
inline (`templates/report.css`, A4 print rules included)."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel

from reporting_service.board_pack.schemas import BoardPack
from reporting_service.dossier.schemas import Dossier
from reporting_service.evidence.schemas import EvidencePack
from reporting_service.portfolio.schemas import PortfolioReport
from reporting_service.rendering import views
from reporting_service.rendering.labels import day, label, when
from reporting_service.rendering.svg import UNKNOWN, fmt, percent


def _number(value: object, digits: int = 1) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return UNKNOWN if value is None else str(value)
    return fmt(float(value), digits=digits)


def _percent(value: object) -> str:
    return percent(float(value)) if isinstance(value, int | float) else UNKNOWN


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reporting_service.rendering", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(label=label, when=when, day=day, number=_number, percent=_percent)
    return env


def _render(template: str, report: BaseModel, title: str, **context: Any) -> str:
    data = report.model_dump(by_alias=True)
    page = environment().get_template(template)
    return page.render(report=data, title=title, **context)


def portfolio_page(report: PortfolioReport) -> str:
    return _render(
        "portfolio.html", report, "Portfolio report", charts=views.portfolio_charts(report)
    )


def evidence_page(pack: EvidencePack) -> str:
    reference = pack.project.reference if pack.project else None
    title = "Decision evidence pack" + (f": {reference}" if reference else "")
    return _render("evidence.html", pack, title, charts=views.evidence_charts(pack))


def board_pack_page(pack: BoardPack) -> str:
    meeting = pack.meeting.forum or "Decisions of the period"
    if pack.meeting.meeting_date is not None:
        meeting += f", {day(pack.meeting.meeting_date)}"
    return _render("board_pack.html", pack, f"Board pack: {meeting}")


def dossier_page(dossier: Dossier) -> str:
    project = dossier.project
    title = "Project dossier" + (f": {project.reference} {project.title}" if project else "")
    return _render("dossier.html", dossier, title, charts=views.dossier_charts(dossier))
