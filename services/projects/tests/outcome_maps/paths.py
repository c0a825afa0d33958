"""The outcome-map paths the tests of this folder address."""

from __future__ import annotations


def url(project_id: str, map_id: str, rest: str = "") -> str:
    return f"/v1/projects/{project_id}/outcome-maps/{map_id}{rest}"
