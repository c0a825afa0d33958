"""JSON merge patch (RFC 7396) on top of a pydantic `<Entity>Patch` model.

Absent fields stay as they are; `null` clears a field, unless the field is required (422).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from shared.problems import FieldError, InvalidInput


def merge_patch_changes(patch: BaseModel, *, required: Iterable[str] = ()) -> dict[str, Any]:
    changes = patch.model_dump(exclude_unset=True)
    errors = [
        FieldError(
            pointer=f"/{name}",
            location="body",
            detail="This field is required and cannot be cleared.",
        )
        for name in required
        if name in changes and changes[name] is None
    ]
    if errors:
        raise InvalidInput("Some fields cannot be set to null.", errors=errors)
    return changes


def apply_changes(entity: object, changes: Mapping[str, Any]) -> None:
    for name, value in changes.items():
        setattr(entity, name, value)
