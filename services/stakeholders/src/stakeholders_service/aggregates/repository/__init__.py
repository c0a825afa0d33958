"""Aggregates: the queries (`portfolio`: over a set of projects; `project`: one at a date)."""

from sqlalchemy.ext.asyncio import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    """The session's dialect name, which `shared.id_sets.in_id_set` and JSON lists need."""
    return session.get_bind().dialect.name
