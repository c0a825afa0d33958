"""The monitoring plan (OM step 8) and evaluation plan (OM step 12) of an outcome-map version."""
