"""Typed clients for the services this one calls: one module per upstream (issue #10 item 1)."""
