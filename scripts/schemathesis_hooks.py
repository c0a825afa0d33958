"""Schemathesis hooks for the gate (scripts/schemathesis_gate.py loads them by SCHEMATHESIS_HOOKS).

Two things a generator cannot know, set on schema-valid (positive) cases just before they are
sent, so that `positive_data_acceptance` judges the rules behind them and not our fixtures:

- cursors are opaque tokens the API writes: a generated `cursor` or `after` is never one, so it
  is left out (the first page). Garbage cursors are the hostile corpus's job (tests/hostile).
- a body field naming another record (`project_id`, `organisation_id`, ...) names a record of
  the loaded dataset (`CMDI_FUZZ_IDS`, JSON: parameter name -> ids), not a random UUID, which
  the reference rules rightly refuse with a 422.

Negative cases are sent as generated: changing them could make them valid.

`filter_failure` keeps every failure, and appends what the report leaves out to the JSON lines
file `CMDI_FUZZ_FAILURES`: the response's status, problem type and details, which the gate's
allowlist can match (a domain rule's own problem type, a model validator's message).
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import schemathesis

OPAQUE_QUERY = ("cursor", "after")
# body field -> the dataset's parameter name whose ids it takes
REFERENCES = {
    "project_id": "project_id",
    "project_ids": "project_id",
    "organisation_id": "organisation_id",
    "assessment_id": "assessment_id",
    "stakeholder_id": "stakeholder_id",
    "raised_by": "stakeholder_id",
}
IDS: dict[str, list[str]] = json.loads(os.environ.get("CMDI_FUZZ_IDS", "{}"))


def _positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    mode = getattr(generation, "mode", None)
    return bool(getattr(mode, "is_positive", False))


def _real(value: Any, ids: list[str], index: int) -> Any:
    return ids[index % len(ids)] if isinstance(value, str) else value


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    if not _positive(case):
        return
    if isinstance(case.query, dict):
        for name in OPAQUE_QUERY:
            case.query.pop(name, None)
    if isinstance(case.body, dict):
        for field, parameter in REFERENCES.items():
            ids = IDS.get(parameter)
            value = case.body.get(field)
            if not ids or value is None:
                continue
            if isinstance(value, list):
                case.body[field] = [_real(v, ids, i) for i, v in enumerate(value)]
            else:
                case.body[field] = _real(value, ids, 0)


_LOCK = threading.Lock()


def _problem(response: Any) -> tuple[str, str]:
    try:
        body = response.json()
    except Exception:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    problem = str(body.get("type", "")).rsplit("/", 1)[-1]
    errors = body.get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    # "<the problem's detail> | <its first error's detail>": the first part tells a rule a
    # service raised from FastAPI's generic validation failure, the second says which one.
    return problem, f"{body.get('detail', '')} | {first.get('detail', '')}"


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    path = os.environ.get("CMDI_FUZZ_FAILURES")
    if path and response is not None:
        problem, detail = _problem(response)
        record = {
            "operation": str(getattr(case.operation, "label", "")),
            "type": type(failure).__name__,
            "code": str(getattr(failure, "code", "")),
            "status": int(getattr(response, "status_code", 0)),
            "problem": problem,
            "detail": detail,
        }
        with _LOCK, open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
    return True
