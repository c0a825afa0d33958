"""Statistical disclosure control for any aggregate over people, in any service
(docs/conventions.md: every cell below 5 is suppressed), with secondary suppression so no hidden
cell can be recovered by subtracting the shown cells from the shown total."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, Field

THRESHOLD = 5

__all__ = ["THRESHOLD", "Cell", "Distribution", "suppress", "suppressed_count"]


class Cell(BaseModel):
    value: str
    count: int | None = Field(description="Null when suppressed.")
    suppressed: bool


class Distribution(BaseModel):
    name: str
    total: int | None = Field(description="Null when the total itself is below 5.")
    cells: list[Cell]


def suppress(name: str, counts: Mapping[str, int], *, threshold: int = THRESHOLD) -> Distribution:
    """Hide every cell below `threshold` (zeros included). If hidden cells remain whose sum is
    below `threshold` (so `total - shown` would reveal a small number, or a lone hidden cell
    would be recovered exactly), hide the smallest shown cells too until the hidden sum is at
    least `threshold`. A total below `threshold` hides everything."""
    total = sum(counts.values())
    if total < threshold:
        return Distribution(
            name=name,
            total=None,
            cells=[Cell(value=v, count=None, suppressed=True) for v in counts],
        )
    hidden = {value for value, count in counts.items() if count < threshold}
    shown_by_size = sorted((c, v) for v, c in counts.items() if v not in hidden)
    while hidden and sum(counts[v] for v in hidden) < threshold and shown_by_size:
        hidden.add(shown_by_size.pop(0)[1])
    # One hidden cell is always recoverable from the total: never leave exactly one.
    if len(hidden) == 1 and shown_by_size:
        hidden.add(shown_by_size.pop(0)[1])
    return Distribution(
        name=name,
        total=total,
        cells=[
            Cell(value=v, count=None if v in hidden else c, suppressed=v in hidden)
            for v, c in counts.items()
        ],
    )


def suppressed_count(count: int, *, threshold: int = THRESHOLD) -> int | None:
    """A single count over people: null below the threshold."""
    return count if count >= threshold else None
