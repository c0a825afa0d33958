"""Aggregate reads for the reporting service (issue #11): governance figures and evidence."""
