"""Exports composed by reporting (issue #12): the merged data dictionary and the bundle."""
