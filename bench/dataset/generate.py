"""One run: plan the world, migrate each service's database, write it, count and measure."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import MetaData

from bench.dataset import SERVICES, assessment, projects, stakeholders
from bench.dataset.plan import Scale, build_world
from bench.dataset.store import DEFAULT_PG, Target, counts, finish, prepare

METADATA: dict[str, MetaData] = {
    "projects": projects.Base.metadata,
    "assessment": assessment.Base.metadata,
    "stakeholders": stakeholders.Base.metadata,
}


@dataclass
class Report:
    urls: dict[str, str] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def run(
    scale: Scale,
    *,
    backend: str = "sqlite",
    out: Path = Path("var/bench"),
    urls: Mapping[str, str] | None = None,
    admin_dsn: str = DEFAULT_PG,
    say: Callable[[str], None] = lambda _: None,
) -> Report:
    report, started = Report(), time.perf_counter()

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        report.seconds[name] = round(now - since, 2)
        say(f"{name}: {now - since:.1f} s")
        return now

    world = build_world(scale)
    mark = lap("plan", started)
    targets: dict[str, Target] = {}
    for service in SERVICES:
        given = (urls or {}).get(service)
        targets[service] = prepare(
            service, backend=backend, out=out, url=given, admin_dsn=admin_dsn
        )
        report.urls[service] = targets[service].url
    mark = lap("migrate", mark)
    assessment_feed, decisions = assessment.write(world, targets["assessment"])
    mark = lap("assessment", mark)
    stakeholders_feed = stakeholders.write(world, targets["stakeholders"])
    mark = lap("stakeholders", mark)
    # The projects feed comes last: registry edits top the three feeds up to the target.
    natural = projects.natural_events(world)
    target_events = round(scale.events * scale.projects)
    projects.write(
        world,
        targets["projects"],
        feeds={"assessment": assessment_feed, "stakeholders": stakeholders_feed},
        consumed=decisions,
        extra_events=target_events - natural - assessment_feed - stakeholders_feed,
    )
    mark = lap("projects", mark)
    for service, target in targets.items():
        report.counts[service] = counts(target, METADATA[service])
        report.sizes[service] = finish(target)
    lap("count+analyse", mark)
    report.seconds["total"] = round(time.perf_counter() - started, 2)
    return report
