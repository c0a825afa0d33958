"""Test support shared by every service's suite: databases, clients and tokens."""

from shared.testing.problems import PROBLEM_CONTENT_TYPE, assert_problem
from shared.testing.support import (
    TEST_AUDIENCE,
    TEST_ISSUER,
    TEST_KEY,
    TokenFactory,
    api_client,
    backend,
    empty_database,
    reset_database,
    service_app,
    service_fixtures,
    test_database,
)

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "TEST_AUDIENCE",
    "TEST_ISSUER",
    "TEST_KEY",
    "TokenFactory",
    "api_client",
    "assert_problem",
    "backend",
    "empty_database",
    "reset_database",
    "service_app",
    "service_fixtures",
    "test_database",
]
