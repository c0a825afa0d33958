"""Assessments: the HTTP routes, one module per sub-resource, gathered in one router."""

from fastapi import APIRouter

from assessment_service.assessments.routes import assessments, moderation, panel, ratings

router = APIRouter()
# The assessment itself first: `/history` is declared before `/{assessment_id}`.
for sub in (assessments, panel, ratings, moderation):
    router.include_router(sub.router)
