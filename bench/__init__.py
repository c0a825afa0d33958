"""`make bench`: req/s, p50 and p99 of the gateway and a service against a bare FastAPI app."""
