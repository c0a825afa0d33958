"""Run a benchmark's "before" in the same run as its "after": `packages_at(ref, ...)` writes
packages (`shared`, `gateway`) into a directory that, put first on PYTHONPATH, replaces the
working tree's copy in a server process (editable installs come later on sys.path). A package is
today's copy with `REVERTED` files as they were at the revision (the services of today need
today's other `shared` modules), or, if none are listed, the whole package at the revision."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {"shared": "shared/src/shared", "gateway": "services/gateway/src/gateway"}
# The read-path files of issue #16 items 2, 7 and 8 and #10 item 10 (the H9 section of
# RESULTS.md): its "before" is today's `shared` with these as they were.
REVERTED = {
    "shared": ["app.py", "auth.py", "db.py", "settings.py", "sqlite_inline.py"],
    "gateway": [],
}


def packages_at(ref: str, packages: list[str], into: Path) -> str:
    """Extract `packages` at `ref` under `into`; returns the PYTHONPATH entry to use."""
    into.mkdir(parents=True, exist_ok=True)
    for name in packages:
        source = SOURCES[name]
        if REVERTED[name]:
            shutil.copytree(ROOT / source, into / name, dirs_exist_ok=True)
            for file in REVERTED[name]:
                old = subprocess.run(
                    ["git", "show", f"{ref}:{source}/{file}"],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                ).stdout
                (into / name / file).write_bytes(old)
            continue
        archive = subprocess.run(
            ["git", "archive", "--format=tar", ref, source],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        prefix = source.rsplit("/", 1)[0] + "/"
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            for member in tar.getmembers():
                if not member.name.startswith(prefix):
                    continue
                member.name = member.name[len(prefix) :]
                tar.extract(member, into, filter="data")
    return str(into)


def describe(ref: str) -> str:
    """`ref` as a short commit id and subject line, for the results."""
    return subprocess.run(
        ["git", "log", "-1", "--format=%h %s", ref],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()[:90]
