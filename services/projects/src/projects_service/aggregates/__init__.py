"""Aggregate reads of the projects service (`/v1/aggregates/...`), computed in SQL, for the
reporting service (issue #11): the portfolio figures and a project's attainment over time."""
