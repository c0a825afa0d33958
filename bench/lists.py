"""`python -m bench.lists`: what a list page costs in SQL on the large dataset (`make bench-data`),
as ratios measured in one run (issue #16 items 5 and 6):

- every documented `?sort=` (both directions) of every root list against its default order;
- page 1000 against page 1, in the default order and each sort, on lists of 10,000 rows or more
  (at `limit = rows // 1000`, at most 50, so page 1000 exists);
- `?q=` with many hits, few, none, and a long phrase, against the list's default page (with
  the search planned as the service plans it: on SQLite a probe of the index, in the figure).

A page is the statement the service runs for it without filters: `select(<table>)` narrowed by
`shared.pagination` (keyset condition, order, `limit + 1`) and `shared.search`, executed through
the service's own read engine (`shared.db.Database`) and fetched as Core rows, so ORM and
response costs (the same for every page) do not dilute the ratios. The lists and their sorts are
read from the services' routes. Each scenario runs `--runs` times per round after a warm-up,
rounds interleave the scenarios, and a figure is the median over every run.

    .venv/bin/python -m bench.lists --backend sqlite --backend postgresql
    .venv/bin/python -m bench.lists --url projects=sqlite+aiosqlite:///var/bench/projects.db ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from sqlalchemy import Select, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from bench.dataset import SERVICES
from shared.changes import to_jsonable
from shared.db import Database
from shared.migrations import upgrade
from shared.pagination import Pagination, SortKey, _encode, declared_sorts
from shared.routing import api_routes
from shared.search import TextSearch

ROOT = Path(__file__).resolve().parents[1]
DEEP_PAGE = 1000
DEEP_ROWS = 10_000  # lists this long get a page-1000 scenario
SORT_TARGET = 3.0  # a sorted page or a search within 3x the default page
DEEP_TARGET = 1.2  # page 1000 within 1.2x page 1
NO_HITS = "zqxjv"


def _routers(service: str) -> list[APIRouter]:
    module = __import__(f"{service}_service.api", fromlist=["routers"])
    routers: list[APIRouter] = module.routers
    return routers


def _searches(service: str) -> list[TextSearch]:
    if service == "projects":
        from projects_service.projects import repository as projects

        return [projects.SEARCH]
    if service == "stakeholders":
        from stakeholders_service.organisations import repository as organisations
        from stakeholders_service.stakeholders import repository as stakeholders

        return [stakeholders.SEARCH, organisations.SEARCH]
    return []


def _alembic_ini(service: str) -> Path:
    return ROOT / "services" / service / "alembic.ini"


@dataclass
class ListPage:
    """A root list: its table, id column and documented sorts (name to column)."""

    path: str
    table: Table
    id_column: Any
    sorts: dict[str, Any] = field(default_factory=dict)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for dependency in dependant.dependencies:
        yield from _calls(dependency)


def root_lists(routers: list[APIRouter]) -> list[ListPage]:
    """Lists not under a path parameter, with at least one documented sort on a table."""
    found: dict[str, ListPage] = {}
    for router in routers:
        for route in api_routes(router.routes):  # included routers' routes too
            if "GET" not in route.methods:
                continue
            if re.search(r"{\w+}", route.path):
                continue
            for call in _calls(route.dependant):
                for name, column in (declared_sorts(call) or {}).items():
                    table = column.table
                    if not isinstance(table, Table):
                        continue
                    (id_column,) = table.primary_key.columns
                    page = found.setdefault(route.path, ListPage(route.path, table, id_column))
                    page.sorts[name] = column
    return list(found.values())


@dataclass(frozen=True)
class Scenario:
    key: str
    service: str
    title: str
    statement: Select[Any]
    baseline: str | None  # the key this one is a ratio to
    target: float | None
    # A `?q=`: the search planned in the run, as the service plans it (`TextSearch.condition`,
    # a probe on SQLite), so its cost is in the figure.
    search: tuple[TextSearch, str] | None = None


def _pagination(sort: SortKey | None, *, limit: int, cursor: str | None = None) -> Pagination:
    request = Request({"type": "http", "path": "/", "query_string": b"", "headers": []})
    return Pagination(
        request=request,
        response=Response(),
        limit=limit,
        cursor=cursor,
        sort=sort,
        updated_since=None,
    )


def _page(page: ListPage, sort: SortKey | None, *, limit: int, cursor: str | None = None) -> Any:
    statement, _ = _pagination(sort, limit=limit, cursor=cursor).statement(
        select(page.table), id_column=page.id_column
    )
    return statement


async def _deep_cursor(
    sessions: async_sessionmaker[AsyncSession], page: ListPage, sort: SortKey, *, limit: int
) -> str:
    """The cursor a client holds after reading page 999: the last row of that page."""
    columns = [sort.column, page.id_column] if sort.column is not page.id_column else [sort.column]
    order = [c.desc() if sort.descending else c.asc() for c in columns]
    statement = (
        select(sort.column, page.id_column)
        .order_by(*order)
        .offset((DEEP_PAGE - 1) * limit - 1)
        .limit(1)
    )
    async with sessions() as session:
        value, last_id = (await session.execute(statement)).one()
    return _encode(
        {
            "s": ("-" if sort.descending else "") + sort.name,
            "v": to_jsonable(value),
            "id": to_jsonable(last_id),
        }
    )


async def _terms(sessions: async_sessionmaker[AsyncSession], search: TextSearch) -> dict[str, str]:
    """From 500 rows of the first searched column: its most common word (many hits), its
    rarest (few), a term found nowhere, and one row's whole value (a long phrase: the most
    trigrams to look up)."""
    first = search.columns[0]
    async with sessions() as session:
        sample = [v for v in await session.scalars(select(first).limit(500)) if v]
    words = Counter(word.lower() for value in sample for word in re.findall(r"[A-Za-z]{6,}", value))
    ranked = [word for word, _ in words.most_common()]
    return {
        "many hits": ranked[0] if ranked else NO_HITS,
        "few hits": ranked[-1] if ranked else NO_HITS,
        "no hits": NO_HITS,
        "long phrase": max(sample, key=len) if sample else NO_HITS,
    }


async def scenarios(
    service: str, sessions: async_sessionmaker[AsyncSession], lists: list[ListPage]
) -> list[Scenario]:
    built: list[Scenario] = []
    searches = {search.table: search for search in _searches(service)}
    for page in lists:
        name = page.path.removeprefix("/v1/")
        default = f"{service}:{name}:default"
        built.append(
            Scenario(
                default, service, f"{name}: default order", _page(page, None, limit=50), None, None
            )
        )
        for sort_name, column in page.sorts.items():
            for descending in (False, True):
                label = ("-" if descending else "") + sort_name
                sort = SortKey(sort_name, column, descending)
                built.append(
                    Scenario(
                        f"{default}:{label}",
                        service,
                        f"{name}: sort={label}",
                        _page(page, sort, limit=50),
                        default,
                        SORT_TARGET,
                    )
                )
        search = searches.get(page.table.name)
        if search is not None:
            for kind, term in (await _terms(sessions, search)).items():
                built.append(
                    Scenario(
                        f"{default}:q:{kind}",
                        service,
                        f"{name}: q={term!r} ({kind})",
                        _page(page, None, limit=50),
                        default,
                        SORT_TARGET,
                        search=(search, term),
                    )
                )
        async with sessions() as session:
            rows = int(await session.scalar(select(func.count()).select_from(page.table)) or 0)
        if rows < DEEP_ROWS:
            continue
        limit = min(50, rows // DEEP_PAGE)
        orders: list[tuple[str, SortKey | None, SortKey]] = [
            ("default", None, SortKey(page.id_column.key, page.id_column, False))
        ]
        orders += [
            (f"sort={n}", SortKey(n, c, False), SortKey(n, c, False)) for n, c in page.sorts.items()
        ]
        for label, order, cursor_sort in orders:
            first = f"{default}:p1:{label}"
            cursor = await _deep_cursor(sessions, page, cursor_sort, limit=limit)
            built.append(
                Scenario(
                    first,
                    service,
                    f"{name}: {label}, page 1 (limit {limit})",
                    _page(page, order, limit=limit),
                    None,
                    None,
                )
            )
            built.append(
                Scenario(
                    f"{default}:p{DEEP_PAGE}:{label}",
                    service,
                    f"{name}: {label}, page {DEEP_PAGE} (limit {limit}, "
                    f"{(DEEP_PAGE - 1) * limit:,} rows in)",
                    _page(page, order, limit=limit, cursor=cursor),
                    first,
                    DEEP_TARGET,
                )
            )
    return built


@dataclass
class Measured:
    scenario: Scenario
    times: list[float] = field(default_factory=list)  # seconds per page
    rows: int = 0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000


async def _run_once(
    sessions: async_sessionmaker[AsyncSession], scenario: Scenario
) -> tuple[float, int]:
    started = time.perf_counter()
    async with sessions() as session:
        statement = scenario.statement
        if scenario.search is not None:
            search, term = scenario.search
            statement = statement.where(await search.condition(session, term))
        connection = await session.connection()
        rows = (await connection.execute(statement)).all()
    return time.perf_counter() - started, len(rows)


async def measure_backend(
    urls: dict[str, str],
    *,
    rounds: int,
    runs: int,
    migrate: bool,
    only: str | None,
    say: Callable[[str], None],
) -> list[Measured]:
    measured: dict[str, Measured] = {}
    databases: dict[str, Database] = {}
    try:
        for service, url in urls.items():
            if migrate:
                say(f"{service}: migrating to head")
                await asyncio.to_thread(upgrade, _alembic_ini(service), url)
            databases[service] = Database.connect(url, info={})
            sessions = databases[service].read_sessionmaker
            built = await scenarios(service, sessions, root_lists(_routers(service)))
            kept = [item for item in built if only is None or only in item.key]
            needed = {item.key for item in kept} | {item.baseline for item in kept}
            for scenario in built:
                if scenario.key in needed:
                    measured[scenario.key] = Measured(scenario)
        say(f"{len(measured)} scenarios, {rounds} rounds of {runs} runs")
        for round_ in range(rounds):
            for item in measured.values():
                sessions = databases[item.scenario.service].read_sessionmaker
                for _ in range(2):  # warm the caches and the statement cache
                    await _run_once(sessions, item.scenario)
                for _ in range(runs):
                    seconds, item.rows = await _run_once(sessions, item.scenario)
                    item.times.append(seconds)
            say(f"round {round_ + 1} done")
    finally:
        for database in databases.values():
            await database.dispose()
    return list(measured.values())


def ratio(item: Measured, by_key: dict[str, Measured]) -> float | None:
    if item.scenario.baseline is None:
        return None
    return item.median_ms / by_key[item.scenario.baseline].median_ms


def table(results: list[Measured]) -> str:
    by_key = {item.scenario.key: item for item in results}
    lines = [
        "| service | scenario | rows | median ms | ratio | target | met |",
        "|---|---|---:|---:|---:|---:|:---:|",
    ]
    for item in results:
        value = ratio(item, by_key)
        target = item.scenario.target
        met = "" if value is None or target is None else ("yes" if value <= target else "**no**")
        lines.append(
            f"| {item.scenario.service} | {item.scenario.title} | {item.rows} | "
            f"{item.median_ms:.3f} | {'' if value is None else f'{value:.2f}x'} | "
            f"{'' if target is None else f'≤ {target}x'} | {met} |"
        )
    return "\n".join(lines)


def _default_urls(backend: str, directory: Path) -> dict[str, str]:
    if backend == "sqlite":
        return {s: f"sqlite+aiosqlite:///{(directory / f'{s}.db').resolve()}" for s in SERVICES}
    return {s: f"postgresql+psycopg://postgres@127.0.0.1:5432/bench_{s}" for s in SERVICES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.lists",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--dir", type=Path, default=Path("var/bench"), help="the SQLite files")
    parser.add_argument(
        "--url",
        action="append",
        default=[],
        metavar="SERVICE=URL",
        help="A service's database (async URL); replaces --backend",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20, help="executions per scenario and round")
    parser.add_argument("--no-migrate", action="store_true", help="do not upgrade to head first")
    parser.add_argument("--only", help="only scenarios whose key contains this (and baselines)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    runs: list[tuple[str, dict[str, str]]] = []
    if args.url:
        runs.append(("given", dict(item.split("=", 1) for item in args.url)))
    for backend in args.backend or ([] if args.url else ["sqlite"]):
        runs.append((backend, _default_urls(backend, args.dir)))
    report: dict[str, list[dict[str, Any]]] = {}

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    for name, urls in runs:
        say(f"== {name}")
        results = asyncio.run(
            measure_backend(
                urls,
                rounds=args.rounds,
                runs=args.runs,
                migrate=not args.no_migrate,
                only=args.only,
                say=say,
            )
        )
        by_key = {item.scenario.key: item for item in results}
        report[name] = [
            {
                "key": item.scenario.key,
                "title": item.scenario.title,
                "rows": item.rows,
                "median_ms": round(item.median_ms, 4),
                "ratio": ratio(item, by_key),
                "target": item.scenario.target,
            }
            for item in results
        ]
        if not args.json:
            print(f"\n### {name}\n\n{table(results)}\n")
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
