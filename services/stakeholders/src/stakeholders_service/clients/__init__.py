"""Typed clients for the services this one calls: one module per upstream (only these import
`shared.http`)."""
