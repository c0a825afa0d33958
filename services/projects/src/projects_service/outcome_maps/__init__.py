"""Outcome maps (OM steps 1-7): versioned maps, partners, markers, strategies, plans."""
