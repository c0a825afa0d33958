"""Comparator populations: one row per loaded version of a reference population (e.g. the
trust's catchment), with its source, its date and its shares per characteristic and category."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shared.changes import Audited
from shared.db import IdMixin, JSONDocument, TimestampMixin, VersionedMixin
from stakeholders_service.db import Base


class ComparatorPopulation(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """Reference data: a new load of the same key is a new `population_version`, never an
    update, so a report that named a version can be reproduced."""

    __tablename__ = "comparator_population"
    __table_args__ = (UniqueConstraint("key", "population_version"),)

    key: Mapped[str] = mapped_column(String(60), index=True)
    population_version: Mapped[int]
    label: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500))
    as_of: Mapped[dt.date] = mapped_column(Date)
    # {characteristic: {category: share in [0, 1]}}; each characteristic's shares sum to 1.
    shares: Mapped[dict[str, dict[str, float]]] = mapped_column(JSONDocument, default=dict)
    created_by: Mapped[str | None] = mapped_column(String(200))
