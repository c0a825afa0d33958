"""Privacy: consent, data subject requests, subject access export, erasure, retention."""
