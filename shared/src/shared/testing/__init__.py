"""Test support shared by every service's suite: databases, clients and tokens."""

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
    "TEST_AUDIENCE",
    "TEST_ISSUER",
    "TEST_KEY",
    "TokenFactory",
    "api_client",
    "backend",
    "empty_database",
    "reset_database",
    "service_app",
    "service_fixtures",
    "test_database",
]
