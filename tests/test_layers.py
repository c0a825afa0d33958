"""Only repositories query: no route or service module builds or runs a SQL statement.

The import-linter contracts in pyproject.toml hold the import direction (routes → service →
repository); this holds what they cannot see, a service importing `select` from SQLAlchemy or
calling `session.execute` itself. Issue #10 item 2.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.backend_independent  # the PostgreSQL run leaves it out

ROOT = Path(__file__).resolve().parents[1]
SERVICE_SOURCES = [
    ROOT / "services" / name / "src"
    for name in ("projects", "assessment", "stakeholders", "integrations")
]
# What a route or service may take from SQLAlchemy: the session type (to pass it on), errors
# (to translate them) and nothing that builds a statement.
ALLOWED_SQLALCHEMY_IMPORTS = {
    "sqlalchemy.ext.asyncio": {"AsyncSession"},
    "sqlalchemy.exc": None,  # any exception class
    "sqlalchemy.orm.interfaces": {"ORMOption"},  # the type of loader options handed to a repository
}
# Methods that run a statement. `add`, `flush` and `delete(obj)` on the unit of work stay in
# services: they change objects the service holds, they do not query.
QUERY_METHODS = {"execute", "scalars", "scalar", "stream", "stream_scalars"}


def _layer_modules(layer: str) -> list[Path]:
    found: list[Path] = []
    for source in SERVICE_SOURCES:
        found += sorted(source.rglob(f"{layer}.py"))
        found += sorted(p for p in source.rglob("*.py") if p.parent.name == layer)
    return found


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    problems: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("sqlalchemy")
        ):
            allowed = ALLOWED_SQLALCHEMY_IMPORTS.get(node.module, set())
            for alias in node.names:
                if allowed is not None and alias.name not in allowed:
                    problems.append(f"line {node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            problems += [
                f"line {node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.startswith("sqlalchemy")
            ]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERY_METHODS
        ):
            problems.append(f"line {node.lineno}: .{node.func.attr}(...)")
    return problems


MODULES = _layer_modules("routes") + _layer_modules("service")


def test_the_layers_are_found() -> None:
    # A rename that hid every module from this test would make it pass vacuously.
    assert len(MODULES) >= 30


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_routes_and_services_do_not_query(path: Path) -> None:
    assert _violations(path) == [], "move the query into the package's repository"
