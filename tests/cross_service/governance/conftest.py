"""Governance fixtures: `linked` (the assessment app, the real projects app, the switch between
them and the projects consumer of the assessment feed) and `flow` (the workflow's steps)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from shared.consumer import ChangeFeedConsumer
from shared.testing import TokenFactory

from ..conftest import ToProjects
from .flow import Flow, Linked


@pytest.fixture
def linked(
    assessment_on_projects: FastAPI,
    projects_app: FastAPI,
    to_projects: ToProjects,
    projects_consumer: ChangeFeedConsumer,
) -> Linked:
    return Linked(assessment_on_projects, projects_app, to_projects, projects_consumer)


@pytest.fixture
def flow(linked: Linked, tokens: TokenFactory) -> Flow:
    return Flow(linked, tokens)
