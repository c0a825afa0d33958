"""Webhooks (Standard Webhooks 1.0): endpoints, deliveries, attempts and the delivery worker."""
