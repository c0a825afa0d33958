"""Rolling upgrades: the previous release's code keeps working on the new schema.

The previous release of the projects service is the commit before its newest migration was added
(or the last commit, while a new migration is still uncommitted in the working tree). Its
`services/projects/src` and `shared/src`, taken from git with `git archive`, run in a real
uvicorn process on this interpreter's dependencies (first on `PYTHONPATH`), through the steps of a
rolling upgrade (docs/conventions.md, "Migrations and rolling upgrades"):

1. the database is at the previous release's head and the old code serves it (ready) and writes;
2. the new migrations run while the old code is serving;
3. the old code reads what it wrote and writes more, on the new schema;
4. the new code starts beside it on the same database (ready) and writes;
5. both read everything, each other's rows included: never a 5xx, and the same values.

Readiness of the old code on the new schema is not asserted beyond its database check: today
`/readyz` wants the database exactly at the code's own head, so an old replica reports
`migrations: pending` once the new migrations have run (see the conventions section).

It needs the repository's git history: in a shallow clone without that commit it is skipped.
"""

from __future__ import annotations

import asyncio
import io
import runpy
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from scripts.processes import Stack, allocate_ports
from scripts.services import ROOT, SERVICES
from shared.migrations import upgrade
from shared.testing import TokenFactory, dead_url, empty_database, member_body, project_body

pytestmark = pytest.mark.e2e

SERVICE = next(s for s in SERVICES if s.name == "projects")
VERSIONS = f"services/{SERVICE.name}/migrations/versions"
# What the old code needs from its own tree: its package, the shared library, and its migrations
# (readiness compares the database with the heads of the migrations next to the code).
OLD_PATHS = (
    f"services/{SERVICE.name}/src",
    f"services/{SERVICE.name}/alembic.ini",
    f"services/{SERVICE.name}/migrations",
    "shared/src",
)
READY_TIMEOUT = 60.0
MIGRATE_TIMEOUT = 120.0
# Sub-collections of a project read by both releases.
PROJECT_LISTS = ("team", "milestones", "transitions")

Json = Any


def git(*args: str) -> str | None:
    """A git command's output in this repository; None when it fails (no git, no such commit)."""
    if shutil.which("git") is None:
        return None
    finished = subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )
    return finished.stdout.strip() if finished.returncode == 0 else None


def previous_release() -> tuple[str, str]:
    """The commit of the previous release and why it is that one, or skip with the reason."""
    head = git("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if head is None:
        pytest.skip("not a git checkout: the previous release's code comes from git history")
    tracked = set((git("ls-files", "--", VERSIONS) or "").splitlines())
    present = {
        str(path.relative_to(ROOT)) for path in (ROOT / VERSIONS).glob("*.py") if path.is_file()
    }
    if present - tracked:
        return head, f"HEAD, before the uncommitted {sorted(present - tracked)}"
    added = git("log", "-1", "--diff-filter=A", "--format=%H", "--", VERSIONS)
    if not added:
        pytest.skip(f"no commit adds a migration under {VERSIONS} in this history")
    parent = git("rev-parse", "--verify", "--quiet", f"{added}^1^{{commit}}")
    if parent is None:
        shallow = git("rev-parse", "--is-shallow-repository") == "true"
        pytest.skip(
            f"the commit before {added[:12]} (the newest migration) is not in this clone"
            + (" (a shallow clone: fetch with --unshallow, or actions/checkout fetch-depth: 0)")
            * shallow
        )
    return parent, f"{parent[:12]}, the parent of {added[:12]} which added the newest migration"


@contextmanager
def old_tree(commit: str) -> Iterator[Path]:
    """The old release's code and migrations, unpacked from git into a temporary directory."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "--", *OLD_PATHS],
        capture_output=True,
        check=True,
    ).stdout
    with tempfile.TemporaryDirectory(prefix="previous-release-") as directory:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(directory, filter="data")
        yield Path(directory)


def head_of(alembic_ini: Path) -> str:
    heads = ScriptDirectory.from_config(Config(str(alembic_ini))).get_heads()
    assert len(heads) == 1, f"{alembic_ini}: {heads}"
    return heads[0]


@dataclass(frozen=True)
class Bodies:
    """A release's canonical request bodies (`shared/testing/bodies.py`)."""

    project: Callable[..., dict[str, Any]]
    member: Callable[..., dict[str, Any]]


CURRENT = Bodies(project=project_body, member=member_body)


def bodies_of(tree: Path) -> Bodies:
    """The previous release's own bodies, so the old API is sent what it takes (a field added
    since would be refused as unknown); today's if that release had none."""
    path = tree / "shared/src/shared/testing/bodies.py"
    if not path.is_file():
        return CURRENT
    names = runpy.run_path(str(path))
    return Bodies(project=names["project_body"], member=names["member_body"])


@asynccontextmanager
async def serving(url: str, env: Mapping[str, str]) -> AsyncIterator[Stack]:
    """The service in its own uvicorn process on `url`'s database; stopped on exit. Its
    consumers are off and its upstreams dead ports: this test is about its own database."""
    stack = Stack(
        ports=allocate_ports([SERVICE]),
        database_urls={SERVICE.name: url},
        services=[SERVICE],
        env={
            f"{SERVICE.env_prefix}CONSUMER_ENABLED": "false",
            f"{SERVICE.env_prefix}SERVICE_URLS__ASSESSMENT": dead_url(),
            f"{SERVICE.env_prefix}SERVICE_URLS__STAKEHOLDERS": dead_url(),
            **env,
        },
    )
    try:
        stack.start()
        await asyncio.to_thread(stack.wait_ready, READY_TIMEOUT)
        yield stack
    finally:
        await asyncio.to_thread(stack.stop, 10.0)


def imported_from(stack: Stack) -> dict[str, str]:
    """Where the service's process imports its package and `shared` from (same interpreter,
    environment and directory as the uvicorn child)."""
    process = stack.processes[SERVICE.name]
    code = (
        "import projects_service, shared; print(projects_service.__file__); print(shared.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=process.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {"projects_service": out[0], "shared": out[1]}


def checked(response: httpx.Response, status: int) -> Json:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url.path}: "
        f"{response.status_code} {response.text[:500]}"
    )
    return response.json()


async def write(api: httpx.AsyncClient, bodies: Bodies, tag: str) -> str:
    """A project with a team member, a milestone, an edit and a stage change; its id."""
    body = bodies.project(title=f"Written by the {tag} release")
    project = checked(await api.post("/v1/projects", json=body), 201)
    base = f"/v1/projects/{project['id']}"
    checked(await api.post(f"{base}/team", json=bodies.member(f"member-{tag}")), 201)
    checked(await api.post(f"{base}/milestones", json={"title": f"Milestone {tag}"}), 201)
    etag = (await api.get(base)).headers["etag"]
    patch = {"summary": f"Edited by the {tag} release."}
    checked(await api.patch(base, json=patch, headers={"If-Match": etag}), 200)
    checked(await api.post(f"{base}/transitions", json={"to": "paused", "reason": tag}), 200)
    return str(project["id"])


async def every_item(api: httpx.AsyncClient, path: str) -> list[Json]:
    items: list[Json] = []
    params: dict[str, str | int] = {"limit": 200}
    while True:
        page = checked(await api.get(path, params=params), 200)
        items += page["items"]
        if not page["next_cursor"]:
            return items
        params = {"limit": 200, "cursor": page["next_cursor"]}


async def whole_feed(api: httpx.AsyncClient, path: str) -> list[Json]:
    items: list[Json] = []
    after = "0"
    while True:
        feed = checked(await api.get(path, params={"after": after, "limit": 200}), 200)
        items += feed["items"]
        after = feed["next_cursor"]
        if not feed["has_more"]:
            return items


async def read_all(api: httpx.AsyncClient, ids: list[str]) -> dict[str, Json]:
    """Everything one release reads of the projects `ids`: lists, details, sub-lists, feed and
    audit trail; each read must succeed."""
    seen: dict[str, Json] = {"list": await every_item(api, "/v1/projects")}
    assert {p["id"] for p in seen["list"]} >= set(ids)
    for project_id in ids:
        base = f"/v1/projects/{project_id}"
        seen[base] = checked(await api.get(base), 200)
        for sub in PROJECT_LISTS:
            seen[f"{base}/{sub}"] = await every_item(api, f"{base}/{sub}")
    seen["events"] = await whole_feed(api, "/v1/events")
    seen["audit"] = await whole_feed(api, "/v1/audit/trail")
    return seen


def same_where_shared(old: Json, new: Json, where: str = "") -> list[str]:
    """Where the two releases disagree on a value both of them show (the new one may add)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            d
            for k in old.keys() & new.keys()
            for d in same_where_shared(old[k], new[k], f"{where}/{k}")
        ]
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where}: {len(old)} items (old) against {len(new)} (new)"]
        return [
            d
            for i, (o, n) in enumerate(zip(old, new, strict=True))
            for d in same_where_shared(o, n, f"{where}/{i}")
        ]
    return [] if old == new else [f"{where}: {old!r} (old) against {new!r} (new)"]


async def test_the_previous_release_runs_on_the_new_schema(tokens: TokenFactory) -> None:
    commit, why = previous_release()
    headers = tokens.headers("governance", "service", sub="upgrade-test")
    with old_tree(commit) as tree:
        old_head, new_head = head_of(tree / OLD_PATHS[1]), head_of(SERVICE.alembic_ini)
        newer = ScriptDirectory.from_config(Config(str(SERVICE.alembic_ini)))
        assert old_head != new_head, f"{why}: no newer migration to run"
        assert old_head in {r.revision for r in newer.walk_revisions()}, "history was rewritten"
        previous = bodies_of(tree)
        old_env = {"PYTHONPATH": f"{tree / OLD_PATHS[0]}:{tree / OLD_PATHS[3]}"}

        async with empty_database(SERVICE.name, "upgrade") as url:
            await asyncio.to_thread(upgrade, SERVICE.alembic_ini, url, old_head)
            async with serving(url, old_env) as old:
                imported = imported_from(old)
                assert all(path.startswith(str(tree)) for path in imported.values()), imported
                async with httpx.AsyncClient(
                    base_url=old.url(SERVICE.name), headers=headers, trust_env=False, timeout=10
                ) as old_api:
                    made_by_old = [await write(old_api, previous, "old")]

                    # The new release's migrations, while the old release is serving.
                    await asyncio.wait_for(
                        asyncio.to_thread(upgrade, SERVICE.alembic_ini, url), MIGRATE_TIMEOUT
                    )
                    await read_all(old_api, made_by_old)
                    made_by_old.append(await write(old_api, previous, "old, upgraded"))

                    async with (
                        serving(url, {}) as new,
                        httpx.AsyncClient(
                            base_url=new.url(SERVICE.name),
                            headers=headers,
                            trust_env=False,
                            timeout=10,
                        ) as new_api,
                    ):
                        made_by_new = await write(new_api, CURRENT, "new")
                        everything = [*made_by_old, made_by_new]
                        by_old = await read_all(old_api, everything)
                        by_new = await read_all(new_api, everything)
                        assert same_where_shared(by_old, by_new) == []

                    readiness = (await old_api.get("/readyz")).json()
                    assert readiness["checks"]["database"] == "ok", readiness
