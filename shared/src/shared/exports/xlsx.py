"""XLSX, streamed: a minimal valid workbook (one sheet, inline strings) zipped by stream-zip as
the rows arrive. Filled in by the next commit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from shared.exports.catalog import Column


async def write_xlsx(
    columns: Sequence[Column], rows: AsyncIterator[Sequence[Any]], *, sheet: str
) -> AsyncIterator[bytes]:
    pending: list[bytes] = []
    for chunk in pending:  # a generator, like the other writers
        yield chunk
    raise NotImplementedError("XLSX is written by the next step")
