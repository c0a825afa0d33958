"""Horizontal bar charts: the gate funnel (entered, decided, proceeded per gate), days in stage
(median and 90th percentile per stage) and plain counts (projects by stage). One row of bars
per category, a value written at the end of each bar, a legend in words; every bar is a
`rect` of class `bar` (and `bar-<series>`), which the tests count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from reporting_service.rendering.labels import label
from reporting_service.rendering.svg import (
    GRID,
    MUTED,
    SERIES,
    UNKNOWN,
    figure,
    fmt,
    frame,
    group,
    line,
    no_data,
    percent,
    rect,
    text,
)

WIDTH = 640
LABEL_WIDTH = 180
VALUE_WIDTH = 70
BAR = 12
GAP = 3
ROW_GAP = 12
LEGEND = 26


@dataclass(frozen=True)
class Series:
    key: str
    name: str
    colour: str


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class FunnelStep:
    gate: str
    entered: int
    decided: int
    proceeded: int
    conversion: float | None


@dataclass(frozen=True)
class StageDays:
    stage: str
    median: float | None
    p90: float | None
    stays: int


def _legend(series: Sequence[Series]) -> list[Markup]:
    marks, x = [], float(LABEL_WIDTH)
    for item in series:
        marks.append(rect(x, 6, 12, 12, fill=item.colour))
        marks.append(text(x + 17, 16, item.name))
        x += 24 + 7 * len(item.name)
    return marks


def _bars(
    name: str,
    title: str,
    description: str,
    caption: str,
    series: Sequence[Series],
    rows: Sequence[Row],
    unit: str = "",
) -> Markup:
    top = LEGEND if len(series) > 1 else 6
    row_height = len(series) * (BAR + GAP) - GAP
    height = top + len(rows) * (row_height + ROW_GAP) + 4
    biggest = max((v for row in rows for v in row.values if v is not None), default=0.0) or 1.0
    scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / biggest
    body: list[Markup] = _legend(series) if len(series) > 1 else []
    y = float(top)
    for row in rows:
        body.append(text(LABEL_WIDTH - 8, y + row_height / 2 + 4, row.label, text_anchor="end"))
        bars = []
        for index, (item, value) in enumerate(zip(series, row.values, strict=True)):
            bar_y = y + index * (BAR + GAP)
            width = (value or 0.0) * scale
            if value is not None:
                bars.append(
                    rect(
                        LABEL_WIDTH,
                        bar_y,
                        max(width, 1.0),
                        BAR,
                        fill=item.colour,
                        class_=f"bar bar-{item.key}",
                    )
                )
            shown = fmt(value) + unit if value is not None else UNKNOWN
            bars.append(text(LABEL_WIDTH + width + 4, bar_y + BAR - 2, shown, fill=MUTED))
        body.append(group(bars, class_="row"))
        y += row_height + ROW_GAP
    body.append(line(LABEL_WIDTH, top - 2, LABEL_WIDTH, y - ROW_GAP + 2, stroke=GRID))
    svg = frame(name, title, description, WIDTH, int(height), body)
    return figure(svg, caption)


FUNNEL_SERIES = (
    Series("entered", "Entered", SERIES[0]),
    Series("decided", "Decided", SERIES[1]),
    Series("proceeded", "Proceeded", SERIES[2]),
)


def gate_funnel(steps: Sequence[FunnelStep]) -> Markup:
    title = "Gate funnel"
    if not steps:
        return no_data("gate-funnel", title, "no project has reached a gate.")
    rows = [Row(label(step.gate), (step.entered, step.decided, step.proceeded)) for step in steps]
    description = "; ".join(
        f"{label(s.gate)}: {s.entered} entered, {s.decided} decided, {s.proceeded} proceeded "
        f"(conversion {percent(s.conversion)})"
        for s in steps
    )
    return _bars(
        "gate-funnel",
        title,
        description + ".",
        "Projects that entered each gate, were decided there and proceeded.",
        FUNNEL_SERIES,
        rows,
    )


DAYS_SERIES = (
    Series("median", "Median days", SERIES[0]),
    Series("p90", "90th percentile", SERIES[2]),
)


def days_in_stage(stages: Sequence[StageDays]) -> Markup:
    title = "Days in stage"
    measured = [s for s in stages if s.median is not None or s.p90 is not None]
    if not measured:
        return no_data("days-in-stage", title, "no completed stay in any stage in the period.")
    rows = [Row(label(s.stage), (s.median, s.p90)) for s in measured]
    description = "; ".join(
        f"{label(s.stage)}: median {fmt(s.median)} days, 90th percentile {fmt(s.p90)} days "
        f"over {s.stays} completed stays"
        for s in measured
    )
    return _bars(
        "days-in-stage",
        title,
        description + ".",
        "Median and 90th-percentile days of the stays completed in the period, by stage.",
        DAYS_SERIES,
        rows,
        unit=" d",
    )


def counts(name: str, title: str, caption: str, items: Sequence[tuple[str, int | None]]) -> Markup:
    """One bar per category; a withheld count (None) is written `UNKNOWN` without a bar."""
    if not items or all(not count for _, count in items):
        return no_data(name, title, "nothing to count.")
    rows = [Row(category, (count,)) for category, count in items]
    description = "; ".join(f"{category}: {fmt(count)}" for category, count in items)
    series = (Series("count", "Count", SERIES[0]),)
    return _bars(name, title, description + ".", caption, series, rows)
