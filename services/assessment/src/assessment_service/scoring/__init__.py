"""Scoring: the pure scoring engine (see `engine.py`)."""
