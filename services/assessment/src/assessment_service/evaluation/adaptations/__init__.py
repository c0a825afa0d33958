"""Adaptation decisions: what the programme changes because of what was learned, from proposed
to reviewed; an implemented pivot is announced to the projects service."""
