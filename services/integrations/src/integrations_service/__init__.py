"""The integrations service: signed webhooks and machine clients for trust IT (issue #13)."""
