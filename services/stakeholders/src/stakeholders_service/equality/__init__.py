"""Equality monitoring: anonymous answers, reported only in aggregate."""
