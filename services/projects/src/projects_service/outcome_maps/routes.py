"""Outcome maps: every sub-resource's router under one, in the order they are served."""

from __future__ import annotations

from fastapi import APIRouter

from projects_service.outcome_maps.maps.routes import router as maps_router
from projects_service.outcome_maps.markers.routes import router as markers_router
from projects_service.outcome_maps.partners.routes import router as partners_router
from projects_service.outcome_maps.plans.routes import router as plans_router
from projects_service.outcome_maps.practices.routes import router as practices_router
from projects_service.outcome_maps.prompts.routes import router as prompts_router
from projects_service.outcome_maps.strategies.routes import router as strategies_router

router = APIRouter()
for sub_router in (
    maps_router,
    partners_router,
    markers_router,
    strategies_router,
    practices_router,
    plans_router,
    prompts_router,
):
    router.include_router(sub_router)
