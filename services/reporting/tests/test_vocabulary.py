"""The filter vocabularies the reports accept are the projects service's, as it publishes them."""

from __future__ import annotations

from enum import StrEnum

import pytest

from reporting_service.vocabulary import InnovationType, Pillar, Stage
from services.reporting.tests.conftest import CONTRACTS


@pytest.mark.parametrize(
    ("enum", "schema"),
    [(Stage, "Stage"), (Pillar, "Pillar"), (InnovationType, "InnovationType")],
)
def test_vocabulary_matches_the_projects_service(enum: type[StrEnum], schema: str) -> None:
    published = CONTRACTS["projects"].document["components"]["schemas"][schema]["enum"]
    assert [member.value for member in enum] == published
