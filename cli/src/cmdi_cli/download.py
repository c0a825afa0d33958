"""Streaming a response body to a file with a progress bar of rows and bytes. The body goes to
`<file>.part` and is renamed only once it is complete, so an interrupted download never
replaces (or looks like) a finished file."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

CHUNK = 64 * 1024


class RowCounter:
    """Counts records as bytes arrive. CSV: line ends outside double quotes (RFC 4180 quotes
    cells holding a line break, and `""` inside a quoted cell toggles twice, so the parity of
    the quotes seen says where we are), minus the header. NDJSON: lines, minus a trailer line.
    Other formats (XLSX, zip, HTML): no rows, only bytes."""

    def __init__(self, format_: str, *, trailer: bool = False) -> None:
        self.format = format_
        self.lines = 0
        self._quoted = False
        self._trailer = trailer

    def feed(self, chunk: bytes) -> None:
        if self.format == "ndjson":
            self.lines += chunk.count(b"\n")
        elif self.format == "csv":
            if b'"' not in chunk:
                if not self._quoted:
                    self.lines += chunk.count(b"\n")
                return
            for number, part in enumerate(chunk.split(b'"')):
                if number:
                    self._quoted = not self._quoted
                if not self._quoted:
                    self.lines += part.count(b"\n")

    @property
    def rows(self) -> int | None:
        if self.format == "csv":
            return max(0, self.lines - 1)
        if self.format == "ndjson":
            return max(0, self.lines - (1 if self._trailer and self.lines else 0))
        return None


@dataclass
class Downloaded:
    bytes: int
    rows: int | None


def _progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[rows]}"),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@contextlib.contextmanager
def _target(output: Path | None) -> Iterator[tuple[BinaryIO, Path | None]]:
    if output is None:
        yield sys.stdout.buffer, None
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    try:
        with partial.open("wb") as handle:
            yield handle, partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(output)


def save_body(
    response: httpx.Response,
    output: Path | None,
    *,
    label: str,
    format_: str,
    console: Console,
    trailer: bool = False,
) -> Downloaded:
    """Write the body to `output` (standard output when None) as it arrives."""
    counter = RowCounter(format_, trailer=trailer)
    total = response.headers.get("Content-Length")
    written = 0
    with _progress(console) as progress, _target(output) as (handle, _):
        task = progress.add_task(
            label, total=int(total) if total and total.isdigit() else None, rows=""
        )
        for chunk in response.iter_bytes(CHUNK):
            handle.write(chunk)
            written += len(chunk)
            counter.feed(chunk)
            rows = counter.rows
            progress.update(task, completed=written, rows="" if rows is None else f"{rows:,} rows")
        handle.flush()
        progress.update(task, total=written)
    return Downloaded(bytes=written, rows=counter.rows)
