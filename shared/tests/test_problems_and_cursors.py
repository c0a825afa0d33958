"""Pure helpers: JSON pointers for validation errors, the cursor codec, merge patch, ETags."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from shared.etag import PreconditionFailed, _matches, etag_for
from shared.pagination import InvalidCursor, _decode, _encode
from shared.patch import merge_patch_changes
from shared.problems import InvalidInput, pointer_for


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("body", "title"), ("body", "/title")),
        (("body", "tags", 2), ("body", "/tags/2")),
        (("body", "a/b", "c~d"), ("body", "/a~1b/c~0d")),
        (("query", "limit"), ("query", "/limit")),
        (("path", "project_id"), ("path", "/project_id")),
        (("body",), ("body", "")),
    ],
)
def test_pointer_for(loc: tuple[str | int, ...], expected: tuple[str, str]) -> None:
    assert pointer_for(loc) == expected


def test_cursor_round_trip_and_garbage() -> None:
    payload = {"s": "-title", "v": "Zebra", "id": "0190e6c1-0000-7000-8000-000000000000"}
    assert _decode(_encode(payload)) == payload
    for garbage in ("", "!!!", _encode({"s": "x"}), "W10"):
        with pytest.raises(InvalidCursor):
            _decode(garbage)


class Patch(BaseModel):
    title: str | None = None
    summary: str | None = None


def test_merge_patch_distinguishes_absent_from_null() -> None:
    assert merge_patch_changes(Patch.model_validate({"summary": None})) == {"summary": None}
    assert merge_patch_changes(Patch.model_validate({})) == {}
    with pytest.raises(InvalidInput) as caught:
        merge_patch_changes(Patch.model_validate({"title": None}), required=["title"])
    assert caught.value.errors is not None and caught.value.errors[0].pointer == "/title"


def test_etag_matching() -> None:
    assert etag_for(3) == '"v3"'
    assert _matches('"v3"', '"v3"') and _matches('W/"v3"', '"v3"') and _matches("*", '"v3"')
    assert _matches('"v1", "v3"', '"v3"')
    assert not _matches('"v2"', '"v3"')
    assert PreconditionFailed.status == 412
