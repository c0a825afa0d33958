"""The outcome-map paths the tests of this folder address, and the body that agrees a draft."""

from __future__ import annotations

# `POST {map}/transitions` with this agrees a draft (the convention of issue #10 item 7).
AGREE = {"to": "agreed"}


def url(project_id: str, map_id: str, rest: str = "") -> str:
    return f"/v1/projects/{project_id}/outcome-maps/{map_id}{rest}"
