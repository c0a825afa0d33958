"""Report 1: the portfolio at a glance (issue #11)."""
