"""The CMDI platform library: one mechanism per job, used by every service and the gateway.

Its public surface is the modules named in `__all__` (each one's job is in shared/README.md):
import a name from its module, `from shared.etag import mark_version`. `shared.testing` is for
test suites only. See shared/README.md for the module contract and the transaction rule.
"""

# Module names, not re-exports: importing `shared` imports none of them.
__all__ = [
    "app",
    "auth",
    "changes",
    "consumer",
    "context",
    "coordination",
    "db",
    "etag",
    "event_contract",
    "exports",
    "feeds",
    "health",
    "http",
    "id_sets",
    "idempotency",
    "logging",
    "middleware",
    "migrations",
    "openapi",
    "pagination",
    "parameters",
    "patch",
    "platform",
    "problems",
    "project_access",
    "routing",
    "search",
    "service_tokens",
    "settings",
    "sqlite_inline",
    "staff_names",
    "suppression",
    "testing",
    "tracing",
    "transitions",
    "types",
]
