"""Report 2: the decision evidence pack (issue #11)."""
