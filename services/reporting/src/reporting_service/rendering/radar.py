"""The radar of an assessment's domain scores (0-1, one spoke per domain, clockwise from the
top) with the assessors' range as a shaded band between the lowest and the highest assessor's
own domain score. Each scored domain is a `circle` of class `point`; the band is the `path` of
class `range`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from reporting_service.rendering.svg import (
    GRID,
    MUTED,
    SERIES,
    element,
    figure,
    fmt,
    frame,
    group,
    line,
    no_data,
    text,
)

WIDTH, HEIGHT = 560, 350
CX, CY, RADIUS = 280.0, 175.0, 140.0
RINGS = (0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class RadarAxis:
    label: str
    score: float | None
    low: float | None = None
    high: float | None = None


def _point(index: int, count: int, value: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    distance = RADIUS * min(max(value, 0.0), 1.0)
    return CX + distance * math.cos(angle), CY + distance * math.sin(angle)


def _polygon(values: Sequence[float]) -> str:
    points = [_point(i, len(values), v) for i, v in enumerate(values)]
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points) + " Z"


def _grid(count: int) -> list[Markup]:
    marks = [
        element("path", {"d": _polygon([ring] * count), "fill": "none", "stroke": GRID})
        for ring in RINGS
    ]
    for index in range(count):
        x, y = _point(index, count, 1.0)
        marks.append(line(CX, CY, x, y, stroke=GRID))
    for ring in RINGS[:-1]:  # the outer ring (1) is where the top domain's label sits
        marks.append(text(CX + 3, CY - RADIUS * ring - 2, fmt(ring, digits=2), fill=MUTED))
    return marks


def _axis_label(index: int, count: int, axis: RadarAxis) -> Markup:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    x = CX + (RADIUS + 12) * math.cos(angle)
    y = CY + (RADIUS + 12) * math.sin(angle) + 4
    anchor = "middle" if abs(math.cos(angle)) < 0.3 else ("start" if math.cos(angle) > 0 else "end")
    return text(x, y, f"{axis.label} {fmt(axis.score, digits=2)}", text_anchor=anchor)


def radar(axes: Sequence[RadarAxis]) -> Markup:
    title = "Domain scores"
    if not any(axis.score is not None for axis in axes):
        return no_data("domain-radar", title, "no domain of this assessment has a score.")
    count = len(axes)
    scores = [axis.score or 0.0 for axis in axes]
    body = _grid(count)
    ranged = [a for a in axes if a.low is not None and a.high is not None]
    if ranged:
        highs = [a.high if a.high is not None else a.score or 0.0 for a in axes]
        lows = [a.low if a.low is not None else a.score or 0.0 for a in axes]
        body.append(
            element(
                "path",
                {
                    "d": _polygon(highs) + " " + _polygon(lows),
                    "fill": SERIES[1],
                    "fill-opacity": 0.25,
                    "fill-rule": "evenodd",
                    "stroke": SERIES[1],
                    "stroke-dasharray": "3 2",
                    "class": "range",
                },
            )
        )
    body.append(
        element(
            "path",
            {"d": _polygon(scores), "fill": "none", "stroke": SERIES[0], "stroke-width": 2},
        )
    )
    points = []
    for index, axis in enumerate(axes):
        if axis.score is not None:
            x, y = _point(index, count, axis.score)
            points.append(
                element("circle", {"cx": x, "cy": y, "r": 4, "fill": SERIES[0], "class": "point"})
            )
    body.append(group(points))
    body += [_axis_label(index, count, axis) for index, axis in enumerate(axes)]
    description = "; ".join(
        f"{a.label}: {fmt(a.score, digits=2)}"
        + (
            f" (assessors {fmt(a.low, digits=2)} to {fmt(a.high, digits=2)})"
            if a.low is not None and a.high is not None
            else ""
        )
        for a in axes
    )
    svg = frame("domain-radar", title, description + ".", WIDTH, HEIGHT, body)
    caption = (
        "Moderated domain scores (0 to 1, the line) and the range of the assessors' own domain "
        "scores (the shaded band)."
        if ranged
        else "Moderated domain scores (0 to 1)."
    )
    return figure(svg, caption)
