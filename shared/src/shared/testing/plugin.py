"""pytest plugin (`-p shared.testing.plugin`): fixtures every suite may use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina

from shared.testing.clock import ManualClock, installed
from shared.testing.support import TokenFactory, backend

BACKEND_INDEPENDENT = "backend_independent"


def pytest_configure(config: pytest.Config) -> None:
    # Retries in tests should not sleep; the retry count still applies.
    stamina.set_testing(True, attempts=3)
    config.addinivalue_line(
        "markers",
        f"{BACKEND_INDEPENDENT}: uses no database under test (the image, the manifests, "
        "`make run` on its SQLite default), so the PostgreSQL run leaves it out",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, deselect what would only repeat the SQLite run's result."""
    if backend() != "postgresql":
        return
    kept: list[pytest.Item] = []
    independent: list[pytest.Item] = []
    for item in items:
        (independent if item.get_closest_marker(BACKEND_INDEPENDENT) else kept).append(item)
    if independent:
        config.hook.pytest_deselected(items=independent)
        items[:] = kept


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """The clock every timestamp reads, for this test: `clock.advance()` instead of a sleep."""
    with installed() as manual:
        yield manual
