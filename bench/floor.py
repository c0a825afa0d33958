"""The floor of the design card's stack: FastAPI, SQLAlchemy 2 and pydantic reading the same
organisations table the stakeholders service reads, with nothing of ours in the request path (no
middleware, authentication, parameter checks, ETags, problem handling or dependencies), only the
same database connection (`shared.db.Database`, so SQLite runs on the same inline driver and
PostgreSQL on the same autocommit read engine) and rows turned into dicts the way the service
turns them (`shared.pagination.row_dicts`, the fastest input pydantic validates). It answers
what a GET costs before any of the service's own work: `bench.run` compares the service with it
in the same run.

`BENCH_FLOOR_DATABASE_URL` names the service's database (already migrated and filled)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException
from pydantic import TypeAdapter
from sqlalchemy import bindparam, select

from shared.db import Database
from shared.pagination import Page, row_dict, row_dicts
from stakeholders_service.organisations.models import Organisation
from stakeholders_service.organisations.schemas import OrganisationRead

_TABLE = Organisation.__table__
_BY_ID = select(*_TABLE.c).where(_TABLE.c.id == bindparam("id", type_=_TABLE.c.id.type))
# The service's default order (by id), with `limit + 1` rows as its keyset pagination reads.
_PAGE = select(*_TABLE.c).order_by(_TABLE.c.id).limit(bindparam("limit"))
_ITEMS = TypeAdapter(list[OrganisationRead])
_database: dict[str, Database] = {}


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    database = Database.connect(os.environ["BENCH_FLOOR_DATABASE_URL"], info={})
    _database["db"] = database
    yield
    await database.dispose()


app = FastAPI(lifespan=_lifespan)


@app.get("/organisations/{organisation_id}")
async def get_organisation(organisation_id: uuid.UUID) -> OrganisationRead:
    async with _database["db"].read_sessionmaker() as session:
        row = (await session.execute(_BY_ID, {"id": organisation_id})).one_or_none()
    if row is None:
        raise HTTPException(404)
    return OrganisationRead.model_validate(row_dict(row))


@app.get("/organisations")
async def list_organisations(limit: int = 50) -> Page[OrganisationRead]:
    async with _database["db"].read_sessionmaker() as session:
        rows = (await session.execute(_PAGE, {"limit": limit + 1})).all()
    items = _ITEMS.validate_python(row_dicts(rows[:limit]))
    return Page[OrganisationRead](items=items, next_cursor=None)
