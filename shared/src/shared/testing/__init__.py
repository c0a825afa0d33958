"""Test support shared by every service's suite: databases, clients, tokens, the problem
assertion, a clock tests move by hand, canonical request bodies, one fake per upstream
service, checked against that service's committed OpenAPI snapshot, and apps served over real
sockets in the test loop."""

from shared.problems import PROBLEM_CONTENT_TYPE
from shared.testing.bodies import member_body, project_body
from shared.testing.clock import ManualClock
from shared.testing.contract import ContractViolation, OpenApiContract
from shared.testing.fakes import Call, FakeService, SwitchableApp
from shared.testing.problems import assert_problem
from shared.testing.servers import (
    InLoopServer,
    RawUpstream,
    bound_socket,
    dead_url,
    serving,
    url_of,
)
from shared.testing.support import (
    TEST_AUDIENCE,
    TEST_ISSUER,
    TEST_KEY,
    TokenFactory,
    api_client,
    backend,
    empty_database,
    reset_database,
    service_app,
    service_fixtures,
    test_database,
)
from shared.testing.upstreams import FakeAssessment, FakeProjects, FakeStakeholders

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "TEST_AUDIENCE",
    "TEST_ISSUER",
    "TEST_KEY",
    "Call",
    "ContractViolation",
    "FakeAssessment",
    "FakeProjects",
    "FakeService",
    "FakeStakeholders",
    "InLoopServer",
    "ManualClock",
    "OpenApiContract",
    "RawUpstream",
    "SwitchableApp",
    "TokenFactory",
    "api_client",
    "assert_problem",
    "backend",
    "bound_socket",
    "dead_url",
    "empty_database",
    "member_body",
    "project_body",
    "reset_database",
    "service_app",
    "service_fixtures",
    "serving",
    "test_database",
    "url_of",
]
