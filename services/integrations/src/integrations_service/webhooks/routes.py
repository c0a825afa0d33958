"""Webhooks: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
