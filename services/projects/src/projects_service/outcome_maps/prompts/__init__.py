"""Revision prompts: implemented pivots that prompt a new outcome-map version."""
