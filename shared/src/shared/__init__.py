"""The CMDI platform library: one mechanism per job, used by every service and the gateway.

See shared/README.md for the module contract and the transaction rule.
"""
