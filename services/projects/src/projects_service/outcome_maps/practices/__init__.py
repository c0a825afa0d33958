"""The eight organisational practices of an outcome-map version."""
