"""The projects service's filter vocabularies, as the reports accept them.

Repeated here rather than imported (services share no code); `tests/test_vocabulary.py` checks
them against the projects service's published OpenAPI, so they cannot drift apart unnoticed."""

from enum import StrEnum


class Stage(StrEnum):
    idea = "idea"
    scoping = "scoping"
    design = "design"
    pilot = "pilot"
    evaluation = "evaluation"
    scaling = "scaling"
    embedding = "embedding"
    sustained = "sustained"
    closed = "closed"
    paused = "paused"
    stopped = "stopped"


class Pillar(StrEnum):
    project_innovation = "project_innovation"
    innovation_governance = "innovation_governance"


class InnovationType(StrEnum):
    service_or_pathway_redesign = "service_or_pathway_redesign"
    digital_technology = "digital_technology"
    workforce_or_role = "workforce_or_role"
    organisational_or_management = "organisational_or_management"
    medical_device = "medical_device"
    other = "other"
