"""pytest plugin (`-p shared.testing.plugin`): fixtures every suite may use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina

from shared.testing.clock import ManualClock, installed
from shared.testing.support import TokenFactory


def pytest_configure(config: pytest.Config) -> None:
    # Retries in tests should not sleep; the retry count still applies.
    stamina.set_testing(True, attempts=3)


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """The clock every timestamp reads, for this test: `clock.advance()` instead of a sleep."""
    with installed() as manual:
        yield manual
