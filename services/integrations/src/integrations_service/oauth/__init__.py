"""Machine clients: OAuth 2.0 client credentials (RFC 6749 §4.4), their JWTs and public keys."""
