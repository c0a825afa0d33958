"""Pure mapping rules, table-driven (DOMAIN.md reference facts 1, 7 and 8), and their SQL."""

from __future__ import annotations

import itertools

import pytest
from fastapi import FastAPI
from sqlalchemy import literal, null, select

from stakeholders_service.mapping.repository import gap_sql, quadrant_sql, salience_sql
from stakeholders_service.mapping.rules import (
    MendelowQuadrant as Q,
    SalienceClass as S,
    engagement_gap,
    mendelow_quadrant,
    salience_class,
)
from stakeholders_service.vocabulary import Iap2Level as L


class TestMendelowQuadrant:
    @pytest.mark.parametrize(
        ("power", "interest", "threshold", "expected"),
        [
            (5, 5, 3, Q.manage_closely),
            (3, 3, 3, Q.manage_closely),  # at the threshold counts as high
            (3, 2, 3, Q.keep_satisfied),
            (5, 1, 3, Q.keep_satisfied),
            (2, 3, 3, Q.keep_informed),
            (1, 5, 3, Q.keep_informed),
            (2, 2, 3, Q.monitor),
            (1, 1, 3, Q.monitor),
            (3, 3, 4, Q.monitor),  # a stricter threshold moves the same ratings
            (4, 3, 4, Q.keep_satisfied),
            (3, 4, 4, Q.keep_informed),
            (4, 4, 4, Q.manage_closely),
            (1, 1, 1, Q.manage_closely),
        ],
    )
    def test_quadrant(self, power: int, interest: int, threshold: int, expected: Q) -> None:
        assert mendelow_quadrant(power=power, interest=interest, threshold=threshold) is expected

    def test_every_rating_pair_lands_in_exactly_the_expected_quadrant(self) -> None:
        for power in range(1, 6):
            for interest in range(1, 6):
                quadrant = mendelow_quadrant(power=power, interest=interest, threshold=3)
                high = (power >= 3, interest >= 3)
                assert (
                    quadrant
                    is {
                        (True, True): Q.manage_closely,
                        (True, False): Q.keep_satisfied,
                        (False, True): Q.keep_informed,
                        (False, False): Q.monitor,
                    }[high]
                )

    def test_four_quadrants(self) -> None:
        assert len(Q) == 4


class TestSalienceClass:
    @pytest.mark.parametrize(
        ("power", "legitimacy", "urgency", "expected"),
        [
            (1, False, False, S.non_stakeholder),
            (5, False, False, S.dormant),
            (1, True, False, S.discretionary),
            (1, False, True, S.demanding),
            (5, True, False, S.dominant),
            (5, False, True, S.dangerous),
            (1, True, True, S.dependent),
            (5, True, True, S.definitive),
        ],
    )
    def test_all_eight_combinations(
        self, power: int, legitimacy: bool, urgency: bool, expected: S
    ) -> None:
        assert (
            salience_class(power=power, legitimacy=legitimacy, urgency=urgency, threshold=3)
            is expected
        )

    def test_power_uses_the_threshold(self) -> None:
        assert salience_class(power=3, legitimacy=False, urgency=False, threshold=3) is S.dormant
        assert (
            salience_class(power=3, legitimacy=False, urgency=False, threshold=4)
            is S.non_stakeholder
        )

    def test_seven_classes_plus_non_stakeholder(self) -> None:
        assert len(S) == 8


class TestIap2:
    def test_five_levels_in_order_of_public_influence(self) -> None:
        assert [level.value for level in L] == [
            "inform",
            "consult",
            "involve",
            "collaborate",
            "empower",
        ]
        assert [level.rank for level in L] == [0, 1, 2, 3, 4]

    @pytest.mark.parametrize(
        ("current", "target", "below", "gap"),
        [
            (L.inform, L.empower, True, 4),
            (L.consult, L.involve, True, 1),
            (L.involve, L.involve, False, 0),
            (L.collaborate, L.consult, False, 0),
        ],
    )
    def test_below_target(self, current: L, target: L, below: bool, gap: int) -> None:
        assert current.below(target) is below
        assert engagement_gap(current, target) == gap


class TestTheSqlOfTheRules:
    """The map is computed in SQL (`mapping/repository.py`) by CASE expressions built from these
    rules: for every input they answer what the rules answer, on the test database's backend."""

    async def test_every_input(self, app: FastAPI) -> None:
        ratings = range(1, 6)
        cases = [
            (power, interest, legitimacy, urgency, threshold)
            for power, interest, threshold in itertools.product(ratings, repeat=3)
            for legitimacy, urgency in itertools.product((True, False), repeat=2)
        ]
        async with app.state.database.read_sessionmaker() as session:
            for power, interest, legitimacy, urgency, threshold in cases:
                p, i, t = literal(power), literal(interest), literal(threshold)
                row = (
                    await session.execute(
                        select(
                            quadrant_sql(p, i, t),
                            salience_sql(p, literal(legitimacy), literal(urgency), t),
                        )
                    )
                ).one()
                assert tuple(row) == (
                    mendelow_quadrant(power=power, interest=interest, threshold=threshold).value,
                    salience_class(
                        power=power, legitimacy=legitimacy, urgency=urgency, threshold=threshold
                    ).value,
                ), (power, interest, legitimacy, urgency, threshold)
            assert await session.scalar(select(quadrant_sql(null(), null(), literal(3)))) is None
            for current, target in itertools.product(L, repeat=2):
                gap = await session.scalar(
                    select(gap_sql(literal(current.value), literal(target.value)))
                )
                assert gap == engagement_gap(current, target), (current, target)
