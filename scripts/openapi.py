"""The committed OpenAPI snapshots (`openapi/<service>.json`): the contract frontends build on,
and `openapi/asyncapi.json`, the events' AsyncAPI document the gateway serves.

`make openapi` rewrites them; `tests/contract/test_openapi_snapshots.py` fails when an app's
document (or an event's schema) drifts from its snapshot, so every change is a reviewed diff.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from scripts.services import ROOT

SNAPSHOTS = ROOT / "openapi"


def app_factories() -> dict[str, Callable[[], FastAPI]]:
    import assessment_service.main
    import gateway.main
    import integrations_service.main
    import projects_service.main
    import reporting_service.main
    import stakeholders_service.main

    return {
        "projects": projects_service.main.create_app,
        "assessment": assessment_service.main.create_app,
        "stakeholders": stakeholders_service.main.create_app,
        "reporting": reporting_service.main.create_app,
        "integrations": integrations_service.main.create_app,
        "gateway": gateway.main.create_app,
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def current_documents() -> dict[str, str]:
    """Each app's OpenAPI document, and `asyncapi` merged from the feed services' catalogs as
    the gateway merges them (built in-process, no HTTP)."""
    from gateway.asyncapi import asyncapi_document
    from gateway.main import VERSION
    from gateway.routes_table import FEEDS
    from shared.event_contract import event_catalog

    apps = {name: factory() for name, factory in app_factories().items()}
    documents = {name: render(app.openapi()) for name, app in apps.items()}
    catalogs = {name: event_catalog(apps[name].state.platform).document() for name in FEEDS}
    documents["asyncapi"] = render(asyncapi_document(catalogs, version=VERSION, unavailable=[]))
    return documents


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the snapshots")
    args = parser.parse_args()
    SNAPSHOTS.mkdir(exist_ok=True)
    drifted = []
    for name, text in current_documents().items():
        path = SNAPSHOTS / f"{name}.json"
        if args.write:
            path.write_text(text)
        elif not path.exists() or path.read_text() != text:
            drifted.append(name)
    if drifted:
        print(f"OpenAPI drifted for: {', '.join(drifted)}; run `make openapi`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
