"""Organisations: organisations and their units (not personal data)."""
