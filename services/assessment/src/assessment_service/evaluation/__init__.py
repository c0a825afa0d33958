"""Developmental evaluation: questions, learning log, sensemaking, findings, adaptations."""
