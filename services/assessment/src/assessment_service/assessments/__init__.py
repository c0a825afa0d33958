"""Assessments: appraisals of a project at a gate by a panel, rated against a pinned template."""
