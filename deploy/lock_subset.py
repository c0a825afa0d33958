"""Cut the part of `requirements.lock` a set of packages needs, hashes and all, for the image.

`requirements.lock` pins the runtime and the development tools together (one `make lock`). The
image wants only the runtime: pytest, mypy, Schemathesis or hadolint have no place in a production
container. This prints the lock's entries, verbatim with their `--hash` lines, for the roots and
everything they need, following the `# via` annotations `uv pip compile` writes under each entry
(a package is needed when a needed package is one of its `via` parents):

    python deploy/lock_subset.py requirements.lock --runtime requirements.in   # the runtime
    python deploy/lock_subset.py requirements.lock --packages setuptools      # a build backend

`--runtime` takes as roots the requirements listed in `requirements.in` above its
`# Development and test tools` line. The output is then installed with `pip --require-hashes`
without `--no-deps`, so pip itself refuses an incomplete cut (a dependency with no pinned, hashed
entry is an error in hash-checking mode): a wrong cut fails the build, it cannot ship.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DEV_MARKER = "# Development and test tools"
REQUIREMENTS_IN = "-r requirements.in"

_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==")
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


class LockError(ValueError):
    """The lock or the requirements file is not in the shape this tool reads."""


def normalise(name: str) -> str:
    """PEP 503's normalised project name (`Stream_Zip` and `stream-zip` are one project)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Entry:
    """One pinned package of the lock: its lines as written, and who asked for it."""

    name: str
    lines: list[str] = field(default_factory=list)
    parents: set[str] = field(default_factory=set)

    @property
    def direct(self) -> bool:
        return REQUIREMENTS_IN in self.parents


def parse_lock(text: str) -> dict[str, Entry]:
    """The lock's entries by normalised name, in file order, each with its `via` parents."""
    entries: dict[str, Entry] = {}
    current: Entry | None = None
    in_via = False
    for line in text.splitlines():
        match = _ENTRY.match(line)
        if match:
            current = Entry(normalise(match.group(1)), [line])
            entries[current.name] = current
            in_via = False
            continue
        if current is None:
            continue  # the header comment
        stripped = line.strip()
        if stripped.startswith("--hash="):
            current.lines.append(line)
        elif stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            if rest:
                current.parents.add(_parent(rest))
            in_via = not rest
        elif in_via and stripped.startswith("#   "):
            current.parents.add(_parent(stripped.removeprefix("#").strip()))
        elif stripped and not stripped.startswith("#"):
            raise LockError(f"unexpected line in the lock: {line!r}")
    for entry in entries.values():
        if not any(line.strip().startswith("--hash=") for line in entry.lines):
            raise LockError(f"{entry.name} has no --hash in the lock")
    return entries


def _parent(text: str) -> str:
    return text if text.startswith("-r ") else normalise(text)


def runtime_roots(requirements_in: str) -> list[str]:
    """The names listed in `requirements.in` above its development section."""
    lines = requirements_in.splitlines()
    if DEV_MARKER not in (line.strip() for line in lines):
        raise LockError(f"requirements.in has no {DEV_MARKER!r} line to split the runtime at")
    roots: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped == DEV_MARKER:
            break
        if not stripped or stripped.startswith("#"):
            continue
        match = _NAME.match(stripped)
        if match is None:
            raise LockError(f"cannot read a requirement name from {line!r}")
        roots.append(normalise(match.group(1)))
    return roots


def closure(entries: dict[str, Entry], roots: Iterable[str]) -> list[str]:
    """The roots and every entry a chosen entry is (transitively) a `via` parent of."""
    chosen = {normalise(root) for root in roots}
    missing = sorted(chosen - entries.keys())
    if missing:
        raise LockError(f"not in the lock: {', '.join(missing)}")
    changed = True
    while changed:
        changed = False
        for entry in entries.values():
            if entry.name not in chosen and entry.parents & chosen:
                chosen.add(entry.name)
                changed = True
    return [name for name in entries if name in chosen]


def render(entries: dict[str, Entry], names: Iterable[str], roots: Iterable[str]) -> str:
    header = "# Cut from requirements.lock by deploy/lock_subset.py for the roots: " + " ".join(
        sorted(roots)
    )
    body = [line for name in names for line in entries[name].lines]
    return "\n".join([header, *body]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path, help="requirements.lock (uv pip compile, hashes)")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--runtime", type=Path, metavar="REQUIREMENTS_IN")
    group.add_argument("--packages", nargs="+", metavar="NAME")
    args = parser.parse_args(argv)
    try:
        entries = parse_lock(args.lock.read_text(encoding="utf-8"))
        roots = (
            runtime_roots(args.runtime.read_text(encoding="utf-8"))
            if args.runtime
            else args.packages
        )
        sys.stdout.write(render(entries, closure(entries, roots), roots))
    except LockError as exc:
        sys.stderr.write(f"lock_subset: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
