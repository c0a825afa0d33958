"""The portfolio filters applied to one project (an evidence pack's or a dossier's): a project
they do not select is not found, as it would be absent from the portfolio they select.

Directorate, pillar and innovation type are read from the project's record as it is now (they
are registry fields, not history); the stage is the one the project was in at the moment."""

from __future__ import annotations

import datetime as dt

from reporting_service.clients.projects_schemas import ProjectRecord, StageChangePage
from reporting_service.scope import Filters


def stage_at(
    record: ProjectRecord, history: StageChangePage | None, moment: dt.datetime
) -> str | None:
    """The project's stage at `moment` from its stage history (None: unknown)."""
    if history is None:
        return None
    changes = sorted(history.items, key=lambda change: change.occurred_at)
    before = [change for change in changes if change.occurred_at <= moment]
    if before:
        return before[-1].to_stage
    return changes[0].from_stage if changes else record.stage


def selects(
    filters: Filters, record: ProjectRecord, history: StageChangePage | None, moment: dt.datetime
) -> bool:
    if filters.directorate is not None and record.directorate != filters.directorate:
        return False
    if filters.pillar is not None and record.pillar != filters.pillar:
        return False
    if filters.innovation_type is not None and record.innovation_type != filters.innovation_type:
        return False
    return filters.stage is None or stage_at(record, history, moment) == filters.stage
