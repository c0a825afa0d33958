"""Insights: read-only practitioner views over outcome maps, journals and teams."""
