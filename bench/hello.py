"""The baseline: the smallest FastAPI app, also the upstream for the gateway pass-through, and the
"same page from memory" of the page benchmark: a bare FastAPI app returning our `Page` model of
`OrganisationRead` items, validated once at startup from the JSON file `BENCH_PAGE_FILE` names
(a page the stakeholders service served), so only serialisation remains per request."""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi import FastAPI

from shared.pagination import Page
from stakeholders_service.organisations.schemas import OrganisationRead

app = FastAPI()

_PAGE_FILE = os.environ.get("BENCH_PAGE_FILE")
_PAGE = (
    Page[OrganisationRead].model_validate(json.loads(Path(_PAGE_FILE).read_text()))
    if _PAGE_FILE
    else Page[OrganisationRead](items=[], next_cursor=None)
)


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


@app.get("/v1/projects/hello")
async def hello_behind_the_gateway() -> dict[str, str]:
    """The same answer at a path the gateway routes here (`/api/v1/projects/hello`)."""
    return {"hello": "world"}


@app.get("/page")
async def page_from_memory() -> Page[OrganisationRead]:
    return _PAGE
