"""Findings: what the evaluation has learned, with the log entries behind it, from emerging to
confirmed or refuted."""
