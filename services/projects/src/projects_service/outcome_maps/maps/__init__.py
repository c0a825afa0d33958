"""Outcome-map versions: draft → agreed → superseded, cloning the next draft, agreement."""
