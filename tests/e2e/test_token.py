"""`make token` prints exactly one line, a development JWT, so scripts can capture it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jwt
import pytest

from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
JWT_LINE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$")


def python() -> str:
    return str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


def claims_of(stdout: str) -> dict[str, object]:
    assert JWT_LINE.match(stdout), f"not exactly one JWT line: {stdout!r}"
    decoded: dict[str, object] = jwt.decode(
        stdout.strip(), DEV_JWT_KEY, algorithms=["HS256"], audience=DEV_AUDIENCE, issuer=DEV_ISSUER
    )
    return decoded


def test_the_token_script_prints_one_jwt_line() -> None:
    result = subprocess.run(
        [python(), "-m", "scripts.token", "--role", "admin", "--sub", "alice"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    claims = claims_of(result.stdout)
    assert claims["sub"] == "alice"
    assert claims["roles"] == ["admin"]


def test_the_token_script_refuses_an_unknown_role_without_printing() -> None:
    result = subprocess.run(
        [python(), "-m", "scripts.token", "--role", "superuser"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert "usage" in result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(
    ("arguments", "subject"),
    [(["token", "ROLE=admin", "SUB=alice"], "alice"), (["-s", "token", "ROLE=admin"], "dev-admin")],
)
def test_make_token_prints_nothing_but_the_token(arguments: list[str], subject: str) -> None:
    # As typed in a shell, not as a sub-make of `make test-e2e` (which prints "Entering directory").
    env = {k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}
    result = subprocess.run(
        ["make", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # `install` is a no-op when .venv is current
        check=False,
    )
    assert result.returncode == 0, result.stderr
    claims = claims_of(result.stdout)
    assert claims["sub"] == subject
    assert claims["roles"] == ["admin"]
