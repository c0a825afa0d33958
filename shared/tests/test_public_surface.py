"""The shared library's public surface stays as documented: `shared.__all__` names every module,
shared/README.md has a row for each (and for each `shared.testing` module), and every `__all__`
names only what its module defines."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import shared

PACKAGE = Path(shared.__file__).resolve().parent
README = PACKAGE.parents[1] / "README.md"


def _modules(folder: Path) -> list[str]:
    names = [path.stem for path in folder.glob("*.py") if path.stem != "__init__"]
    names += [path.parent.name for path in folder.glob("*/__init__.py")]
    return sorted(names)


def test_all_names_every_module() -> None:
    assert sorted(shared.__all__) == _modules(PACKAGE)


def test_the_readme_has_a_row_for_every_module() -> None:
    rows = set(re.findall(r"^\| `([\w/]+(?:\.py|/))`", README.read_text(encoding="utf-8"), re.M))
    wanted = {
        f"{name}.py" if (PACKAGE / f"{name}.py").exists() else f"{name}/" for name in shared.__all__
    }
    wanted |= {f"testing/{name}.py" for name in _modules(PACKAGE / "testing")}
    assert sorted(wanted - rows) == []
    assert sorted(rows - wanted) == [], "rows for modules that are gone"


def test_every_all_names_what_its_module_defines() -> None:
    for name in [*shared.__all__, *(f"testing.{m}" for m in _modules(PACKAGE / "testing"))]:
        module = importlib.import_module(f"shared.{name}")
        exported = getattr(module, "__all__", [])
        missing = [item for item in exported if not hasattr(module, item)]
        assert missing == [], f"shared.{name}.__all__ names what it lacks: {missing}"
