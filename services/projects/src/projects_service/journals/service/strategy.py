"""Strategy journal rules (OM step 10): the strategies must be strategy-map entries of the
entry's agreed map version; periods are exclusive per project (its outcome map across
versions). The lifecycle is `lifecycle`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.journals import repository
from projects_service.journals.errors import StrategyNotInMap
from projects_service.journals.models import StrategyJournalEntry
from projects_service.journals.schemas.strategy import StrategyJournalEntryCreate
from projects_service.journals.service.kind import Journal, agreed_map_of, body_error
from projects_service.projects.models import Project


class StrategyJournal(Journal[StrategyJournalEntry, StrategyJournalEntryCreate]):
    model = StrategyJournalEntry
    fields = (
        "strategy_ids",
        "activities_implemented",
        "effectiveness",
        "outputs",
        "required_follow_up",
        "programme_response",
    )

    async def anchor(
        self, session: AsyncSession, project: Project, data: StrategyJournalEntryCreate
    ) -> dict[str, Any]:
        return {"outcome_map_id": (await agreed_map_of(session, project, data.outcome_map_id)).id}

    async def content(
        self, session: AsyncSession, entry: StrategyJournalEntry, values: dict[str, Any]
    ) -> dict[str, Any]:
        """The strategy ids as stored (strings, first mention kept), or 422 naming each
        stranger."""
        if "strategy_ids" not in values:
            return values
        ids = values["strategy_ids"]
        wanted = list(dict.fromkeys(ids))
        found = await repository.strategies_in_map(session, entry.outcome_map_id, wanted)
        errors = [
            error
            for index, strategy_id in enumerate(ids)
            if strategy_id not in found
            for error in body_error(f"/strategy_ids/{index}", "Not a strategy of this map version.")
        ]
        if errors:
            raise StrategyNotInMap("Some strategies are not in the entry's map.", errors=errors)
        return {**values, "strategy_ids": [str(strategy_id) for strategy_id in wanted]}

    def event_data(self, entry: StrategyJournalEntry) -> dict[str, Any]:
        return {"strategy_ids": entry.strategy_ids}


STRATEGY = StrategyJournal()
