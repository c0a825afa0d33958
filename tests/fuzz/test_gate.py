"""The Schemathesis gate's judgement (no stack started): what the allowlist accepts and what it
never can, and that the committed allowlist loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.schemathesis_gate import (
    ALLOWLIST,
    Allowed,
    Failure,
    Record,
    Result,
    judge,
    load_allowlist,
)

RULE = Allowed(
    "*", "*", "RejectedPositiveData", "domain rules", status=422, problem="!validation-error"
)


def failure(operation: str = "POST /v1/decisions", type_: str = "RejectedPositiveData") -> Failure:
    return Failure("assessment", operation, type_, "ST202", "Schema-valid request rejected")


def record(problem: str, operation: str = "POST /v1/decisions", status: int = 422) -> Record:
    return Record("assessment", operation, "RejectedPositiveData", status, problem, "detail")


def test_the_committed_allowlist_loads_and_lists_no_5xx() -> None:
    entries = load_allowlist(ALLOWLIST)
    assert entries and all(entry.reason for entry in entries)


def test_a_5xx_can_never_be_allowed(tmp_path: Path) -> None:
    path = tmp_path / "allow.toml"
    path.write_text('[[allow]]\noperation = "*"\ncheck = "ServerError"\nreason = "no"\n')
    with pytest.raises(SystemExit):
        load_allowlist(path)
    server_error = Failure("projects", "GET /v1/projects", "ServerError", "ST101", "Server error")
    result = Result("projects", 1, 1.0, generated=10, failures=[server_error])
    failing, _ = judge([result], [Allowed("*", "*", "ServerError", "never")])
    assert failing and failing[0].startswith("5xx")


def test_an_entry_needs_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "allow.toml"
    path.write_text('[[allow]]\noperation = "*"\ncheck = "RejectedPositiveData"\n')
    with pytest.raises(SystemExit):
        load_allowlist(path)


def test_problem_conditions_hold_for_every_response_behind_a_failure() -> None:
    assert RULE.matches(failure(), [record("invalid-supersession")])
    # One response of the kind the entry excludes, and the failure is no longer accepted.
    assert not RULE.matches(failure(), [record("invalid-supersession"), record("validation-error")])
    assert not RULE.matches(failure(), [record("precondition-required", status=428)])
    # Without recorded responses the condition cannot be checked: not accepted.
    assert not RULE.matches(failure(), [])
    # The stateful phase reports under one label: every response of the kind counts.
    stateful = failure("Stateful tests")
    assert RULE.matches(stateful, [record("unknown-project", "POST /v1/evaluation/evaluations")])


def test_unlisted_failures_and_empty_runs_fail_the_gate() -> None:
    unlisted = Result("assessment", 1, 1.0, generated=5, failures=[failure("GET /v1/frameworks")])
    empty = Result("projects", 0, 1.0)
    failing, allowed = judge([unlisted, empty], [RULE])
    assert any("not in the allowlist" in line for line in failing)
    assert any("generated no test cases" in line for line in failing)
    assert not allowed
