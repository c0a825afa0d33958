"""`make demo`, inclusive public involvement (issue #14 items 1-4): loads the shipped example
catchment population (clearly labelled: made-up figures in census-style categories) as a
comparator, reads the portfolio's equality report against it (each shown category's share beside
the catchment's, Core20 against the 20% a representative sample would give), reads the reach
into the PLUS / under-served groups, and saves a long-form GRIPP2 report (34 items) for the
maternity project, writes its aim and marks it final.

Runs after `scripts.demo_engagement` (it reads that step's involvement roles and engagements).
Idempotent like the rest: the comparator is looked up by key (a second run loads no second
version), the GRIPP2 report by project and form, and a final report is left as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from scripts.demo_stakeholders import _admin_http, _fail, _finder, _ok
from stakeholders_service.populations.service import parse_csv

if TYPE_CHECKING:
    from scripts.demo import Demo

AREA = "involvement"
Json = dict[str, Any]
EXAMPLE = (
    Path(__file__).parents[1]
    / "services/stakeholders/src/stakeholders_service/populations/examples/catchment_example.csv"
)
COMPARATOR = "catchment-example"
PROJECT = "maternity-bp-monitoring"
AIM = (
    "To make sure the remote blood-pressure monitoring service fits the lives of the women who "
    "use it, especially those in the most deprived neighbourhoods of the catchment."
)


def load_involvement(demo: Demo) -> None:
    with _admin_http(demo) as http:
        writer = type(demo)(http, results=demo.results, ids=demo.ids)

        def comparator() -> Json | None:
            # The list is reference data, one plain array (no pages): `Demo.find` does not fit.
            response = writer.request("GET", "/involvement/comparator-populations")
            if not response.is_success:
                raise _fail(writer, f"listing comparators: HTTP {response.status_code}")
            found = [p for p in response.json() if p["key"] == COMPARATOR]
            return dict(found[-1]) if found else None

        writer.ensure(
            area=AREA,
            slug=f"comparator:{COMPARATOR}",
            collection="involvement/comparator-populations",
            body={
                "key": COMPARATOR,
                "label": "Example catchment (made-up figures, census-style categories)",
                "source": "EXAMPLE ONLY: catchment_example.csv shipped with the stakeholders "
                "service; not real data",
                "as_of": "2021-03-21",
                "rows": parse_csv(EXAMPLE.read_text()),
            },
            lookup=comparator,
        )
        report = _ok(
            writer,
            writer.request(
                "GET", "/engagements/equality-report", params={"comparator": COMPARATOR}
            ),
            "reading the equality report against the comparator",
        )
        if not report["comparison"] or report["core20_expected_share"] != 0.2:
            raise _fail(writer, "the equality report did not compare against the catchment")
        _ok(writer, writer.request("GET", "/involvement/plus-reach"), "reading the PLUS reach")
        _gripp2(writer, writer.ids[f"projects:{PROJECT}"])


def _gripp2(writer: Demo, project_id: str) -> None:
    path = "involvement/gripp2/reports"
    report = writer.ensure(
        area=AREA,
        slug=f"gripp2:{PROJECT}:long",
        collection=path,
        body={"project_id": project_id, "form": "long"},
        lookup=_finder(writer, path, {"project_id": project_id}, "form", "long"),
    )
    if report["status"] == "final":
        return
    url = f"/{path}/{report['id']}"
    edited = _ok(
        writer,
        writer.request(
            "PATCH",
            url,
            json={"items": [{"item": "1a", "text": AIM}, {"item": "3", "text": AIM}]},
            headers={"If-Match": f'"v{report["version"]}"'},
        ),
        "writing the GRIPP2 report's aim",
    )
    _ok(
        writer,
        writer.request("POST", f"{url}/finalise", headers={"If-Match": f'"v{edited["version"]}"'}),
        "marking the GRIPP2 report final",
    )
