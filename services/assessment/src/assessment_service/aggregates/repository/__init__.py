"""Aggregates: the queries (GROUP BY and window functions over the service's tables)."""
