"""The SVG chart builders: each chart an image named and described in words, the number of
bars and points its figures call for, labels escaped, an empty chart a "no data" figure, and
the figures the charts draw worked out from a report (the assessors' range, attainment per
level)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from reporting_service.rendering import bars, grid, lines, radar, views
from reporting_service.rendering.labels import label, when
from reporting_service.rendering.negotiation import OutputFormat, _quality
from reporting_service.rendering.svg import element

SVG = "{http://www.w3.org/2000/svg}"


def parse(figure: Markup) -> ET.Element:
    """The chart's `<svg>` (the figure is well-formed XML: escaping holds)."""
    root = ET.fromstring(str(figure))
    assert root.tag == "figure"
    svg = root.find(f"{SVG}svg")
    assert svg is not None
    assert svg.get("role") == "img"
    title, desc = (svg.get("aria-labelledby") or "").split()
    assert svg.find(f"{SVG}title").get("id") == title  # type: ignore[union-attr]
    assert svg.find(f"{SVG}desc").get("id") == desc  # type: ignore[union-attr]
    assert (svg.find(f"{SVG}title").text or "").strip()  # type: ignore[union-attr]
    assert (svg.find(f"{SVG}desc").text or "").strip()  # type: ignore[union-attr]
    assert (root.findtext("figcaption") or "").strip()
    return svg


def marks(svg: ET.Element, css: str) -> list[ET.Element]:
    return [e for e in svg.iter() if css in (e.get("class") or "").split()]


def description(svg: ET.Element) -> str:
    return svg.findtext(f"{SVG}desc") or ""


def test_gate_funnel_draws_three_bars_per_gate() -> None:
    svg = parse(
        bars.gate_funnel(
            [
                bars.FunnelStep("g0_triage", 25, 20, 16, 0.8),
                bars.FunnelStep("g1_scoping", 16, 12, 9, 0.75),
                bars.FunnelStep("g2_pilot_approval", 9, 0, 0, None),
            ]
        )
    )
    assert len(marks(svg, "bar")) == 9
    assert len(marks(svg, "bar-proceeded")) == 3
    widths = [float(b.get("width") or 0) for b in marks(svg, "bar-entered")]
    assert widths[0] > widths[1] > widths[2] > 0  # proportional to the counts
    assert "G1 scoping: 16 entered, 12 decided, 9 proceeded (conversion 75%)" in description(svg)
    assert "conversion \u2013" in description(svg)


def test_days_in_stage_draws_median_and_p90_and_skips_unmeasured_stages() -> None:
    svg = parse(
        bars.days_in_stage(
            [
                bars.StageDays("idea", 21.0, 40.5, 9),
                bars.StageDays("pilot", 90.0, None, 1),
                bars.StageDays("scaling", None, None, 0),
            ]
        )
    )
    assert len(marks(svg, "bar-median")) == 2
    assert len(marks(svg, "bar-p90")) == 1
    assert "Scaling" not in description(svg)
    assert "Idea: median 21 days, 90th percentile 40.5 days" in description(svg)


def test_counts_write_a_withheld_count_without_a_bar() -> None:
    svg = parse(
        bars.counts("stages", "Projects by stage", "By stage.", [("Pilot", 4), ("Idea", None)])
    )
    assert len(marks(svg, "bar")) == 1
    assert "Idea: \u2013" in description(svg)


def test_labels_are_escaped_in_text_title_and_attributes() -> None:
    nasty = '<script>alert("x")</script> & "quotes"'
    figure = bars.counts("stages", nasty, nasty, [(nasty, 3)])
    assert "<script>" not in str(figure)
    svg = parse(figure)  # still well-formed
    assert svg.findtext(f"{SVG}title") == nasty
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert nasty in texts
    attribute = element("rect", {"data-x": '"><script>'})
    assert str(attribute) == '<rect data-x="&#34;&gt;&lt;script&gt;"/>'


def test_radar_draws_a_point_per_scored_domain_and_the_assessors_band() -> None:
    svg = parse(
        radar.radar(
            [
                radar.RadarAxis("Need", 0.75, 0.5, 1.0),
                radar.RadarAxis("Value <&>", 0.5, 0.25, 0.5),
                radar.RadarAxis("Readiness", None),
                radar.RadarAxis("Scale", 0.25, 0.25, 0.5),
            ]
        )
    )
    assert len(marks(svg, "point")) == 3
    assert len(marks(svg, "range")) == 1
    assert "Value <&>: 0.5 (assessors 0.25 to 0.5)" in description(svg)
    assert "Readiness: \u2013" in description(svg)


def test_radar_without_assessor_ratings_has_no_band() -> None:
    svg = parse(radar.radar([radar.RadarAxis("Need", 0.75), radar.RadarAxis("Value", 0.5)]))
    assert marks(svg, "range") == []
    assert len(marks(svg, "point")) == 2


def test_power_interest_grid_places_each_quadrant() -> None:
    svg = parse(
        grid.power_interest(
            {"manage_closely": 5, "keep_satisfied": 3, "keep_informed": 0, "monitor": None}, 3
        )
    )
    cells = marks(svg, "cell")
    assert len(cells) == 4
    points = marks(svg, "point")
    assert len(points) == 2  # a quadrant with none (0) or a withheld count draws no disc
    radii = sorted(float(p.get("r") or 0) for p in points)
    assert radii[1] > radii[0]
    assert "Manage closely: 5" in description(svg) and "Monitor: withheld" in description(svg)
    # High power is the top row, high interest the right column.
    top_right = next(t for t in svg.iter(f"{SVG}text") if t.text == "Manage closely")
    assert float(top_right.get("x") or 0) > grid.LEFT + grid.CELL
    assert float(top_right.get("y") or 0) < grid.TOP + grid.CELL


def test_attainment_draws_a_point_per_rated_period_and_a_line_per_level() -> None:
    march, june = dt.date(2026, 3, 31), dt.date(2026, 6, 30)
    svg = parse(
        lines.attainment(
            [
                lines.LevelLine("expect_to_see", ((march, 0.5), (june, 0.75))),
                lines.LevelLine("like_to_see", ((march, None), (june, 0.2))),
            ]
        )
    )
    assert len(marks(svg, "point")) == 3
    assert len(marks(svg, "series")) == 1  # one point draws no line
    assert "Expect to see: Mar 2026 50%, Jun 2026 75%" in description(svg)


@pytest.mark.parametrize(
    "figure",
    [
        bars.gate_funnel([]),
        bars.days_in_stage([bars.StageDays("idea", None, None, 0)]),
        bars.counts("stages", "Projects by stage", "By stage.", []),
        radar.radar([radar.RadarAxis("Need", None)]),
        grid.power_interest({}),
        lines.attainment([lines.LevelLine("expect_to_see", ((dt.date(2026, 3, 31), None),))]),
    ],
)
def test_an_empty_chart_is_a_no_data_figure_that_says_so(figure: Markup) -> None:
    svg = parse(figure)
    assert "chart-empty" in str(figure)
    assert description(svg).startswith("No data: ")
    assert any((t.text or "").startswith("No data: ") for t in svg.iter(f"{SVG}text"))


def test_the_assessors_range_from_their_own_ratings() -> None:
    def criterion(
        code: str,
        domain: str,
        scale: str,
        consensus: object,
        normalised: float,
        values: list[object],
        weight: float = 1.0,
    ) -> dict[str, object]:
        return {
            "code": code,
            "domain": domain,
            "scale": scale,
            "weight": weight,
            "consensus": consensus,
            "normalised": normalised,
            "ratings": [
                {"assessor": f"a{i}", "value": v, "unknown": v is None}
                for i, v in enumerate(values)
            ],
        }

    assessment = views._Assessment.model_validate(
        {
            "domains": [{"code": "need", "score": 0.6}, {"code": "fit", "score": 0.5}],
            "criteria": [
                # a0: (0.5*1 + 1.0*3) / 4 = 0.875; a1: (1.0*1 + 0.0*3) / 4 = 0.25
                criterion("N1", "need", "ordinal_0_4", 2, 0.5, [2, 4]),
                criterion("N2", "need", "met_3", "met", 1.0, ["met", "not_met"], weight=3.0),
                # Reverse-scored: consensus 1 of 1-5 is position 0, scored 1.
                criterion("F1", "fit", "likert_1_5", 1, 1.0, [1, 5, None]),
                # Numeric criteria stay out of the range.
                criterion("F2", "fit", "numeric", 7.5, 0.5, [7.5, 9.0]),
            ],
        }
    )
    ranges = views.assessor_ranges(assessment)
    assert ranges["need"] == pytest.approx((0.25, 0.875))
    assert ranges["fit"] == pytest.approx((0.0, 1.0))
    axes = views.radar_axes(assessment)
    assert [a.label for a in axes] == ["Need", "Fit"]


def test_attainment_per_level_sums_every_partner() -> None:
    document = views._Attainment.model_validate(
        {
            "series": [
                {
                    "level": "like_to_see",
                    "periods": [{"period_end": "2026-03-31", "markers": 2, "attained": 1}],
                },
                {
                    "level": "expect_to_see",
                    "periods": [
                        {"period_end": "2026-03-31", "markers": 4, "attained": 1},
                        {"period_end": "2026-06-30", "markers": 0, "attained": 0},
                    ],
                },
                {
                    "level": "expect_to_see",
                    "periods": [{"period_end": "2026-03-31", "markers": 4, "attained": 3}],
                },
            ]
        }
    )
    found = views.level_lines(document)
    assert [line.level for line in found] == ["expect_to_see", "like_to_see"]
    assert found[0].points == ((dt.date(2026, 3, 31), 0.5), (dt.date(2026, 6, 30), None))


def test_labels_and_dates_in_words() -> None:
    assert label("g2_pilot_approval") == "G2 pilot approval"
    assert label("core20plus5") == "Core20PLUS5"
    assert label("Medicine & Surgery") == "Medicine & Surgery"
    assert label(None) == "Not recorded"
    assert when("2026-06-30T14:05:00Z") == "30 Jun 2026 14:05 UTC"
    assert when("2026-06-30") == "30 Jun 2026"
    assert when(dt.datetime(2026, 6, 30, 15, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))) == (
        "30 Jun 2026 14:05 UTC"
    )


@pytest.mark.parametrize(
    ("accept", "json_q", "html_q"),
    [
        ("*/*", 1.0, 1.0),
        ("application/json", 1.0, 0.0),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 0.8, 1.0),
        ("text/*;q=0.5, application/json;q=0.4", 0.4, 0.5),
        ("text/html;q=0, */*", 1.0, 0.0),
        ("application/xml", 0.0, 0.0),
        ("text/html;q=oops", 0.0, 0.0),
    ],
)
def test_accept_quality(accept: str, json_q: float, html_q: float) -> None:
    assert _quality(accept) == {OutputFormat.json: json_q, OutputFormat.html: html_q}
