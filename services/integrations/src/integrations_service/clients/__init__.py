"""Typed clients of the other services (the only modules here that import shared.http)."""
