"""The learning timeline: one evaluation's records of every kind, in the order they happened."""
