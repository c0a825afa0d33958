"""Test support shared by every service's suite: databases, clients and tokens."""

from shared.testing.support import (
    TEST_AUDIENCE,
    TEST_ISSUER,
    TEST_KEY,
    TokenFactory,
    api_client,
    backend,
    reset_database,
    test_database,
)

__all__ = [
    "TEST_AUDIENCE",
    "TEST_ISSUER",
    "TEST_KEY",
    "TokenFactory",
    "api_client",
    "backend",
    "reset_database",
    "test_database",
]
