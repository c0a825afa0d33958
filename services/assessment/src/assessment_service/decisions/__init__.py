"""Decisions: governance decisions at a gate, their conditions and overrides."""
