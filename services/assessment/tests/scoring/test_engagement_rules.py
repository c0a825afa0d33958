"""The scoring engine's engagement rules (#14 item 5), on their own: the IAP2 order, a missing
snapshot, a snapshot from before snapshots were taken."""

from __future__ import annotations

from typing import Any

import pytest

from assessment_service.frameworks.definition import EngagementRule, Gate, Iap2Level
from assessment_service.scoring.engine import engagement_rule

RULE = EngagementRule(
    gate=Gate.g2_pilot_approval, rule="public_contributor_at_least", level=Iap2Level.involve
)


def captured(level: str | None) -> dict[str, Any]:
    return {
        "status": "captured",
        "evidence": {"public_contributors": {"assessed": 1, "highest_level": level}},
    }


@pytest.mark.parametrize(
    ("level", "passed"),
    [
        ("inform", False),
        ("consult", False),
        ("involve", True),
        ("collaborate", True),
        ("empower", True),
    ],
)
def test_the_level_is_compared_in_iap2_order(level: str, passed: bool) -> None:
    result = engagement_rule(RULE, captured(level))
    assert (result.passed, result.found) == (passed, level)


def test_no_contributor_fails() -> None:
    result = engagement_rule(RULE, captured(None))
    assert not result.passed
    assert result.reason == "no public contributor is assessed on the project; needs involve"


def test_a_missing_snapshot_fails_with_its_reason() -> None:
    missing = {"status": "missing", "reason": "The stakeholders service answered 503."}
    result = engagement_rule(RULE, missing)
    assert not result.passed
    assert result.reason == ("engagement evidence missing (The stakeholders service answered 503.)")


def test_an_assessment_opened_before_snapshots_fails() -> None:
    result = engagement_rule(RULE, None)
    assert result.reason == "engagement evidence missing (no snapshot was taken)"
    assert result.rule == "engagement:public_contributor_at_least:involve"
