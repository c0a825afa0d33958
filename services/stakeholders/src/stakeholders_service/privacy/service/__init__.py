"""Privacy rules, by sub-resource: consents, data subject requests, and the person's data as a
whole (export, erasure). Routes and the retention job import this package's names."""

from stakeholders_service.privacy.service.common import add_months
from stakeholders_service.privacy.service.consents import (
    CONSENT_EDGES,
    consent_read,
    list_consents,
    record_consent,
    transition_consent,
)
from stakeholders_service.privacy.service.requests import (
    REQUEST_EDGES,
    extend_request,
    flag_overdue_requests,
    list_requests,
    open_request,
    request_read,
    transition_request,
)
from stakeholders_service.privacy.service.subject_data import (
    ERASED_TEXT,
    erase_stakeholder,
    erasure_request,
    export_subject,
)

__all__ = [
    "CONSENT_EDGES",
    "ERASED_TEXT",
    "REQUEST_EDGES",
    "add_months",
    "consent_read",
    "erase_stakeholder",
    "erasure_request",
    "export_subject",
    "extend_request",
    "flag_overdue_requests",
    "list_consents",
    "list_requests",
    "open_request",
    "record_consent",
    "request_read",
    "transition_consent",
    "transition_request",
]
