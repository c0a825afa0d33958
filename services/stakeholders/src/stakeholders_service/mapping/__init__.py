"""Stakeholder mapping: dated assessment snapshots, the map and trends."""
