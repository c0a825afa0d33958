"""Progress markers: graduated markers of a partner, revised or retired with a rationale."""
