"""Performance journals (OM step 11): the eight organisational practices per period."""
