"""A registry of a million projects for the exports benchmark (#12): the generator's own projects
(`plan.build_world`, their final stage and status), replicated with fresh ids and references
until the table holds `rows` (copies keep their original's creation time; on SQLite they are
not in the search index, see `_suspend_search_index`). Written without audit entries or
events, as a registry migrated in bulk from another system would be: the exports benchmark
reads the live table (full and `updated_since` exports), not the history.

    from bench.dataset.bulk import write_projects
    write_projects(target, 1_000_000)  # target: bench.dataset.store.prepare("projects", ...)
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Integer, String, Uuid, cast, func, insert, literal, select, text

from bench.dataset.common import AS_OF, START, uuid7_at
from bench.dataset.plan import Scale, build_world
from bench.dataset.projects import _project_row
from bench.dataset.store import Target, ensure_empty, insert_rows, table_of
from projects_service.projects.models import Project, ProjectStatus

# Distinct projects planned (then replicated): enough variety for realistic cell widths.
TEMPLATES = 2000


def reference(number: int) -> str:
    """`BLK-0000042`: every hundredth row (`...00`) is the 1% the benchmark changes."""
    return f"BLK-{number:07d}"


def project_rows(rows: int, *, seed: int = 1) -> Iterator[dict[str, Any]]:
    """`rows` project rows in the service's shape, oldest first, created between the dataset's
    START and AS_OF (so their ids are time-ordered like the service's)."""
    world = build_world(Scale(projects=min(rows, TEMPLATES), seed=seed))
    templates = []
    for plan in world.projects:
        row = _project_row(plan)
        row["stage"] = plan.stage
        row["paused_from"] = plan.paused_from
        row["status"] = ProjectStatus.archived if plan.archived_at else ProjectStatus.active
        templates.append(row)
    rng = random.Random(f"cmdi-bench-bulk:{seed}")
    span = (AS_OF - dt.timedelta(days=1) - START).total_seconds()
    for number in range(rows):
        created = START + dt.timedelta(seconds=span * number / max(1, rows))
        yield {
            **templates[number % len(templates)],
            "id": uuid7_at(created, rng),
            "reference": reference(number),
            "created_at": created,
            "updated_at": created,
            "stage_changed_at": created,
        }


def write_projects(
    target: Target, rows: int, *, seed: int = 1, say: Callable[[str], None] = lambda _: None
) -> int:
    """Fill the (empty) `project` table of `target` with `rows` rows: the first `TEMPLATES`
    through executemany, then the table copied onto itself (`INSERT ... SELECT`, doubling each
    round) with fresh ids and the next references, which the database does at a
    million rows in seconds where Python would take minutes."""
    table = table_of(Project)
    ensure_empty(target, table)
    written = insert_rows(target, table, project_rows(min(rows, TEMPLATES), seed=seed))
    sqlite = target.engine.dialect.name == "sqlite"
    number = cast(func.substr(table.c.reference, 5), Integer)
    copied = [c for c in table.columns if c.key not in ("id", "reference")]
    restore = _suspend_search_index(target)
    while written < rows:
        offset, take = written, min(written, rows - written)
        # Ids `ffff0000-...-<number in hex>`: valid UUIDs, increasing with the number, so each
        # copy appends to the primary key's index instead of landing all over it.
        if sqlite:
            new_id: Any = literal("ffff") + func.printf("%028x", number + offset)
            new_reference: Any = literal("BLK-") + func.printf("%07d", number + offset)
        else:
            new_id = cast(literal("ffff") + func.lpad(func.to_hex(number + offset), 28, "0"), Uuid)
            new_reference = literal("BLK-") + func.lpad(cast(number + offset, String), 7, "0")
        source = select(new_id, new_reference, *copied).where(number < take)
        with target.engine.begin() as connection:
            connection.execute(
                insert(table).from_select(
                    [table.c.id, table.c.reference, *(c.key for c in copied)], source
                )
            )
        written += take
        say(f"  {written:,} of {rows:,} projects")
    restore()
    return written


def _suspend_search_index(target: Target) -> Callable[[], None]:
    """Take the registry's search index (`shared.search`) off the table for the copies, which
    would otherwise cost most of the load (trigrams of every title and summary, row by row).
    SQLite: the insert trigger that feeds the FTS table is dropped and re-created afterwards, so
    the copies are not searchable (the exports benchmark never searches). PostgreSQL: the GIN
    index is dropped and re-built afterwards in one pass, over every row."""
    with target.engine.begin() as connection:
        if target.engine.dialect.name == "sqlite":
            saved = [
                (name, sql_)
                for name, sql_ in connection.execute(
                    text(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                        "AND tbl_name = 'project' AND name LIKE :pattern"
                    ),
                    {"pattern": "search_%insert"},
                )
            ]
            for name, _ in saved:
                connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        else:
            saved = [
                (name, sql_)
                for name, sql_ in connection.execute(
                    text(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'project' "
                        "AND indexdef LIKE :pattern"
                    ),
                    {"pattern": "%USING gin%"},
                )
            ]
            for name, _ in saved:
                connection.exec_driver_sql(f'DROP INDEX "{name}"')

    def restore() -> None:
        with target.engine.begin() as connection:
            for _, sql_ in saved:
                connection.exec_driver_sql(sql_)

    return restore
