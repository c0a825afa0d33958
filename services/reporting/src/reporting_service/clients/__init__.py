"""Typed clients for the services the reports read: one module per upstream (issue #10 item 1).
Only these modules import `shared.http`."""

UPSTREAMS = ("projects", "assessment", "stakeholders")
