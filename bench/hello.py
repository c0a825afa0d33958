"""The baseline: the smallest FastAPI app, also the upstream for the gateway pass-through."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


@app.get("/v1/projects/hello")
async def hello_behind_the_gateway() -> dict[str, str]:
    """The same answer at a path the gateway routes here (`/api/v1/projects/hello`)."""
    return {"hello": "world"}
