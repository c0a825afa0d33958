"""Small-number suppression, including the subtraction (secondary suppression) case."""

from __future__ import annotations

import itertools

from stakeholders_service.suppression import Distribution, suppress


def recoverable(dist: Distribution) -> bool:
    """Could a reader work out a hidden cell's exact value, or learn that the hidden cells
    together hold fewer than 5 people?"""
    if dist.total is None:
        return False
    hidden = [c for c in dist.cells if c.suppressed]
    shown = sum(c.count or 0 for c in dist.cells if not c.suppressed)
    residue = dist.total - shown
    return len(hidden) == 1 or (bool(hidden) and residue < 5)


class TestSuppress:
    def test_cells_below_five_are_hidden(self) -> None:
        dist = suppress("sex", {"female": 12, "male": 9, "prefer_not_to_say": 0})
        cells = {c.value: c.count for c in dist.cells}
        # 0 is hidden; the hidden sum (0) is below 5, so the next smallest (9) is hidden too.
        assert cells == {"female": 12, "male": None, "prefer_not_to_say": None}
        assert dist.total == 21

    def test_the_subtraction_case(self) -> None:
        """A=10, B=8, C=3, total 21: hiding only C would let 21 - 10 - 8 = 3 recover it."""
        dist = suppress("age_band", {"A": 10, "B": 8, "C": 3})
        cells = {c.value: c.count for c in dist.cells}
        assert cells["C"] is None
        assert cells["B"] is None  # secondary suppression
        assert cells["A"] == 10
        shown = sum(c.count or 0 for c in dist.cells if not c.suppressed)
        assert dist.total is not None
        residue = dist.total - shown
        assert residue == 11  # what the reader can infer: B + C = 11, neither recoverable
        assert not recoverable(dist)

    def test_two_small_cells_summing_below_five_take_a_third(self) -> None:
        dist = suppress("carer", {"yes": 1, "no": 20, "prefer_not_to_say": 2, "x": 7})
        cells = {c.value: c.count for c in dist.cells}
        assert cells == {"yes": None, "no": 20, "prefer_not_to_say": None, "x": None}
        assert not recoverable(dist)

    def test_small_total_hides_everything(self) -> None:
        dist = suppress("sex", {"female": 3, "male": 1})
        assert dist.total is None
        assert all(c.suppressed and c.count is None for c in dist.cells)

    def test_nothing_small_shows_everything(self) -> None:
        dist = suppress("sex", {"female": 5, "male": 6})
        assert [c.count for c in dist.cells] == [5, 6]

    def test_no_distribution_is_ever_recoverable(self) -> None:
        for size in (2, 3, 4):
            for counts in itertools.product([0, 1, 3, 4, 5, 6, 12], repeat=size):
                dist = suppress("x", dict(zip("abcd", counts, strict=False)))
                assert not recoverable(dist), counts
                for cell, count in zip(dist.cells, counts, strict=True):
                    assert cell.suppressed or count >= 5
