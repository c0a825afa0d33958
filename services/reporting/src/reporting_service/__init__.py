"""The reporting service: reports composed from the other services' APIs (issue #11)."""
