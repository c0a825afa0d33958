"""Aggregate reads for the reporting service (issue #11): engagement coverage, relationship
ownership, inclusivity, and one project's engagement picture at a date; computed in SQL."""
