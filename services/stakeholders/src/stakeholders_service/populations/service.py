"""Comparator populations: validate and load a version, read one, parse the CSV file form."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.problems import FieldError
from stakeholders_service.equality.characteristics import ALL
from stakeholders_service.equality.models import PNTS
from stakeholders_service.populations import repository
from stakeholders_service.populations.errors import InvalidComparator, UnknownComparator
from stakeholders_service.populations.models import ComparatorPopulation
from stakeholders_service.populations.schemas import PopulationCreate, PopulationRead

# Published tables are rounded: a characteristic's shares may sum to 1 within this.
SUM_TOLERANCE = 0.005
CSV_COLUMNS = ("characteristic", "category", "share")


def parse_csv(text: str) -> list[dict[str, Any]]:
    """The documented file form: a header `characteristic,category,share`, one row per
    category; blank lines and lines starting with `#` (the example's label) are skipped."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
        raise ValueError(f"the header must be {','.join(CSV_COLUMNS)}")
    return [
        {
            "characteristic": r["characteristic"],
            "category": r["category"],
            "share": float(r["share"]),
        }
        for r in reader
    ]


def _validated_shares(data: PopulationCreate) -> dict[str, dict[str, float]]:
    errors: list[FieldError] = []
    shares: dict[str, dict[str, float]] = defaultdict(dict)
    for index, row in enumerate(data.rows):
        pointer = f"/rows/{index}/category"
        values = {m.value for m in ALL[row.characteristic].values} - {PNTS}
        if row.category not in values:
            errors.append(
                FieldError(
                    pointer=pointer, location="body", detail=f"not a {row.characteristic} value"
                )
            )
        elif row.category in shares[row.characteristic]:
            errors.append(FieldError(pointer=pointer, location="body", detail="listed twice"))
        else:
            shares[row.characteristic][row.category] = row.share
    for name, categories in shares.items():
        total = sum(categories.values())
        if not math.isclose(total, 1.0, abs_tol=SUM_TOLERANCE):
            errors.append(
                FieldError(
                    pointer="/rows",
                    location="body",
                    detail=f"{name} shares sum to {total:.4f}, not 1",
                )
            )
    if errors:
        raise InvalidComparator(
            "Each category once, from the characteristic's values (not prefer_not_to_say); "
            "each characteristic's shares summing to 1.",
            errors=errors,
        )
    return dict(shares)


async def load(
    session: AsyncSession, *, data: PopulationCreate, actor: Principal
) -> ComparatorPopulation:
    """A new version of `key` (1 for the first load); earlier versions stay as they were."""
    shares = _validated_shares(data)
    population = ComparatorPopulation(
        key=data.key,
        population_version=await repository.latest_version_number(session, data.key) + 1,
        label=data.label,
        source=data.source,
        as_of=data.as_of,
        shares=shares,
        created_by=actor.subject,
    )
    session.add(population)
    await session.flush()
    return population


async def require(
    session: AsyncSession, key: str, version: int | None = None
) -> ComparatorPopulation:
    population = await repository.find(session, key, version)
    if population is None:
        raise UnknownComparator(
            f"No comparator population {key!r}" + (f" at version {version}." if version else ".")
        )
    return population


def read(population: ComparatorPopulation) -> PopulationRead:
    return PopulationRead(
        id=population.id,
        key=population.key,
        version=population.population_version,
        label=population.label,
        source=population.source,
        as_of=population.as_of,
        shares=population.shares,
        created_by=population.created_by,
        created_at=population.created_at,
    )


async def list_all(session: AsyncSession) -> list[PopulationRead]:
    return [read(p) for p in await repository.all_versions(session)]
