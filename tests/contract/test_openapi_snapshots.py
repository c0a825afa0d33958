"""The committed OpenAPI documents are the contract frontends build on: any change to an app's
document must come with a regenerated snapshot (`make openapi`), so it is a reviewed diff."""

from __future__ import annotations

import pytest

from scripts.openapi import SNAPSHOTS, current_documents

DOCUMENTS = current_documents()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_openapi_matches_the_committed_snapshot(name: str) -> None:
    snapshot = SNAPSHOTS / f"{name}.json"
    assert snapshot.exists(), f"missing {snapshot}; run `make openapi`"
    assert snapshot.read_text() == DOCUMENTS[name], f"{name} API changed; run `make openapi`"
