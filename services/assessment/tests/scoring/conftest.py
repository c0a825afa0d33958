import pytest


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """The engine is pure: these tests need no database to empty (overrides the service's)."""
