"""Outcome journals (OM step 9): entries per boundary partner and period."""
