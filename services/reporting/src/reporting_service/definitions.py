"""The definitions a report repeats: each upstream's own (keyed `<service>.<figure>`) and the
report's (keyed `report.<term>`), so a reader sees how every figure was computed."""

from __future__ import annotations

from collections.abc import Mapping

REPORT = {
    "report.as_of": "Every figure describes the data as it stood at `as_of` (default: when the "
    "report was generated); a later change does not alter a report for an earlier `as_of`.",
    "report.period": 'Figures "in the period" count from `from` (default: `to` minus a '
    "quarter) to `to` (default: `as_of`).",
    "report.filters": "The filters select projects by their record at `as_of`; every section "
    "counts over exactly that set.",
}


def merged(
    *parts: tuple[str, Mapping[str, str] | None], extra: Mapping[str, str] = {}
) -> dict[str, str]:
    found = dict(REPORT)
    for service, definitions in parts:
        for figure, text in (definitions or {}).items():
            found[f"{service}.{figure}"] = text
    found.update(extra)
    return dict(sorted(found.items()))
