"""The API gateway: one public API at /api/v1 in front of the three services."""
