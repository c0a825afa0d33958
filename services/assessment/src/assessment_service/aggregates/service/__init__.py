"""Aggregates: the rules (windows, who sees names) and the composition of each read."""
