"""Building blocks of the shipped template documents: a criterion, the gate lists they share."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def criterion(code: str, question: str, scale: str, **fields: Any) -> Json:
    return {"code": code, "question": question, "scale": scale, **fields}
