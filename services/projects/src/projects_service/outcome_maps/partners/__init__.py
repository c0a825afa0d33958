"""Boundary partners of an outcome-map version, and their stakeholder references."""
