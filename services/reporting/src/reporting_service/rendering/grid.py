"""The stakeholder power/interest grid (Mendelow): four cells, power up the side and interest
along the bottom, each with its quadrant's name, its count of stakeholders and a disc whose area
is proportional to the count. Cells are `rect`s of class `cell`, discs `circle`s of class
`point`."""

from __future__ import annotations

import math
from collections.abc import Mapping

from markupsafe import Markup

from reporting_service.rendering.labels import label
from reporting_service.rendering.svg import (
    GRID,
    MUTED,
    SERIES,
    UNKNOWN,
    element,
    figure,
    frame,
    no_data,
    rect,
    text,
)

LEFT, TOP, CELL = 40.0, 10.0, 160.0
WIDTH, HEIGHT = int(LEFT + 2 * CELL + 20), int(TOP + 2 * CELL + 34)
MAX_RADIUS = 55.0

# (column, row) of each quadrant: column 1 = high interest, row 0 = high power.
QUADRANTS = {
    "keep_satisfied": (0, 0),
    "manage_closely": (1, 0),
    "monitor": (0, 1),
    "keep_informed": (1, 1),
}


def power_interest(counts: Mapping[str, int | None], threshold: int | None = None) -> Markup:
    """`counts`: stakeholders per Mendelow quadrant (a missing quadrant counts 0; None is a
    count withheld for this caller, written `UNKNOWN`)."""
    title = "Stakeholder power and interest"
    known = {quadrant: counts.get(quadrant, 0) for quadrant in QUADRANTS}
    if all(count == 0 for count in known.values()):
        return no_data("power-interest", title, "no stakeholder assessed by this date.")
    biggest = max(count or 0 for count in known.values()) or 1
    body: list[Markup] = []
    for quadrant, (column, row) in QUADRANTS.items():
        x, y = LEFT + column * CELL, TOP + row * CELL
        count = known[quadrant]
        body.append(rect(x, y, CELL, CELL, fill="#ffffff", stroke=GRID, class_="cell"))
        body.append(text(x + 8, y + 18, label(quadrant)))
        if count:
            radius = MAX_RADIUS * math.sqrt(count / biggest)
            body.append(
                element(
                    "circle",
                    {
                        "cx": x + CELL / 2,
                        "cy": y + CELL / 2 + 8,
                        "r": max(radius, 3.0),
                        "fill": SERIES[0],
                        "fill-opacity": 0.85,
                        "class": "point",
                    },
                )
            )
        shown = UNKNOWN if count is None else str(count)
        body.append(text(x + CELL - 8, y + CELL - 10, shown, text_anchor="end", font_weight="bold"))
    bottom = TOP + 2 * CELL
    body.append(text(LEFT, bottom + 22, "Interest (low → high)"))
    body.append(
        text(
            18,
            TOP + CELL,
            "Power (low → high)",
            text_anchor="middle",
            transform=f"rotate(-90 18 {TOP + CELL:.0f})",
        )
    )
    if threshold is not None:
        body.append(
            text(
                LEFT + 2 * CELL,
                bottom + 22,
                f"high: score ≥ {threshold}",
                text_anchor="end",
                fill=MUTED,
            )
        )
    description = "; ".join(
        f"{label(q)}: {'withheld' if known[q] is None else known[q]}" for q in QUADRANTS
    )
    svg = frame("power-interest", title, description + ".", WIDTH, HEIGHT, body)
    return figure(svg, "Stakeholders by Mendelow quadrant (power against interest).")
