"""Attainment by progress-marker level over time: one line per level (expect, like, love to
see), the share of the level's markers attained in each journal period (0-100%), periods along
the bottom oldest first. Each period with a share is a `circle` of class `point`; each level's
line a `path` of class `series`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from reporting_service.rendering.labels import label
from reporting_service.rendering.svg import (
    GRID,
    MUTED,
    SERIES,
    element,
    figure,
    frame,
    group,
    line,
    no_data,
    percent,
    rect,
    text,
)

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56.0, 40.0, 34.0, 46.0


@dataclass(frozen=True)
class LevelLine:
    level: str
    points: tuple[tuple[dt.date, float | None], ...]  # (period end, share attained)


def attainment(lines: Sequence[LevelLine]) -> Markup:
    title = "Attainment by marker level"
    periods = sorted({period for series in lines for period, share in series.points})
    if not any(share is not None for series in lines for _, share in series.points):
        return no_data("attainment", title, "no outcome journal has rated a marker yet.")
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(periods) - 1, 1)
    x_of = {
        period: LEFT + (i * step if len(periods) > 1 else inner_w / 2)
        for i, period in enumerate(periods)
    }

    def y_of(share: float) -> float:
        return TOP + inner_h * (1 - min(max(share, 0.0), 1.0))

    body: list[Markup] = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y_of(tick)
        body.append(line(LEFT, y, WIDTH - RIGHT, y, stroke=GRID, stroke_width=0.5))
        body.append(text(LEFT - 6, y + 4, percent(tick), text_anchor="end", fill=MUTED))
    for period in periods:
        body.append(
            text(x_of[period], HEIGHT - BOTTOM + 18, f"{period:%b %Y}", text_anchor="middle")
        )
    legend_x = LEFT
    for index, series in enumerate(lines):
        colour = SERIES[index % len(SERIES)]
        known = [(x_of[p], y_of(s)) for p, s in series.points if s is not None]
        if len(known) > 1:
            d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in known)
            body.append(
                element(
                    "path",
                    {
                        "d": d,
                        "fill": "none",
                        "stroke": colour,
                        "stroke-width": 2,
                        "class": "series",
                    },
                )
            )
        body.append(
            group(
                element("circle", {"cx": x, "cy": y, "r": 4, "fill": colour, "class": "point"})
                for x, y in known
            )
        )
        body.append(rect(legend_x, 8, 12, 12, fill=colour))
        body.append(text(legend_x + 17, 18, label(series.level)))
        legend_x += 30 + 7 * len(label(series.level))
    description = "; ".join(
        f"{label(series.level)}: "
        + ", ".join(f"{period:%b %Y} {percent(share)}" for period, share in series.points)
        for series in lines
    )
    svg = frame("attainment", title, description + ".", WIDTH, HEIGHT, body)
    return figure(
        svg, "Share of each level's progress markers attained (rated medium or high) per period."
    )
