"""Where `cmdi export --since last` keeps the high-water mark of the previous complete run: a
small JSON file next to the output (`<output>.cmdi-state.json`), or under
`$XDG_STATE_HOME/cmdi/` (default `~/.local/state/cmdi/`) when the output is standard output."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

STATE_SUFFIX = ".cmdi-state.json"


@dataclass(frozen=True)
class Mark:
    """What the next incremental run needs, and what it must match: the same API, dataset,
    format and filters (another combination would skip rows it never loaded)."""

    url: str
    dataset: str
    format: str
    filters: list[tuple[str, str]]
    high_water_mark: str
    as_of: str | None
    finished_at: str

    def same_job(
        self, url: str, dataset: str, format_: str, filters: list[tuple[str, str]]
    ) -> bool:
        return (self.url.rstrip("/"), self.dataset, self.format, sorted(self.filters)) == (
            url.rstrip("/"),
            dataset,
            format_,
            sorted(filters),
        )


def state_path(output: Path | None, dataset: str) -> Path:
    if output is not None:
        return output.with_name(output.name + STATE_SUFFIX)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "cmdi" / f"{dataset}.json"


def load(path: Path) -> Mark | None:
    """The stored mark, or None when there is none yet (the first run is a full export)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError(f"the state file {path} is unreadable ({exc}); remove it") from exc
    try:
        raw["filters"] = [(str(k), str(v)) for k, v in raw["filters"]]
        return Mark(**raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"the state file {path} is not a cmdi state file; remove it") from exc


def save(path: Path, mark: Mark) -> None:
    """Written to a temporary file and renamed, so a crash never leaves half a state file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(asdict(mark), indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
