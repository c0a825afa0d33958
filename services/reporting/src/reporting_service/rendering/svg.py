"""SVG in a few functions: elements with escaped text and attributes, the accessible frame every
chart is drawn in (`role="img"`, `<title>` and `<desc>` named by `aria-labelledby`), and the
"no data" figure a chart becomes when it has nothing to draw.

Every string that reaches the page passes through `markupsafe.escape` here (labels come from
the upstreams: a directorate may be called `<Medicine & Surgery>`), so the chart modules build
markup only from these functions and never format tags themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from markupsafe import Markup, escape

Attr = str | int | float | None

# How a figure that is unknown or withheld is written (an en dash).
UNKNOWN = "\u2013"

# Colours against the white page: each at least 4.5:1 (text) or 3:1 (bars, marks: WCAG 1.4.11).
INK = "#1a1a1a"
MUTED = "#4d4d4d"
GRID = "#8c8c8c"
SERIES = ("#1d4e89", "#2f7d4f", "#a4431a", "#6b3fa0", "#7a5c00")


def _number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(attrs: Mapping[str, Attr]) -> str:
    parts = []
    for name, value in attrs.items():
        if value is None:
            continue
        shown = _number(value) if isinstance(value, float) else str(value)
        parts.append(f' {name.rstrip("_").replace("_", "-")}="{escape(shown)}"')
    return "".join(parts)


def element(tag: str, attrs: Mapping[str, Attr] | None = None, *children: str | Markup) -> Markup:
    """`<tag ...>children</tag>`; a plain `str` child is text (escaped), a `Markup` one markup."""
    inner = "".join(str(escape(child)) for child in children)
    opening = f"<{tag}{_attrs(attrs or {})}"
    # Safe: the tag is ours, every attribute value and text child was escaped above.
    markup = f"{opening}>{inner}</{tag}>" if children else f"{opening}/>"
    return Markup(markup)  # noqa: S704


def text(x: float, y: float, content: str, **attrs: Attr) -> Markup:
    return element("text", {"x": x, "y": y, "fill": INK, **attrs}, content)


def rect(x: float, y: float, width: float, height: float, **attrs: Attr) -> Markup:
    return element("rect", {"x": x, "y": y, "width": max(width, 0.0), "height": height, **attrs})


def line(x1: float, y1: float, x2: float, y2: float, **attrs: Attr) -> Markup:
    return element("line", {"x1": x1, "y1": y1, "x2": x2, "y2": y2, **attrs})


def group(children: Iterable[Markup], **attrs: Attr) -> Markup:
    return element("g", attrs, *children)


def chart_id(name: str) -> str:
    """The id of a chart's title and description: from its name, which each page keeps unique
    (so a page renders the same bytes for the same report)."""
    return "chart-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "figure")


def frame(
    name: str,
    title: str,
    description: str,
    width: int,
    height: int,
    body: Iterable[Markup],
) -> Markup:
    """The `<svg>` of one chart: an image to assistive technology, named by its title and
    described by `description` (the figures it shows, in words)."""
    ident = chart_id(name)
    return element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "role": "img",
            "aria-labelledby": f"{ident}-title {ident}-desc",
            "viewBox": f"0 0 {width} {height}",
            "width": width,
            "height": height,
            "class": f"chart chart-{name}",
            "data-chart": name,
            "font-family": "inherit",
            "font-size": 12,
        },
        element("title", {"id": f"{ident}-title"}, title),
        element("desc", {"id": f"{ident}-desc"}, description),
        *body,
    )


def figure(svg: Markup, caption: str, *, empty: bool = False) -> Markup:
    """The chart in a `<figure>` with its caption; `empty` marks a "no data" figure."""
    return element(
        "figure",
        {"class": "chart-figure chart-empty" if empty else "chart-figure"},
        svg,
        element("figcaption", None, caption),
    )


def no_data(name: str, title: str, message: str) -> Markup:
    """The figure a chart becomes with nothing to draw: a framed box saying so, in words."""
    width, height = 480, 90
    body = [
        rect(1, 1, width - 2, height - 2, fill="none", stroke=GRID, stroke_dasharray="4 3"),
        text(width / 2, height / 2 + 4, f"No data: {message}", text_anchor="middle"),
    ]
    svg = frame(name, title, f"No data: {message}", width, height, body)
    return figure(svg, f"{title}: no data. {message}", empty=True)


def fmt(value: float | None, *, digits: int = 1) -> str:
    """A figure as the charts write it: at most `digits` decimals, `UNKNOWN` when unknown."""
    if value is None:
        return UNKNOWN
    shown = f"{value:,.{digits}f}"
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def percent(share: float | None) -> str:
    return UNKNOWN if share is None else f"{round(share * 100):d}%"
