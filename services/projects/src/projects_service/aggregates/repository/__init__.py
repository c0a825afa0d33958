"""Aggregates: the queries, one module per group of figures (only these modules query)."""
