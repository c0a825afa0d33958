"""Frameworks: versioned framework templates and the published sources they cite."""
