"""Aggregates: the rules (`common`), the portfolio aggregate and one project's picture."""

from stakeholders_service.aggregates.service.common import READERS, require_project_reader
from stakeholders_service.aggregates.service.portfolio import engagement_aggregate
from stakeholders_service.aggregates.service.project import project_engagement

__all__ = ["READERS", "engagement_aggregate", "project_engagement", "require_project_reader"]
