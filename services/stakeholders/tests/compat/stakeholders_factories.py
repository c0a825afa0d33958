"""Old home of the suite's builders, kept while test modules still import it by this name
(`pythonpath` and `mypy_path` in pyproject.toml name this folder for them): import
`services.stakeholders.tests.builders` instead; then delete this module."""

from services.stakeholders.tests.builders import (
    EMAIL,
    NAME,
    PHONE,
    ProjectsFake,
    ProjectsStub,
    consent,
    create_stakeholder,
    link,
    new_stakeholder,
)
from shared.testing import PROBLEM_CONTENT_TYPE as PROBLEM, assert_problem

__all__ = [
    "EMAIL",
    "NAME",
    "PHONE",
    "PROBLEM",
    "ProjectsFake",
    "ProjectsStub",
    "assert_problem",
    "consent",
    "create_stakeholder",
    "link",
    "new_stakeholder",
]
