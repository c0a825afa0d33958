"""Strategy journals (OM step 10): entries on strategies per period."""
